/**
 * The key ring: AES-256-GCM keys that seal account secrets at rest.
 *
 * The first key is the current one (everything new is encrypted under it); the others
 * only decrypt, so a deployment can rotate its master key without re-encrypting every
 * stored secret at once (`reencrypt` moves one value to the current key).
 *
 * Ciphertext format (one printable string, safe in JSON and in exported packages):
 *
 *     $ap1$<keyid>$<payload>
 *
 *  - `ap1`     format version 1;
 *  - `keyid`   16 lower-case hex characters: the first 16 hex characters of
 *              sha256("assetport-key-id:" ‖ key bytes). It names the key, never reveals it;
 *  - `payload` base64url without padding of iv (12 bytes) ‖ GCM tag (16 bytes) ‖ ciphertext.
 *
 * Every value is encrypted with a fresh random IV and the fixed additional authenticated
 * data "assetport:secret:v1". Failures throw `SecretError` whose message never contains
 * the plain text or the ciphertext.
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';

const CIPHERTEXT_PREFIX = '$ap1$';
const AAD = Buffer.from('assetport:secret:v1', 'utf8');
const KEY_ID_PREFIX = Buffer.from('assetport-key-id:', 'utf8');
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHERTEXT_RE = /^\$ap1\$([0-9a-f]{16})\$([A-Za-z0-9_-]+)$/;

export type SecretErrorCode = 'secret.unknown_key' | 'secret.tampered' | 'secret.malformed';

export class SecretError extends Error {
  readonly code: SecretErrorCode;
  /** The key id named by the ciphertext, when it could be read (key ids are not secret). */
  readonly keyId: string | undefined;

  constructor(code: SecretErrorCode, message: string, keyId?: string) {
    super(message);
    this.name = 'SecretError';
    this.code = code;
    this.keyId = keyId;
  }
}


/** The key id of a 32-byte master key. */
export function keyIdFor(key: Buffer): string {
  return createHash('sha256').update(KEY_ID_PREFIX).update(key).digest('hex').slice(0, 16);
}

interface ParsedCiphertext {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  data: Buffer;
}

function parseCiphertext(s: string): ParsedCiphertext | null {
  const m = CIPHERTEXT_RE.exec(s);
  if (!m) return null;
  const keyId = m[1] as string;
  const b64 = m[2] as string;
  // base64url without padding: a length of 1 mod 4 cannot occur.
  if (b64.length % 4 === 1) return null;
  const raw = Buffer.from(b64, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) return null;
  // Reject non-canonical encodings (stray bits in the last character).
  if (raw.toString('base64url') !== b64) return null;
  return {
    keyId,
    iv: raw.subarray(0, IV_BYTES),
    tag: raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES),
    data: raw.subarray(IV_BYTES + TAG_BYTES),
  };
}

/** Whether `s` is a string in our ciphertext format (it says nothing about which key). */
export function isCiphertext(s: unknown): boolean {
  return typeof s === 'string' && parseCiphertext(s) !== null;
}

/**
 * Whether `s` claims to be our ciphertext: a string starting with `$ap1$`, well-formed or
 * not. Such a value is never taken for plain text (a password cannot start with `$ap1$`).
 */
export function looksSealed(s: unknown): boolean {
  return typeof s === 'string' && s.startsWith(CIPHERTEXT_PREFIX);
}

/** The key id of a ciphertext, or null when `s` is not one. */
export function keyIdOf(s: unknown): string | null {
  if (typeof s !== 'string') return null;
  return parseCiphertext(s)?.keyId ?? null;
}

export class KeyRing {
  readonly currentKeyId: string;
  readonly #keys: ReadonlyMap<string, KeyObject>;

  private constructor(keys: ReadonlyMap<string, KeyObject>, currentKeyId: string) {
    this.#keys = keys;
    this.currentKeyId = currentKeyId;
  }

  /** First key = current (encrypts and decrypts); the others only decrypt. Duplicates are ignored. */
  static fromMasterKeys(keys: readonly Buffer[]): KeyRing {
    if (keys.length === 0) throw new Error('KeyRing needs at least one master key');
    const map = new Map<string, KeyObject>();
    keys.forEach((key, i) => {
      if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
        throw new Error(`master key #${i + 1} must be exactly ${KEY_BYTES} bytes`);
      }
      const id = keyIdFor(key);
      // createSecretKey copies the bytes: zeroing the caller's buffer later is harmless.
      if (!map.has(id)) map.set(id, createSecretKey(Buffer.from(key)));
    });
    return new KeyRing(map, keyIdFor(keys[0] as Buffer));
  }

  /** Every key id the ring can decrypt, current first. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  has(keyId: string): boolean {
    return this.#keys.has(keyId);
  }

  /** Whether `cipher` is a ciphertext this ring decrypts (well-formed, a key it holds, authentic). */
  canDecrypt(cipher: string): boolean {
    try {
      this.decrypt(cipher);
      return true;
    } catch (e) {
      if (e instanceof SecretError) return false;
      throw e;
    }
  }

  encrypt(plain: string): string {
    const key = this.#keys.get(this.currentKeyId) as KeyObject;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(AAD);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${CIPHERTEXT_PREFIX}${this.currentKeyId}$${Buffer.concat([iv, tag, data]).toString('base64url')}`;
  }

  decrypt(cipher: string): string {
    const parsed = typeof cipher === 'string' ? parseCiphertext(cipher) : null;
    if (!parsed) throw new SecretError('secret.malformed', 'the value is not an assetport ciphertext');
    const key = this.#keys.get(parsed.keyId);
    if (!key) {
      throw new SecretError('secret.unknown_key', `the secret was encrypted under key ${parsed.keyId}, which this deployment does not hold`, parsed.keyId);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, parsed.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(AAD);
      decipher.setAuthTag(parsed.tag);
      const plain = Buffer.concat([decipher.update(parsed.data), decipher.final()]);
      return plain.toString('utf8');
    } catch {
      throw new SecretError('secret.tampered', `the secret under key ${parsed.keyId} failed authentication (altered or corrupt)`, parsed.keyId);
    }
  }

  /** Re-encrypts under the current key; a value already under the current key is returned unchanged. */
  reencrypt(cipher: string): string {
    if (keyIdOf(cipher) === this.currentKeyId) return cipher;
    return this.encrypt(this.decrypt(cipher));
  }

  toJSON(): { currentKeyId: string; keyIds: string[] } {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `KeyRing { current: ${this.currentKeyId}, keys: ${this.#keys.size} }`;
  }
}
