/**
 * A verification thread (see verify-pool.ts): receives batches of stored entry data and
 * answers each entry's {@link checkJsonEntry} outcome, in order.
 */
import { parentPort } from 'node:worker_threads';
import { checkJsonEntry, type JsonEntryOutcome } from './entry-check.js';
import type { VerifyRequest, VerifyResponse } from './verify-pool.js';

if (!parentPort) throw new Error('verify-worker runs as a worker thread.');
const port = parentPort;

port.on('message', (req: VerifyRequest) => {
  try {
    const data = new Uint8Array(req.data);
    const outcomes = req.items.map((it) => checkJsonEntry(data.subarray(it.offset, it.offset + it.length), it.facts, it.sha256));
    // The documents go back in one transferred buffer; each outcome's bytes is a view into it.
    let total = 0;
    for (const o of outcomes) if (o.kind === 'ok') total += o.bytes.length;
    const back = new ArrayBuffer(total);
    let at = 0;
    const answer = outcomes.map((o): JsonEntryOutcome => {
      if (o.kind !== 'ok') return o;
      const view = new Uint8Array(back, at, o.bytes.length);
      view.set(o.bytes);
      at += o.bytes.length;
      return { kind: 'ok', bytes: view, exact: o.exact };
    });
    port.postMessage({ id: req.id, outcomes: answer } satisfies VerifyResponse, [back]);
  } catch (e) {
    port.postMessage({ id: req.id, failure: e instanceof Error ? e.message : String(e) } satisfies VerifyResponse);
  }
});
