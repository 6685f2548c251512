/**
 * Password hashing (scrypt) and API tokens.
 *
 * Stored password format: `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>` (standard
 * base64 with padding), N = 2^15, r = 8, p = 1, a 16-byte salt and a 32-byte derived key.
 * Verification reads the parameters from the stored value, so they can be raised later
 * (`needsRehash` tells when a stored value uses others). A stored value is never
 * trusted to size the work: parameters outside sane bounds make verification fail.
 *
 * N can be set per process (ASSETPORT_PASSWORD_HASH_COST, log2 of N, 10 to 16): the test
 * suite hashes at 2^10, which costs a thirty-second of the default's CPU.
 *
 * Tokens: `apt_` + 43 base64url characters (32 random bytes); only their SHA-256 (hex) is
 * stored, so a database leak does not hand out working tokens.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { sha256Hex } from '../core/json-text.js';

/** log2 of scrypt's N for new hashes, unless set otherwise; and the bounds of the setting. */
export const DEFAULT_PASSWORD_HASH_COST = 15;
export const MIN_PASSWORD_HASH_COST = 10;
export const MAX_PASSWORD_HASH_COST = 16;
let scryptN = 1 << DEFAULT_PASSWORD_HASH_COST;
/** What verifyPasswordDummy verifies against: a hash at the current cost, made at its first use. */
let dummyHash: Promise<string> | undefined;
const SCRYPT_R = 8;
const SCRYPT_P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Memory needed is about 128·N·r·p bytes; allow twice the default work (the highest settable cost). */
const MAX_MEM = 2 * 128 * (1 << DEFAULT_PASSWORD_HASH_COST) * SCRYPT_R * SCRYPT_P + 1024 * 1024;

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ENCODED_RE = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

const TOKEN_PREFIX = 'apt_';
const TOKEN_RE = /^apt_[A-Za-z0-9_-]{43}$/;

function scrypt(plain: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(plain.normalize('NFC'), salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Sets the cost (log2 of scrypt's N) of the hashes this process makes from now on. Stored
 * hashes keep verifying whatever their cost (within the verifier's bounds).
 */
export function setPasswordHashCost(cost: number): void {
  if (!Number.isInteger(cost) || cost < MIN_PASSWORD_HASH_COST || cost > MAX_PASSWORD_HASH_COST) {
    throw new RangeError(`password hash cost must be an integer from ${MIN_PASSWORD_HASH_COST} to ${MAX_PASSWORD_HASH_COST}`);
  }
  if (1 << cost !== scryptN) dummyHash = undefined;
  scryptN = 1 << cost;
}

export async function hashPassword(plain: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const N = scryptN;
  const key = await scrypt(plain, salt, KEY_BYTES, { N, r: SCRYPT_R, p: SCRYPT_P, maxmem: MAX_MEM });
  return `scrypt$${N}$${SCRYPT_R}$${SCRYPT_P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parseEncoded(encoded: string): ParsedHash | null {
  const m = ENCODED_RE.exec(encoded);
  if (!m) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [saltB64, hashB64] = [m[4] as string, m[5] as string];
  // N a power of two in [2^10, 2^17]; r in [1, 32]; p in [1, 4]; memory within MAX_MEM.
  if (N < 1 << 10 || N > 1 << 17 || (N & (N - 1)) !== 0) return null;
  if (r < 1 || r > 32 || p < 1 || p > 4) return null;
  if (128 * N * r * p > MAX_MEM - 1024 * 1024) return null;
  if (!B64_RE.test(saltB64) || !B64_RE.test(hashB64)) return null;
  const salt = Buffer.from(saltB64, 'base64');
  const hash = Buffer.from(hashB64, 'base64');
  if (salt.length < 8 || salt.length > 64 || hash.length < 16 || hash.length > 64) return null;
  return { N, r, p, salt, hash };
}

/** True when `plain` matches `encoded`. Never throws: a malformed stored value is simply false. */
export async function verifyPassword(plain: string, encoded: string): Promise<boolean> {
  try {
    if (typeof plain !== 'string' || typeof encoded !== 'string') return false;
    const parsed = parseEncoded(encoded);
    if (!parsed) return false;
    const key = await scrypt(plain, parsed.salt, parsed.hash.length, { N: parsed.N, r: parsed.r, p: parsed.p, maxmem: MAX_MEM });
    return timingSafeEqual(key, parsed.hash);
  } catch {
    return false;
  }
}

/**
 * Spends the same time as a real verification (at the current cost) and returns false.
 * Call it when the user does not exist, so response times do not reveal which user names
 * exist.
 */
export async function verifyPasswordDummy(plain: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(plain, await dummyHash);
  return false;
}

/** True when a stored value was made with other parameters than the current ones (rehash on next login). */
export function needsRehash(encoded: string): boolean {
  const parsed = parseEncoded(encoded);
  return !parsed || parsed.N !== scryptN || parsed.r !== SCRYPT_R || parsed.p !== SCRYPT_P || parsed.salt.length !== SALT_BYTES || parsed.hash.length !== KEY_BYTES;
}

/** 24 URL-safe random characters (18 random bytes, 144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** `apt_` + 43 base64url characters (32 random bytes). */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Whether a string has the shape of one of our tokens (cheap pre-check before a lookup). */
export function isTokenShaped(s: string): boolean {
  return TOKEN_RE.test(s);
}

/** Hex SHA-256 of a token: what is stored and looked up. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}
