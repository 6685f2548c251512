import { createHash, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { KeyRing, SecretError, isCiphertext, keyIdFor, keyIdOf, looksSealed } from './key-ring.js';

const key = (fill: number): Buffer => Buffer.alloc(32, fill);

function expectSecretError(fn: () => unknown, code: SecretError['code'], forbidden: string[] = []): SecretError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SecretError);
    const err = e as SecretError;
    expect(err.code).toBe(code);
    for (const f of forbidden) {
      expect(err.message).not.toContain(f);
      expect(String(err.stack)).not.toContain(f);
    }
    return err;
  }
  throw new Error('expected a SecretError');
}

/** Flips one bit of the decoded payload at `offset` and re-encodes. */
function tamper(cipher: string, offset: number): string {
  const [, , id, payload] = cipher.split('$') as [string, string, string, string];
  const raw = Buffer.from(payload, 'base64url');
  raw[offset] = (raw[offset] as number) ^ 0x01;
  return `$ap1$${id}$${raw.toString('base64url')}`;
}

describe('KeyRing', () => {
  it('round-trips text, including empty and unicode strings', () => {
    const ring = KeyRing.fromMasterKeys([randomBytes(32)]);
    for (const plain of ['s3cret', '', 'pässwört 🔑', 'x'.repeat(10_000)]) {
      const c = ring.encrypt(plain);
      expect(isCiphertext(c)).toBe(true);
      expect(c).not.toContain(plain || '\u0000');
      expect(ring.decrypt(c)).toBe(plain);
    }
  });

  it('uses the documented format and key id', () => {
    const k = key(7);
    const ring = KeyRing.fromMasterKeys([k]);
    const expectedId = createHash('sha256').update(Buffer.concat([Buffer.from('assetport-key-id:'), k])).digest('hex').slice(0, 16);
    expect(ring.currentKeyId).toBe(expectedId);
    expect(keyIdFor(k)).toBe(expectedId);
    const c = ring.encrypt('abc');
    expect(c).toMatch(/^\$ap1\$[0-9a-f]{16}\$[A-Za-z0-9_-]+$/);
    expect(keyIdOf(c)).toBe(expectedId);
    // iv(12) + tag(16) + 3 bytes of ciphertext
    expect(Buffer.from(c.split('$')[3] as string, 'base64url')).toHaveLength(31);
  });

  it('uses a fresh IV each time', () => {
    const ring = KeyRing.fromMasterKeys([key(1)]);
    expect(ring.encrypt('same')).not.toBe(ring.encrypt('same'));
  });

  it('binds the fixed AAD (a ciphertext made without it does not decrypt)', async () => {
    const { createCipheriv } = await import('node:crypto');
    const k = key(3);
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', k, iv);
    const data = Buffer.concat([c.update('x', 'utf8'), c.final()]);
    const forged = `$ap1$${keyIdFor(k)}$${Buffer.concat([iv, c.getAuthTag(), data]).toString('base64url')}`;
    expectSecretError(() => KeyRing.fromMasterKeys([k]).decrypt(forged), 'secret.tampered');
  });

  it('refuses a ciphertext under a key it does not hold: secret.unknown_key', () => {
    const a = KeyRing.fromMasterKeys([key(1)]);
    const b = KeyRing.fromMasterKeys([key(2)]);
    const c = a.encrypt('top secret');
    const err = expectSecretError(() => b.decrypt(c), 'secret.unknown_key', ['top secret', c]);
    expect(err.keyId).toBe(a.currentKeyId);
    expect(b.has(a.currentKeyId)).toBe(false);
  });

  it('detects tampering with iv, tag, ciphertext and key-id swaps: secret.tampered', () => {
    const ring = KeyRing.fromMasterKeys([key(1), key(2)]);
    const c = ring.encrypt('top secret');
    for (const offset of [0, 11, 12, 27, 28, 30]) {
      expectSecretError(() => ring.decrypt(tamper(c, offset)), 'secret.tampered', ['top secret', c]);
    }
    // same payload relabelled with the other key's id
    const other = keyIdFor(key(2));
    expectSecretError(() => ring.decrypt(c.replace(ring.currentKeyId, other)), 'secret.tampered');
    // truncated ciphertext body (still long enough to parse)
    const raw = Buffer.from(c.split('$')[3] as string, 'base64url');
    expectSecretError(() => ring.decrypt(`$ap1$${ring.currentKeyId}$${raw.subarray(0, raw.length - 1).toString('base64url')}`), 'secret.tampered');
  });

  it('rejects malformed values: secret.malformed, without echoing them', () => {
    const ring = KeyRing.fromMasterKeys([key(1)]);
    const good = ring.encrypt('x');
    const bad = [
      'plain text',
      '',
      '$ap2$' + good.slice(5),
      '$ap1$ABCDEF0123456789$' + good.split('$')[3],
      '$ap1$0123$' + good.split('$')[3],
      `$ap1$${ring.currentKeyId}$`,
      `$ap1$${ring.currentKeyId}$${Buffer.alloc(27).toString('base64url')}`,
      `$ap1$${ring.currentKeyId}$${good.split('$')[3]}=`,
      `$ap1$${ring.currentKeyId}$${good.split('$')[3]}!`,
      good + '$extra',
    ];
    for (const b of bad) {
      expect(isCiphertext(b)).toBe(false);
      expect(keyIdOf(b)).toBeNull();
      expectSecretError(() => ring.decrypt(b), 'secret.malformed', b ? [b] : []);
    }
    expect(isCiphertext(42)).toBe(false);
    expect(keyIdOf(null)).toBeNull();
  });

  it('canDecrypt: true only for an authentic ciphertext under a key it holds', () => {
    const ring = KeyRing.fromMasterKeys([key(1), key(2)]);
    const c = ring.encrypt('top secret');
    expect(ring.canDecrypt(c)).toBe(true);
    expect(ring.canDecrypt(KeyRing.fromMasterKeys([key(2)]).encrypt('old key'))).toBe(true);
    expect(ring.canDecrypt(tamper(c, 20))).toBe(false);
    expect(ring.canDecrypt(KeyRing.fromMasterKeys([key(3)]).encrypt('elsewhere'))).toBe(false);
    expect(ring.canDecrypt(`$ap1$${ring.currentKeyId}$AAAA`)).toBe(false);
    expect(ring.canDecrypt('$ap1$ffffffffffffffff$AAAA')).toBe(false);
    expect(ring.canDecrypt('plain text')).toBe(false);
  });

  it('looksSealed: any string with the ciphertext prefix, well-formed or not', () => {
    expect(looksSealed('$ap1$ffffffffffffffff$AAAA')).toBe(true);
    expect(looksSealed('$ap1$')).toBe(true);
    expect(looksSealed(KeyRing.fromMasterKeys([key(1)]).encrypt('x'))).toBe(true);
    expect(looksSealed('plain $ap1$')).toBe(false);
    expect(looksSealed('$ap2$0123456789abcdef$AAAA')).toBe(false);
    expect(looksSealed(null)).toBe(false);
  });

  it('rotation: the old key still decrypts, new values use the new key', () => {
    const oldKey = key(1);
    const newKey = key(2);
    const before = KeyRing.fromMasterKeys([oldKey]);
    const c1 = before.encrypt('v1');
    const after = KeyRing.fromMasterKeys([newKey, oldKey]);
    expect(after.currentKeyId).toBe(keyIdFor(newKey));
    expect(after.keyIds).toEqual([keyIdFor(newKey), keyIdFor(oldKey)]);
    expect(after.has(keyIdFor(oldKey))).toBe(true);
    expect(after.decrypt(c1)).toBe('v1');
    const c2 = after.encrypt('v2');
    expect(keyIdOf(c2)).toBe(keyIdFor(newKey));
    expect(() => before.decrypt(c2)).toThrow(SecretError);
    const moved = after.reencrypt(c1);
    expect(keyIdOf(moved)).toBe(after.currentKeyId);
    expect(after.decrypt(moved)).toBe('v1');
    expect(after.reencrypt(c2)).toBe(c2);
  });

  it('validates keys and ignores duplicates', () => {
    expect(() => KeyRing.fromMasterKeys([])).toThrow();
    expect(() => KeyRing.fromMasterKeys([Buffer.alloc(16)])).toThrow(/32 bytes/);
    expect(KeyRing.fromMasterKeys([key(1), key(1)]).keyIds).toHaveLength(1);
  });

  it('is not affected by later changes to the caller’s buffer', () => {
    const k = Buffer.alloc(32, 9);
    const ring = KeyRing.fromMasterKeys([k]);
    const c = ring.encrypt('x');
    k.fill(0);
    expect(ring.decrypt(c)).toBe('x');
  });

  it('never shows key material when printed or serialised', () => {
    const k = key(0xab);
    const ring = KeyRing.fromMasterKeys([k]);
    const shown = inspect(ring) + JSON.stringify(ring);
    expect(shown).not.toContain(k.toString('hex'));
    expect(shown).not.toContain(k.toString('base64'));
    expect(shown).toContain(ring.currentKeyId);
  });
});
