/**
 * Progress on standard error: a bar on a terminal (cli-progress), nothing elsewhere — so
 * a CI log or a pipe gets only the result lines, never carriage-return animations.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Starts (or restarts) the bar for one phase. */
  phase(label: string, total: number, unit: 'bytes' | 'percent'): void;
  update(value: number, detail?: string): void;
  stop(): void;
}

const size = (n: number): string => (n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / (1024 * 1024)).toFixed(1)} MiB`);

export function createProgress(enabled: boolean): Progress {
  if (!enabled || process.stderr.isTTY !== true) return { phase: () => undefined, update: () => undefined, stop: () => undefined };
  let bar: cliProgress.SingleBar | undefined;
  let unit: 'bytes' | 'percent' = 'percent';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    phase(label, total, u) {
      stop();
      unit = u;
      bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: `${label.padEnd(9)} [{bar}] {percentage}% {amount}{detail}`,
          hideCursor: true,
          clearOnComplete: false,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { amount: '', detail: '' });
    },
    update(value, detail) {
      bar?.update(value, { amount: unit === 'bytes' ? `${size(value)} / ${size(bar.getTotal())}` : '', detail: detail ? `  ${detail}` : '' });
    },
    stop,
  };
}
