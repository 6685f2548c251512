/**
 * The embedded database's thread (see pglite-thread.ts): opens PGlite as asked, then runs
 * each query or script it is sent and answers with its result or its error.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import type { PGliteNotification, PGliteOpened, PGliteRequest, PGliteResponse, PGliteThreadOptions } from './pglite-thread.js';
import { seedFromTemplate } from './pglite-template.js';

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

/** V8's WebAssembly API (declared by the DOM's type library, which this project leaves out). */
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<object> };

/** PostgreSQL's WebAssembly, compiled by V8's own threads meanwhile (PGlite would compile it only once asked to open). */
const compiled = WebAssembly.compile(readFileSync(join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), 'pglite.wasm')));

/** Unpacks the template into a new data directory; a template that fails is reported, not fatal. */
function seed(): PGliteOpened {
  if (!opts.dataDir || !opts.template) return { seeded: false };
  try {
    return { seeded: seedFromTemplate(opts.dataDir, opts.template) };
  } catch (e) {
    return { seeded: false, templateProblem: e instanceof Error ? e.message : String(e) };
  }
}

async function open(): Promise<{ lite: PGlite; opened: PGliteOpened }> {
  const opened = seed();
  const lite = new PGlite({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : opts.loadDataDir ? { loadDataDir: new Blob([opts.loadDataDir]) } : {}),
    pgliteWasmModule: await compiled,
    startParams: [...PGlite.defaultStartParams, ...opts.extraStartParams],
  });
  await lite.waitReady;
  return { lite, opened };
}

const opening = open();
opening.then(
  ({ opened }) => port.postMessage({ id: 0, result: opened } satisfies PGliteResponse),
  (e: unknown) => port.postMessage({ id: 0, error: plain(e) } satisfies PGliteResponse),
);

port.on('message', (req: PGliteRequest) => {
  const run = async (): Promise<unknown> => {
    const { lite } = await opening;
    if (req.op === 'query') {
      const r = await lite.query(req.sql, req.params);
      return { rows: r.rows, affectedRows: r.affectedRows, command: (r as { command?: string }).command };
    }
    if (req.op === 'exec') {
      await lite.exec(req.sql);
      return null;
    }
    if (req.op === 'copyIn') {
      // PGlite only asks the value for its bytes: handing it the ones received avoids a Blob
      // copy whose memory the thread's garbage collector does not see.
      const d = req.data;
      const bytes = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? d.buffer : d.slice().buffer;
      await lite.query(req.sql, [], { blob: { arrayBuffer: () => Promise.resolve(bytes) } as unknown as Blob });
      return null;
    }
    if (req.op === 'copyOut') {
      const r = await lite.query(req.sql);
      return new Uint8Array(r.blob ? await r.blob.arrayBuffer() : new ArrayBuffer(0));
    }
    if (req.op === 'listen') {
      const channel = req.channel;
      await lite.listen(channel, (payload) => port.postMessage({ notify: channel, payload } satisfies PGliteNotification));
      return null;
    }
    if (!lite.closed) await lite.close();
    return null;
  };
  run().then(
    // COPY's output is handed over, not copied.
    (result) => port.postMessage({ id: req.id, result } satisfies PGliteResponse, result instanceof Uint8Array ? [result.buffer as ArrayBuffer] : []),
    (e: unknown) => port.postMessage({ id: req.id, error: plain(e) } satisfies PGliteResponse),
  );
});
