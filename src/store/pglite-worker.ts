/**
 * The embedded database's thread (see pglite-thread.ts): opens PGlite as asked, then runs
 * each query or script it is sent and answers with its result or its error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { PGliteRequest, PGliteResponse, PGliteThreadOptions } from './pglite-thread.js';

if (!parentPort) throw new Error('pglite-worker runs as a worker thread.');
const port = parentPort;
const opts = workerData as PGliteThreadOptions;

/** An error as plain data: its message and the fields PostgreSQL sets (code, constraint, detail…). */
function plain(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: String(e) };
  const out: Record<string, unknown> = { name: e.name, message: e.message };
  for (const [k, v] of Object.entries(e)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  return out;
}

const lite = new PGlite({
  ...(opts.dataDir ? { dataDir: opts.dataDir } : opts.loadDataDir ? { loadDataDir: new Blob([opts.loadDataDir]) } : {}),
  startParams: [...PGlite.defaultStartParams, ...opts.extraStartParams],
});

lite.waitReady.then(
  () => port.postMessage({ id: 0, result: 'ready' } satisfies PGliteResponse),
  (e: unknown) => port.postMessage({ id: 0, error: plain(e) } satisfies PGliteResponse),
);

port.on('message', (req: PGliteRequest) => {
  const run = async (): Promise<unknown> => {
    if (req.op === 'query') {
      const r = await lite.query(req.sql, req.params);
      return { rows: r.rows, affectedRows: r.affectedRows, command: (r as { command?: string }).command };
    }
    if (req.op === 'exec') {
      await lite.exec(req.sql);
      return null;
    }
    if (!lite.closed) await lite.close();
    return null;
  };
  run().then(
    (result) => port.postMessage({ id: req.id, result } satisfies PGliteResponse),
    (e: unknown) => port.postMessage({ id: req.id, error: plain(e) } satisfies PGliteResponse),
  );
});
