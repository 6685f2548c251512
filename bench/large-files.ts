/**
 * The large-file phase: a separate `assetport serve` process imports a package of large
 * files (1 GiB: 16 files of 64 MiB; BENCH_QUICK: 64 MiB) and then exports it again. Meanwhile
 * /healthz and a Bearer-authenticated GET (/api/v1/orgs) are sent every 20 ms, whether or
 * not the previous one has answered (so a stall shows as many slow answers, not one), and
 * their latencies are recorded. Also the peak RSS (VmHWM) of the server after the import.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { newAssetId, newId32 } from '../src/core/ids.js';
import { writePackage, type PackageAssetInput } from '../src/package/package-writer.js';
import { copyFloor } from './copy-floor.js';
import { BENCH_ADMIN, spawnServer, waitFor, type ServerProcess } from './server-process.js';

export interface LargeFileFigures {
  importMs: number;
  exportMs: number;
  packageMiB: number;
  /** Peak RSS (VmHWM) of the server process, its embedded database included, after the import and after the export. */
  peakRssMb: number;
  peakRssAfterExportMb: number;
  /** The same file bytes written as chunks with COPY in one transaction (copy-floor.ts). */
  copyFloorMs: number;
  healthzDuringImport: Latencies;
  bearerDuringImport: Latencies;
  healthzDuringExport: Latencies;
  bearerDuringExport: Latencies;
}

export interface Latencies {
  count: number;
  /** Answers other than 200, and requests that failed. */
  failures: number;
  p50: number;
  p99: number;
  max: number;
}

const POLL_MS = 20;

/** Random (incompressible) file contents made a MiB at a time, never whole in memory. */
async function* randomContent(bytes: number): AsyncGenerator<Uint8Array> {
  for (let left = bytes; left > 0; left -= 1024 * 1024) yield randomBytes(Math.min(left, 1024 * 1024));
}

async function writeLargePackage(path: string, count: number, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const assets: PackageAssetInput[] = Array.from({ length: count }, (_, i) => ({ id: newAssetId(), type: 'File' as const, name: `blob-${i}.bin`, stream: randomContent(bytes) }));
  // Deflate level 1: the files are random, so no level makes them smaller; 1 is the quickest to make.
  await writePackage(out, { zip: { level: 1 }, kind: 'api_version', source: { org_id: newId32(), org_name: 'bench', space_id: newId32(), space_name: 'A/1', kind: 'api_version' }, assets });
}

const peakRss = (pid: number): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

function summarize(ms: number[]): Omit<Latencies, 'failures'> {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? 0);
  return { count: s.length, p50: at(0.5), p99: at(0.99), max: Math.round(s[s.length - 1] ?? 0) };
}

/** Sends GET `path` every 20 ms until stopped; the latencies of the answers. */
function poll(base: string, path: string, headers: Record<string, string>): { stop(): Promise<Latencies> } {
  const latencies: number[] = [];
  let failures = 0;
  const inflight = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const t0 = performance.now();
    // A request that fails (a connection refused or timed out while the server stalls) counts with the time it took.
    const p = fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(60_000) })
      .then(async (r) => {
        await r.arrayBuffer();
        if (r.status !== 200) failures++;
      })
      .catch(() => void failures++)
      .finally(() => {
        latencies.push(performance.now() - t0);
        inflight.delete(p);
      });
    inflight.add(p);
  }, POLL_MS);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...inflight]);
      return { ...summarize(latencies), failures };
    },
  };
}

async function during<T>(base: string, token: string, work: () => Promise<T>): Promise<{ result: T; healthz: Latencies; bearer: Latencies }> {
  const h = poll(base, '/healthz', {});
  const b = poll(base, '/api/v1/orgs', { authorization: `Bearer ${token}` });
  const result = await work();
  return { result, healthz: await h.stop(), bearer: await b.stop() };
}

type Api = (method: string, path: string, json?: unknown) => Promise<Record<string, unknown>>;

async function exportAndDownload(server: ServerProcess, api: Api, token: string, space: string, waitJob: (id: string) => Promise<unknown>): Promise<number> {
  const job = (await api('POST', `/api/v1/spaces/${space}/exports`, {})).job_id as string;
  await waitJob(job);
  const r = await fetch(`${server.base}/api/v1/jobs/${job}/archive`, { headers: { authorization: `Bearer ${token}` } });
  let bytes = 0;
  for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) bytes += c.length;
  return bytes;
}

export interface LargeFileDeps {
  /** Imports `file` into `space` and waits for the job. */
  importFile(base: string, token: string, space: string, file: string): Promise<number>;
  waitJob(base: string, token: string, id: string): Promise<unknown>;
  api(base: string, method: string, path: string, token: string, json?: unknown): Promise<Record<string, unknown>>;
}

export async function largeFilePhase(work: string, files: { count: number; bytes: number }, deps: LargeFileDeps, databaseUrl?: string): Promise<LargeFileFigures> {
  const dir = join(work, 'large');
  mkdirSync(dir);
  const file = join(work, 'large.zip');
  await writeLargePackage(file, files.count, files.bytes);
  const server = await spawnServer(dir, { ASSETPORT_MAX_UPLOAD: '1100MiB', ASSETPORT_WORKER_POLL_MS: '20' }, databaseUrl);
  try {
    await waitFor(server, '/readyz');
    const token = ((await (await fetch(`${server.base}/api/v1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BENCH_ADMIN) })).json()) as { token: string }).token;
    const api: Api = (method, path, json) => deps.api(server.base, method, path, token, json);
    await api('POST', '/api/v1/orgs', { name: 'large' });
    await api('POST', '/api/v1/orgs/large/apis', { name: 'A' });
    const space = (await api('POST', '/api/v1/orgs/large/apis/A/versions', { name: '1' })).space_id as string;
    const imp = await during(server.base, token, () => deps.importFile(server.base, token, space, file));
    const peakRssMb = peakRss(server.child.pid!);
    const t = performance.now();
    const exp = await during(server.base, token, () => exportAndDownload(server, api, token, space, (id) => deps.waitJob(server.base, token, id)));
    const exportMs = performance.now() - t;
    const peakRssAfterExportMb = peakRss(server.child.pid!);
    await server.stop();
    return {
      importMs: imp.result,
      exportMs,
      packageMiB: statSync(file).size / 1024 / 1024,
      peakRssMb,
      peakRssAfterExportMb,
      copyFloorMs: await copyFloor(file, work, databaseUrl),
      healthzDuringImport: imp.healthz,
      bearerDuringImport: imp.bearer,
      healthzDuringExport: exp.healthz,
      bearerDuringExport: exp.bearer,
    };
  } finally {
    await server.stop();
  }
}
