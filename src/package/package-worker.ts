/** A package thread (see thread-pool.ts): does each request's batch and answers, in turn. */
import { parentPort } from 'node:worker_threads';
import { doThreadWork } from './package-work.js';
import type { ThreadRequest, ThreadResponse } from './thread-pool.js';

if (!parentPort) throw new Error('package-worker runs as a worker thread.');
const port = parentPort;

port.on('message', (req: ThreadRequest) => {
  try {
    const { result, transfer } = doThreadWork(req.op, req.payload);
    port.postMessage({ id: req.id, result } satisfies ThreadResponse, transfer);
  } catch (e) {
    port.postMessage({ id: req.id, failure: e instanceof Error ? e.message : String(e) } satisfies ThreadResponse);
  }
});
