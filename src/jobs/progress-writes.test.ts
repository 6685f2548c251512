import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressWrites } from './progress-writes.js';

describe('progress writes', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('writes nothing for a job that ends within the first 200 ms', () => {
    const written: number[] = [];
    const w = new ProgressWrites((p) => written.push(p));
    for (const p of [0.02, 0.1, 0.3, 0.5, 0.98]) {
      w.report(p);
      vi.advanceTimersByTime(30);
    }
    w.end();
    vi.advanceTimersByTime(1000);
    expect(written).toEqual([]);
  });

  it('writes the value reached once 200 ms are up, then every 5 % or 200 ms, never back', () => {
    const written: number[] = [];
    const w = new ProgressWrites((p) => written.push(p));
    w.report(0.02);
    vi.advanceTimersByTime(100);
    w.report(0.1);
    w.report(0.05);
    expect(written).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(written).toEqual([0.1]);
    w.report(0.12); // 2 % within 200 ms: held
    w.report(0.16); // 6 %: written
    w.report(0.15); // back: never
    vi.advanceTimersByTime(250);
    w.report(0.17); // 200 ms later: written
    w.end();
    w.report(0.5);
    expect(written).toEqual([0.1, 0.16, 0.17]);
  });

  it('writes at once when asked for no delay', () => {
    const written: number[] = [];
    const w = new ProgressWrites((p) => written.push(p), 0);
    w.report(0.02);
    w.report(0.03);
    w.report(0.5);
    expect(written).toEqual([0.02, 0.5]);
  });
});
