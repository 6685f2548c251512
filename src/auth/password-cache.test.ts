import { describe, expect, it } from 'vitest';
import { PasswordCache } from './password-cache.js';

const clock = (start = 1_000_000) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
};
const v = (userId: string, passwordHash = `hash-of-${userId}`) => ({ userId, passwordHash });

describe('PasswordCache', () => {
  it('remembers a verified pair until its TTL has passed', () => {
    const c = clock();
    const cache = new PasswordCache({ ttlMs: 60_000, maxEntries: 10, now: c.now });
    expect(cache.get('ann', 'pw-ann-1')).toBeUndefined();
    cache.remember('ann', 'pw-ann-1', v('u1'));
    expect(cache.get('ann', 'pw-ann-1')).toEqual(v('u1'));
    c.advance(59_999);
    expect(cache.get('ann', 'pw-ann-1')).toEqual(v('u1'));
    c.advance(1);
    expect(cache.get('ann', 'pw-ann-1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('finds nothing for another password, another user, or a split of the same text', () => {
    const cache = new PasswordCache({ ttlMs: 60_000, maxEntries: 10 });
    cache.remember('ann', 'pw-ann-1', v('u1'));
    expect(cache.get('ann', 'pw-ann-2')).toBeUndefined();
    expect(cache.get('bob', 'pw-ann-1')).toBeUndefined();
    cache.remember('a', 'b:c', v('u2'));
    expect(cache.get('a:b', 'c')).toBeUndefined();
    expect(cache.keyOf('a', 'b:c')).not.toBe(cache.keyOf('a:b', 'c'));
  });

  it('holds at most maxEntries, the oldest making room (expired ones first)', () => {
    const c = clock();
    const cache = new PasswordCache({ ttlMs: 1000, maxEntries: 3, now: c.now });
    cache.remember('u1', 'password-1', v('1'));
    c.advance(10);
    cache.remember('u2', 'password-2', v('2'));
    cache.remember('u3', 'password-3', v('3'));
    cache.remember('u4', 'password-4', v('4'));
    expect(cache.size).toBe(3);
    expect(cache.get('u1', 'password-1')).toBeUndefined();
    expect(cache.get('u4', 'password-4')).toEqual(v('4'));
    // u2 renewed: now the newest, so u3 goes next.
    cache.remember('u2', 'password-2', v('2'));
    cache.remember('u5', 'password-5', v('5'));
    expect(cache.get('u3', 'password-3')).toBeUndefined();
    expect(cache.get('u2', 'password-2')).toEqual(v('2'));
    // Everything expired: a new entry clears them all.
    c.advance(1000);
    cache.remember('u6', 'password-6', v('6'));
    expect(cache.size).toBe(1);
    for (let i = 0; i < 100; i++) cache.remember(`n${i}`, `password-${i}`, v(`n${i}`));
    expect(cache.size).toBe(3);
  });

  it('keys by an HMAC under its own random key: never the password or anything derived without the key', () => {
    const a = new PasswordCache({ ttlMs: 60_000, maxEntries: 10 });
    const b = new PasswordCache({ ttlMs: 60_000, maxEntries: 10 });
    const password = 'Very-Secret-Password-42';
    a.remember('ann', password, v('u1'));
    const keys = a.keys();
    expect(keys).toHaveLength(1);
    const key = keys[0]!;
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const form of [password, Buffer.from(password).toString('base64'), Buffer.from(password).toString('hex'), Buffer.from(`ann:${password}`).toString('base64')]) {
      expect(key).not.toContain(form);
    }
    expect(JSON.stringify([...(a as unknown as { entries: Map<string, unknown> }).entries])).not.toContain(password);
    // Another cache (another process) has another key.
    expect(b.keyOf('ann', password)).not.toBe(key);
  });

  it('forgets every entry of a user', () => {
    const cache = new PasswordCache({ ttlMs: 60_000, maxEntries: 10 });
    cache.remember('ann', 'pw-ann-1', v('u1'));
    cache.remember('ann', 'pw-ann-2', v('u1'));
    cache.remember('bob', 'pw-bob-1', v('u2'));
    cache.forgetUser('u1');
    expect(cache.get('ann', 'pw-ann-1')).toBeUndefined();
    expect(cache.get('ann', 'pw-ann-2')).toBeUndefined();
    expect(cache.get('bob', 'pw-bob-1')).toEqual(v('u2'));
  });

  it('remembers nothing with a TTL of 0', () => {
    const cache = new PasswordCache({ ttlMs: 0, maxEntries: 10 });
    cache.remember('ann', 'pw-ann-1', v('u1'));
    expect(cache.get('ann', 'pw-ann-1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('shares one verification among concurrent identical ones, and keeps no result after it', async () => {
    const cache = new PasswordCache({ ttlMs: 60_000, maxEntries: 10 });
    let runs = 0;
    let release!: (ok: boolean) => void;
    const verify = () => {
      runs++;
      return new Promise<boolean>((ok) => (release = ok));
    };
    const first = cache.verifyOnce('ann', 'pw-ann-1', 'h1', verify);
    const second = cache.verifyOnce('ann', 'pw-ann-1', 'h1', verify);
    const otherHash = cache.verifyOnce('ann', 'pw-ann-1', 'h2', async () => (runs++, true));
    release(false);
    expect(await Promise.all([first, second, otherHash])).toEqual([false, false, true]);
    expect(runs).toBe(2);
    // A failure is not remembered: the next call verifies again.
    expect(await cache.verifyOnce('ann', 'pw-ann-1', 'h1', async () => (runs++, true))).toBe(true);
    expect(runs).toBe(3);
    expect(cache.get('ann', 'pw-ann-1')).toBeUndefined();
  });
});
