import { describe, expect, it } from 'vitest';
import { isDomainError } from '../core/errors.js';
import { StreamSlots } from './stream-slots.js';

describe('StreamSlots', () => {
  it('refuses a user past the cap, counts users apart, and frees a slot once per release', () => {
    const s = new StreamSlots(2);
    const a1 = s.take('a');
    s.take('a');
    let err: unknown;
    try {
      s.take('a');
    } catch (e) {
      err = e;
    }
    expect(isDomainError(err) && err.code).toBe('too_many_requests');
    expect(() => s.take('b')).not.toThrow();
    a1();
    a1(); // a second release gives back nothing more
    expect(s.openOf('a')).toBe(1);
    expect(() => s.take('a')).not.toThrow();
    expect(() => s.take('a')).toThrow(/at most 2/);
  });

  it('0 means no cap', () => {
    const s = new StreamSlots(0);
    for (let i = 0; i < 1000; i++) s.take('a');
    expect(s.openOf('a')).toBe(1000);
  });
});
