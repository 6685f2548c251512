/**
 * A short-lived memory of verified passwords, so a client that sends `Authorization: Basic`
 * on every call pays for one scrypt verification per TTL rather than one per call.
 *
 * - An entry is found by an HMAC-SHA256, under a key drawn at random when the cache is made
 *   (so per process, never stored), of the user name and password: neither the password
 *   nor anything that can be checked against a guess without the key is kept.
 * - An entry remembers which user the pair was verified for and the stored password hash
 *   it was verified against; the caller re-reads the user and treats the entry as a hit
 *   only while both still match and the user is not locked. A password change (a new hash)
 *   or a lock, by this process or any other sharing the database, therefore takes effect
 *   on the next call; `forgetUser` drops the entries as well.
 * - Only successful verifications are remembered. Entries live `ttlMs` at most; at
 *   `maxEntries` the oldest entry makes room. A TTL of 0 turns the cache off.
 * - Concurrent verifications of the same pair against the same hash share one scrypt run.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface VerifiedPassword {
  userId: string;
  /** The stored hash the password was verified against. */
  passwordHash: string;
}

interface Entry extends VerifiedPassword {
  expiresAt: number;
}

export interface PasswordCacheOptions {
  ttlMs: number;
  maxEntries: number;
  /** The clock (ms); Date.now by default. */
  now?: () => number;
}

export class PasswordCache {
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Map<string, Promise<boolean>>();
  private readonly hmacKey = randomBytes(32);
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: PasswordCacheOptions) {
    this.ttlMs = Math.max(0, opts.ttlMs);
    this.maxEntries = Math.max(1, opts.maxEntries);
    this.now = opts.now ?? Date.now;
  }

  /** How many entries are held (expired ones included until they are looked up or pushed out). */
  get size(): number {
    return this.entries.size;
  }

  /** The lookup key of a name and password: an HMAC under this cache's own random key. */
  keyOf(name: string, password: string): string {
    const mac = createHmac('sha256', this.hmacKey);
    // The name's length first, so no other (name, password) split gives the same input.
    mac.update(`${Buffer.byteLength(name)}:${name}:`).update(password);
    return mac.digest('base64url');
  }

  /** The keys held, for inspection. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** What a pair was verified for, unless never, expired or forgotten. */
  get(name: string, password: string): VerifiedPassword | undefined {
    const key = this.keyOf(name, password);
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return { userId: e.userId, passwordHash: e.passwordHash };
  }

  /** Remembers a pair that was just verified. */
  remember(name: string, password: string, v: VerifiedPassword): void {
    if (this.ttlMs === 0) return;
    const key = this.keyOf(name, password);
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.makeRoom();
    this.entries.set(key, { userId: v.userId, passwordHash: v.passwordHash, expiresAt: this.now() + this.ttlMs });
  }

  /** Drops every entry of a user (password changed, user locked or gone). */
  forgetUser(userId: string): void {
    for (const [key, e] of this.entries) if (e.userId === userId) this.entries.delete(key);
  }

  /**
   * Runs `verify` for a pair and stored hash, or joins the run already under way for the
   * same ones; the result is not kept once the run ends.
   */
  async verifyOnce(name: string, password: string, passwordHash: string, verify: () => Promise<boolean>): Promise<boolean> {
    const key = `${this.keyOf(name, password)}.${this.keyOf(passwordHash, '')}`;
    const under = this.running.get(key);
    if (under) return under;
    const run = verify().finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  /**
   * Drops the expired entries, or else the oldest one. Every entry lives the same TTL and is
   * re-inserted when renewed, so insertion order is expiry order: the front is the oldest.
   */
  private makeRoom(): void {
    const t = this.now();
    for (const [key, e] of this.entries) {
      if (e.expiresAt > t && this.entries.size < this.maxEntries) return;
      this.entries.delete(key);
      if (e.expiresAt > t) return;
    }
  }
}
