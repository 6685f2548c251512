/**
 * Start-up time of `assetport serve` on the embedded default (PGlite, no DATABASE_URL):
 * from spawning the process until /healthz answers 200, on a new data directory (the first
 * start) and again on the same one after a clean stop. The median of several rounds, each
 * on its own new data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer, waitFor } from './server-process.js';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timedStart(dataDir: string): Promise<number> {
  const t0 = performance.now();
  const server = await spawnServer(dataDir);
  try {
    await waitFor(server, '/healthz', 10);
    return performance.now() - t0;
  } finally {
    await server.stop();
  }
}

export interface StartupTimes {
  firstMs: number[];
  againMs: number[];
}

export async function startupTimes(work: string, rounds: number): Promise<StartupTimes> {
  const out: StartupTimes = { firstMs: [], againMs: [] };
  for (let i = 0; i < rounds; i++) {
    const dir = mkdtempSync(join(work, 'startup-'));
    try {
      out.firstMs.push(await timedStart(dir));
      out.againMs.push(await timedStart(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

export const startupFigures = (t: StartupTimes) => ({ startup_first_ms: Math.round(median(t.firstMs)), startup_again_ms: Math.round(median(t.againMs)) });
