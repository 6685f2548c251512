/**
 * The writes of a checked import, inside its transaction: new assets and updates in
 * batches (keeping previous revisions), files one at a time (small ones with their bytes,
 * large ones as references to the content staged before the transaction), then the target
 * accounts that only an override changes.
 */
import type { Transaction } from 'kysely';
import { lockStagedContents } from '../store/content-blobs.js';
import { newAssetId } from '../core/ids.js';
import type { PlanItem } from '../core/plan.js';
import { insertAssets, updateAssets, type AssetWrite } from '../store/asset-batch.js';
import type { DB } from '../store/schema.js';
import type { CheckedImport } from './import-check.js';
import type { ImportStep } from './job-deps.js';
import type { PreparedAsset, PreparedImport } from './import-prepare.js';
import { isStaged } from './import-stage.js';

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
  // Large files were staged before the transaction; it refers to them, locked against clean-up.
  const refs = binary.filter((b) => isStaged(b.asset)).map((b) => b.asset.sha256);
  const missing = await lockStagedContents(trx, [...new Set(refs)]);
  if (missing.length) throw new Error(`staged file content is missing: ${missing.join(', ')}`);
  const writeFiles = async (action: 'insert' | 'update') => {
    for (const b of binary) {
      if ((b.item.action === 'update') !== (action === 'update')) continue;
      const w = { ...b.write, ...(isStaged(b.asset) ? { contentBlob: b.asset.sha256 } : { content: b.asset.content ?? Buffer.alloc(0) }) };
      if (action === 'update') await updateAssets(trx, [w], args.jobId, args.author, batch);
      else await insertAssets(trx, args.spaceId, [w], args.jobId, args.author, batch);
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
