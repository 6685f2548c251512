import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PASSWORD_HASH_COST,
  MAX_PASSWORD_HASH_COST,
  MIN_PASSWORD_HASH_COST,
  generatePassword,
  generateToken,
  hashPassword,
  hashToken,
  isTokenShaped,
  needsRehash,
  setPasswordHashCost,
  verifyPassword,
  verifyPasswordDummy,
} from './passwords.js';

// The test suite hashes at the least cost (test/setup.ts); these tests are about the default.
describe('hashPassword / verifyPassword', () => {
  beforeAll(() => setPasswordHashCost(DEFAULT_PASSWORD_HASH_COST));
  afterAll(() => setPasswordHashCost(MIN_PASSWORD_HASH_COST));

  it('hashes in the documented format with a random salt', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
    expect(needsRehash(a)).toBe(false);
  });

  it('verifies the right password and refuses others', async () => {
    const h = await hashPassword('pässwört 🔑');
    expect(await verifyPassword('pässwört 🔑', h)).toBe(true);
    expect(await verifyPassword('passwort', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
    expect(await verifyPassword('pässwört 🔑 ', h)).toBe(false);
  });

  it('treats canonically equivalent unicode input alike (NFC)', async () => {
    const h = await hashPassword('caf\u00e9');
    expect(await verifyPassword('cafe\u0301', h)).toBe(true);
  });

  it('accepts other (sane) parameters stored earlier and flags them for rehash', async () => {
    const { scryptSync, randomBytes } = await import('node:crypto');
    const salt = randomBytes(16);
    const key = scryptSync('old', salt, 32, { N: 1 << 14, r: 8, p: 1 });
    const stored = `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifyPassword('old', stored)).toBe(true);
    expect(needsRehash(stored)).toBe(true);
  });

  it('never throws on a malformed stored value: returns false', async () => {
    const good = await hashPassword('pw');
    const parts = good.split('$');
    const bad = [
      '',
      'pw',
      'bcrypt$2b$10$abc',
      good.replace('scrypt', 'SCRYPT'),
      parts.slice(0, 5).join('$'),
      [...parts, 'extra'].join('$'),
      good.replace('$32768$', '$32767$'), // not a power of two
      good.replace('$32768$', '$1073741824$'), // absurd N (memory DoS)
      good.replace('$32768$', '$512$'), // too weak
      good.replace('$8$1$', '$0$1$'),
      good.replace('$8$1$', '$8$100$'),
      `${parts.slice(0, 4).join('$')}$!!!!$${parts[5]}`,
      `${parts.slice(0, 4).join('$')}$${parts[4]}$QQ`, // hash too short
      `${parts.slice(0, 4).join('$')}$${parts[4]}$${parts[5]?.slice(1)}`, // broken base64
    ];
    for (const b of bad) await expect(verifyPassword('pw', b)).resolves.toBe(false);
    // wrong runtime types are false too
    await expect(verifyPassword(undefined as unknown as string, good)).resolves.toBe(false);
    await expect(verifyPassword('pw', null as unknown as string)).resolves.toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });

  it('verifyPasswordDummy always answers false', async () => {
    await expect(verifyPasswordDummy('anything')).resolves.toBe(false);
  });

  it('hashes at the cost set for the process; hashes of another cost still verify and are flagged for rehash', async () => {
    expect(DEFAULT_PASSWORD_HASH_COST).toBe(15);
    const atDefault = await hashPassword('pw-default');
    try {
      setPasswordHashCost(11);
      const cheaper = await hashPassword('pw-cheaper');
      expect(cheaper).toMatch(/^scrypt\$2048\$8\$1\$/);
      expect(needsRehash(cheaper)).toBe(false);
      expect(needsRehash(atDefault)).toBe(true);
      expect(await verifyPassword('pw-default', atDefault)).toBe(true);
      expect(await verifyPassword('pw-cheaper', cheaper)).toBe(true);
      expect(await verifyPassword('pw-default', cheaper)).toBe(false);
      await expect(verifyPasswordDummy('anything')).resolves.toBe(false);
      for (const bad of [MIN_PASSWORD_HASH_COST - 1, MAX_PASSWORD_HASH_COST + 1, 12.5, Number.NaN]) expect(() => setPasswordHashCost(bad), String(bad)).toThrow(RangeError);
    } finally {
      setPasswordHashCost(DEFAULT_PASSWORD_HASH_COST);
    }
    expect(needsRehash(atDefault)).toBe(false);
    expect(await hashPassword('pw')).toMatch(/^scrypt\$32768\$/);
  });
});

describe('generatePassword', () => {
  it('returns 24 URL-safe random characters', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const p = generatePassword();
      expect(p).toMatch(/^[A-Za-z0-9_-]{24}$/);
      seen.add(p);
    }
    expect(seen.size).toBe(50);
  });
});

describe('tokens', () => {
  it('generateToken: apt_ + 43 base64url characters of 32 random bytes', () => {
    const t = generateToken();
    expect(t).toMatch(/^apt_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t.slice(4), 'base64url')).toHaveLength(32);
    expect(isTokenShaped(t)).toBe(true);
    expect(generateToken()).not.toBe(t);
  });

  it('isTokenShaped rejects anything else', () => {
    for (const s of ['', 'apt_', 'apt_short', `apx_${'a'.repeat(43)}`, `apt_${'a'.repeat(44)}`, `apt_${'a'.repeat(42)}=`]) {
      expect(isTokenShaped(s)).toBe(false);
    }
  });

  it('hashToken is the hex sha256 of the token', () => {
    const t = generateToken();
    expect(hashToken(t)).toBe(createHash('sha256').update(t).digest('hex'));
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(t)).not.toBe(hashToken(generateToken()));
  });
});
