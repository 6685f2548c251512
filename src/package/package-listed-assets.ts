/**
 * The assets manifest.json lists, verified: each item's schema, placement (side and name
 * rules of the package's kind), path, duplicates, entry and size; each JSON document's
 * SHA-256, UTF-8 and JSON (verified on other threads, see package-work.ts), each binary
 * entry's SHA-256.
 *
 * Documents are handed to the threads first ({@link startDocumentChecks}), then the items
 * are checked in a first pass while the threads work; the second pass, in the manifest's
 * order, reports each item's problems and its document's outcome (so problems, and the
 * first archive error, come in the order a single pass would give) and reads binary entries.
 */
import { ASSET_TYPES, assetTypeInfo, type AssetType } from '../core/asset-types.js';
import { displayName, isArchiveError, type ArchiveError } from './archive-errors.js';
import type { ArchiveEntry, ArchiveReader } from './archive-reader.js';
import { archiveErrorOf, checkJsonBytes, type JsonEntryOutcome } from './entry-check.js';
import { isPlainObject } from './json.js';
import {
  assetEntryPath,
  checkAssetPlacement,
  describeSchemaErrors,
  MANIFEST_PATH,
  validateManifestAsset,
  type ManifestAsset,
  type PackageKind,
} from './manifest.js';
import { binaryAsset, LazyJsonAsset, readBinary, type PackageAsset, type PackageAssetBase } from './package-assets.js';
import type { PackageProblemCode } from './package-errors.js';
import type { ReadState } from './package-read-state.js';
import { JsonVerifier } from './package-work.js';
import { nextTurn } from './thread-pool.js';

/** Where a JSON document can be in a package: assetEntryPath of a JSON type. */
const JSON_DOCUMENT_PATH = new RegExp(`^assets/(?:${ASSET_TYPES.filter((t) => assetTypeInfo(t).content === 'json').join('|')})/[0-9a-f]{24}\\.json$`);

/** A document's verification: its index in the verifier's outcomes, or the archive error reading it. */
type DocumentCheck = number | ArchiveError;

export interface DocumentChecks {
  readonly verifier: JsonVerifier;
  /** Entries at a JSON document's path read so far (large ones are read whole later). */
  readonly documents: Map<ArchiveEntry, DocumentCheck>;
}

/**
 * Hands every entry at a JSON document's path to the verifier's threads; each listed
 * document's outcome is compared with its manifest item later (unlisted ones are never looked at).
 */
export async function startDocumentChecks(reader: ArchiveReader, onProgress?: (fraction: number) => void): Promise<DocumentChecks> {
  const verifier = new JsonVerifier(reader.entries.length);
  const documents = new Map<ArchiveEntry, DocumentCheck>();
  // Reading the documents is the first half of the work, checking the manifest's items the second.
  const progressEvery = Math.max(1, Math.floor(reader.entries.length / 50));
  let seen = 0;
  for (const e of reader.entries) {
    if (++seen % progressEvery === 0) onProgress?.((0.5 * seen) / reader.entries.length);
    if (e.isDirectory || !JSON_DOCUMENT_PATH.test(e.name)) continue;
    if (documents.size % 200 === 199) await nextTurn(); // let the threads answer and take more
    try {
      const raw = await reader.readStored(e);
      if (raw) documents.set(e, verifier.add({ raw, facts: e })); // large ones are read below
    } catch (err) {
      if (!isArchiveError(err)) throw err;
      documents.set(e, err);
    }
  }
  return { verifier, documents };
}

type Later = [code: PackageProblemCode, message: string, entry?: string];

/** A manifest item after the first pass: its problems (reported in the second) and, if it is sound so far, its asset. */
interface Item {
  problems: Later[];
  asset?: { base: PackageAssetBase; entry: ArchiveEntry; what: () => string; document: DocumentCheck | JsonEntryOutcome | undefined };
}

const label = (a: ManifestAsset): string => `${a.type} "${displayName(a.name)}" (${a.id})`;

const isJsonType = (type: AssetType): boolean => assetTypeInfo(type).content === 'json';

/** Both passes over the manifest's items; the assets are added to `assets` in manifest order. */
export async function readListedAssets(
  reader: ArchiveReader,
  list: readonly unknown[],
  kind: PackageKind | undefined,
  checks: DocumentChecks,
  inline: number,
  state: ReadState,
  assets: PackageAsset[],
  onProgress?: (fraction: number) => void,
): Promise<void> {
  const items: Item[] = [];
  const itemsEvery = Math.max(1, Math.floor(list.length / 50));
  for (let i = 0; i < list.length; i++) {
    if (i % itemsEvery === itemsEvery - 1) onProgress?.(0.5 + (0.5 * (i + 1)) / list.length);
    if (i % 200 === 199) await nextTurn(); // let the verifier's threads answer and take more
    const it = checkItem(reader, list[i], i, kind, checks.documents, state);
    items.push(it);
    const asset = it.asset;
    if (asset !== undefined && asset.document === undefined && isJsonType(asset.base.type)) {
      // A document large enough to be streamed is read here, whole.
      try {
        asset.document = checkJsonBytes(await reader.readBuffer(asset.entry));
      } catch (err) {
        if (!isArchiveError(err)) throw err;
        asset.document = err;
      }
    }
  }
  const outcomes = await checks.verifier.finish();

  for (const it of items) {
    for (const [code, message, entry] of it.problems) state.problems.add(code, message, entry);
    if (!it.asset) continue;
    const { base, entry: e, what, document } = it.asset;
    if (document === undefined) {
      const bin = await readBinary(reader, e, inline);
      if (bin.sha256 !== base.sha256) {
        state.problems.add('package.checksum_mismatch', `${what()}: the SHA-256 of "${base.path}" does not match the manifest.`, base.path);
        continue;
      }
      assets.push(binaryAsset(reader, e, base, bin.content));
      continue;
    }
    const json = verifiedJsonAsset(reader, it.asset, document, outcomes, state);
    if (json !== undefined) assets.push(json);
  }
}

/** The first pass over one manifest item (its JSON document, if small, is already with the threads). */
function checkItem(
  reader: ArchiveReader,
  item: unknown,
  i: number,
  kind: PackageKind | undefined,
  documents: ReadonlyMap<ArchiveEntry, DocumentCheck>,
  state: ReadState,
): Item {
  const it: Item = { problems: [] };
  const later = (code: PackageProblemCode, message: string, entry?: string): void => void it.problems.push([code, message, entry]);
  if (!validateManifestAsset(item)) {
    const id = isPlainObject(item) && typeof item.id === 'string' ? ` (asset id "${displayName(item.id)}")` : '';
    for (const msg of describeSchemaErrors(validateManifestAsset.errors, `assets[${i}]`)) {
      later('package.manifest_invalid', `manifest.json: ${msg}${id}.`, MANIFEST_PATH);
    }
    return it;
  }
  const a = item as ManifestAsset;
  // Built only when a problem is reported: this runs once per asset.
  const what = (): string => label(a);
  const expected = assetEntryPath(a.type, a.id);
  if (kind) {
    const placement = checkAssetPlacement(kind, a.type, a.name);
    if (placement.side) later('package.manifest_invalid', `manifest.json: ${what()}: ${placement.side}.`, MANIFEST_PATH);
    if (placement.name) later('package.invalid_name', `${what()}: ${placement.name}.`, a.path);
  }
  if (a.path !== expected) {
    later('package.manifest_invalid', `manifest.json: ${what()} must be at path "${expected}", not "${displayName(a.path)}".`, MANIFEST_PATH);
    return it;
  }
  state.duplicates.check(a.id, a.type, a.name, what, a.path, later);
  const e = reader.get(a.path);
  if (!e || e.isDirectory) {
    later('package.entry_missing', `${what()} is listed at "${a.path}" but the archive has no such file.`, a.path);
    return it;
  }
  state.consumed.add(e.name);
  if (e.uncompressedSize !== a.size) {
    later('package.checksum_mismatch', `${what()}: "${a.path}" is ${e.uncompressedSize} bytes, the manifest says ${a.size}.`, a.path);
    return it;
  }
  const base: PackageAssetBase = {
    id: a.id, type: a.type, name: a.name, status: a.status ?? 'enabled', refs: Object.freeze([...(a.refs ?? [])]),
    sha256: a.sha256, size: a.size, path: a.path, listed: true,
  };
  it.asset = { base, entry: e, what, document: isJsonType(a.type) ? documents.get(e) : undefined };
  return it;
}

/**
 * A listed JSON asset whose document the threads (or the first pass) verified; undefined,
 * with a problem, when its SHA-256 or its JSON is wrong. An archive error stops the reading.
 */
function verifiedJsonAsset(
  reader: ArchiveReader,
  asset: NonNullable<Item['asset']>,
  document: DocumentCheck | JsonEntryOutcome,
  outcomes: readonly JsonEntryOutcome[],
  state: ReadState,
): LazyJsonAsset | undefined {
  const { base, entry: e, what } = asset;
  if (isArchiveError(document)) throw document;
  // Parsed to check it; the value is not kept (a package of many assets would hold every
  // document twice): `body` parses the text again when asked for.
  const outcome = typeof document === 'number' ? (outcomes[document] as JsonEntryOutcome) : document;
  if (outcome.kind === 'archive') throw archiveErrorOf(outcome);
  if (outcome.sha256 !== base.sha256) {
    state.problems.add('package.checksum_mismatch', `${what()}: the SHA-256 of "${base.path}" does not match the manifest.`, base.path);
    return undefined;
  }
  if (outcome.kind === 'json') {
    state.problems.add('package.asset_invalid', `${what()}: "${base.path}" ${outcome.message}.`, base.path);
    return undefined;
  }
  reader.noteVerified(e);
  return new LazyJsonAsset(base, outcome.bytes, outcome.exact);
}
