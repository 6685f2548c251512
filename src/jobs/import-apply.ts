/**
 * The writes of a checked import, inside its transaction: new assets and updates in
 * batches (keeping previous revisions), files one at a time (so only one file's bytes are
 * in memory), then the target accounts that only an override changes.
 */
import type { Transaction } from 'kysely';
import { DomainError } from '../core/errors.js';
import { newAssetId } from '../core/ids.js';
import type { PlanItem } from '../core/plan.js';
import { insertAssets, updateAssets, type AssetWrite } from '../store/asset-batch.js';
import { BlobSink, deleteBlob } from '../store/blobs.js';
import type { DB } from '../store/schema.js';
import type { CheckedImport } from './import-check.js';
import type { ImportStep } from './job-deps.js';
import type { PreparedAsset, PreparedImport } from './import-prepare.js';

/**
 * Streams a large file's bytes (verified again while read) into a blob inside the import's
 * transaction, a chunk at a time; the database then assembles the asset from it.
 */
async function stageContent(trx: Transaction<DB>, a: PreparedAsset): Promise<string | undefined> {
  if (!a.open) return undefined;
  const sink = new BlobSink(trx);
  for await (const c of await a.open()) await sink.write(c as Buffer);
  const blob = await sink.finish();
  if (blob.size !== a.size || blob.sha256 !== a.sha256) throw new DomainError('invalid_package', `${a.type} '${a.name}' does not match its size or SHA-256 in the manifest.`);
  return blob.id;
}

type Write = AssetWrite & { revision: number };

export interface ApplyArgs {
  spaceId: string;
  checked: CheckedImport;
  prepared: PreparedImport;
  jobId: string;
  author: string;
  /** Progress of the writes, 0..1. */
  progress: (p: number) => void;
  fault?: (step: ImportStep) => void;
}

/** Writes the plan; returns the ids given to new assets, by package id. */
export async function applyPlan(trx: Transaction<DB>, args: ApplyArgs): Promise<Map<string, string>> {
  const { plan, overridden, accountWrites } = args.checked;
  const bySource = new Map(args.prepared.assets.map((a) => [a.sourceId, a]));
  const creates: Write[] = [];
  const updates: Write[] = [];
  const binary: Array<{ item: PlanItem; asset: PreparedAsset; write: Write }> = [];
  const newIds = new Map<string, string>();
  for (const item of plan.items) {
    if (item.action !== 'create' && item.action !== 'update') continue;
    const a = bySource.get(item.sourceId)!;
    const o = item.overrideFields?.length ? overridden.get(a.sourceId) : undefined;
    const { bodyText, sha256 } = o ?? { bodyText: a.bodyText, sha256: a.sha256 };
    const id = item.action === 'update' ? item.targetId! : newAssetId();
    if (item.action !== 'update') newIds.set(item.sourceId, id);
    const w: Write = { id, type: item.type, name: item.name, bodyText, content: null, refs: item.refs, sha256, status: item.status, revision: item.targetRevision ?? 0 };
    if (bodyText === null) binary.push({ item, asset: a, write: w });
    else if (item.action === 'update') updates.push(w);
    else creates.push(w);
  }
  // Each row is written twice (itself and its revision), in statements small enough that
  // the writes report at least 24 times (at most 500 rows a statement, at least 10).
  const rows = creates.length + updates.length + binary.length + accountWrites.length;
  const total = Math.max(1, 2 * rows);
  let done = 0;
  const advance = (n: number) => {
    done += n;
    args.progress(Math.min(1, done / total));
  };
  const batch = { rows: Math.max(10, Math.min(500, Math.ceil(rows / 24))), onBatch: advance };
  const writeFiles = async (action: 'insert' | 'update') => {
    for (const b of binary) {
      if ((b.item.action === 'update') !== (action === 'update')) continue;
      const staged = b.asset.content ? undefined : await stageContent(trx, b.asset);
      const w = { ...b.write, ...(staged ? { contentBlobId: staged } : { content: b.asset.content ?? Buffer.alloc(0) }) };
      if (action === 'update') await updateAssets(trx, [w], args.jobId, args.author, batch);
      else await insertAssets(trx, args.spaceId, [w], args.jobId, args.author, batch);
      if (staged) await deleteBlob(trx, staged);
    }
  };
  await insertAssets(trx, args.spaceId, creates, args.jobId, args.author, batch);
  await writeFiles('insert');
  args.fault?.('insert');
  await updateAssets(trx, updates, args.jobId, args.author, batch);
  await writeFiles('update');
  args.fault?.('update');
  await updateAssets(trx, accountWrites, args.jobId, args.author, batch);
  args.fault?.('accounts');
  return newIds;
}
