/** Repetition and medians: every timed step runs ROUNDS times and reports its median. */
export const ROUNDS = 3;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const ms = (n: number): string => `${n.toFixed(0)} ms`;

/** The rounds of a step, as shown beside its median: `[812, 790, 845]`. */
export const roundsOf = (xs: readonly number[]): string => JSON.stringify(xs.map(Math.round));

/** Runs `step` ROUNDS times, one after another; its results in order. */
export async function repeat<T>(step: (round: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ROUNDS; i++) out.push(await step(i));
  return out;
}
