/**
 * Writes a package (format v1, see docs/package-format.md): each asset at its generated
 * path — JSON bodies as compact `JSON.stringify(body)` at `assets/<type>/<id>.json`,
 * binaries at `files/<id>` — with size and SHA-256 computed while writing, then
 * `accounts_template.json` (when given; it already holds ciphertext, nothing is
 * encrypted here), then `manifest.json` last.
 *
 * Assets may come from an async iterable (e.g. a database cursor), so an export never
 * holds all bodies at once. Inputs are checked as they come (ids, types, side, names,
 * duplicates); the first bad input throws a PackageError and the output is incomplete
 * and must be discarded.
 */
import { createHash } from 'node:crypto';
import { assetTypeInfo, isAssetType, type AssetType } from '../core/asset-types.js';
import { sha256Hex } from '../core/json-text.js';
import { isAssetId } from '../core/ids.js';
import { displayName } from './archive-errors.js';
import { ZipWriter, type ZipSink, type ZipWriterOptions } from './archive-writer.js';
import { EntryCompressor, type CompressedEntry } from './package-work.js';
import {
  ACCOUNTS_TEMPLATE_PATH,
  assetEntryPath,
  checkAssetPlacement,
  describeSchemaErrors,
  encryptedFields,
  MANIFEST_PATH,
  PACKAGE_FORMAT,
  PACKAGE_FORMAT_VERSION,
  validateAccountsTemplate,
  validateManifestHead,
  type AccountsTemplate,
  type AssetRef,
  type AssetStatus,
  type Manifest,
  type ManifestAsset,
  type PackageKind,
  type PackageSource,
} from './manifest.js';
import { PackageError, type PackageProblemCode } from './package-errors.js';
import { withArticle } from '../core/phrases.js';

interface AssetInputBase {
  id: string;
  type: AssetType;
  name: string;
  status?: AssetStatus;
  refs?: readonly AssetRef[];
}

/** One asset to write: a JSON `body`, or binary `content`, or a binary `stream` (for large files). */
export type PackageAssetInput =
  | (AssetInputBase & { body: unknown; content?: never; stream?: never; text?: never })
  /** A JSON asset given as its exact text (written byte for byte; it must be valid JSON). */
  | (AssetInputBase & { text: string; body?: never; content?: never; stream?: never })
  | (AssetInputBase & { content: Uint8Array; body?: never; stream?: never })
  | (AssetInputBase & { stream: AsyncIterable<Uint8Array>; body?: never; content?: never });

export interface WritePackageInput {
  kind: PackageKind;
  source: PackageSource;
  /** Ids of the keys the package's ciphertext is encrypted under. */
  keyIds?: readonly string[];
  /** Default: now. */
  exportedAt?: Date;
  assets: Iterable<PackageAssetInput> | AsyncIterable<PackageAssetInput>;
  accountsTemplate?: AccountsTemplate;
  /** ZIP writer options (deflate level, chunk size…). */
  zip?: ZipWriterOptions;
}

const fail = (code: PackageProblemCode, message: string, entry?: string): never => {
  throw new PackageError([entry === undefined ? { code, message } : { code, message, entry: displayName(entry) }]);
};

/** Writes the package to `out` and returns its manifest. */
export async function writePackage(out: ZipSink, input: WritePackageInput): Promise<Manifest> {
  const exportedAt = input.exportedAt ?? new Date();
  const keyIds = [...(input.keyIds ?? [])];
  const manifest = manifestHead(input, exportedAt, keyIds);
  if (input.accountsTemplate !== undefined) checkTemplate(input.accountsTemplate, keyIds);

  const zip = new ZipWriter(out, { date: exportedAt, ...input.zip });
  const seen = new SeenAssets();
  // JSON documents are compressed in batches (on threads, for many) while earlier ones are
  // written; binary assets are written in turn, after every document before them.
  const compressor = new EntryCompressor<ManifestAsset>(zip.level);
  const write = async (ready: Array<{ entry: CompressedEntry; tag: ManifestAsset }>): Promise<void> => {
    for (const { entry, tag } of ready) {
      tag.sha256 = entry.sha256;
      await zip.addPrepared(tag.path, entry);
    }
  };

  for await (const a of input.assets) {
    // Built only when a problem is reported: this loop runs once per asset.
    const what = (): string => `${String(a.type)} "${displayName(String(a.name))}" (${displayName(String(a.id))})`;
    checkAssetInput(a, input.kind, seen, what);
    const path = assetEntryPath(a.type, a.id);
    const entry: ManifestAsset = { id: a.id, type: a.type, name: a.name, path, size: 0, sha256: '', status: a.status ?? 'enabled', refs: (a.refs ?? []).map((r) => ({ type: r.type, name: r.name })) };
    if (assetTypeInfo(a.type).content === 'json') {
      const bytes = jsonBytes(a, what);
      entry.size = bytes.length;
      manifest.assets.push(entry);
      await write(await compressor.add(bytes, entry));
      continue;
    }
    await write(await compressor.flush());
    await writeBinary(zip, a, entry, what);
    manifest.assets.push(entry);
  }
  await write(await compressor.flush());

  if (input.accountsTemplate !== undefined) {
    await zip.addBuffer(ACCOUNTS_TEMPLATE_PATH, Buffer.from(JSON.stringify(input.accountsTemplate), 'utf8'));
  }
  await zip.addBuffer(MANIFEST_PATH, Buffer.from(JSON.stringify(manifest, null, 2), 'utf8'));
  await zip.finish();
  return manifest;
}

/** The manifest without assets, checked against its schema. */
function manifestHead(input: WritePackageInput, exportedAt: Date, keyIds: string[]): Manifest {
  const manifest: Manifest = {
    format: PACKAGE_FORMAT,
    format_version: PACKAGE_FORMAT_VERSION,
    kind: input.kind,
    source: { ...input.source },
    exported_at: exportedAt.toISOString(),
    key_ids: keyIds,
    assets: [],
  };
  if (!validateManifestHead(manifest)) {
    fail('package.manifest_invalid', `The package description is invalid: ${describeSchemaErrors(validateManifestHead.errors).join('; ')}.`);
  }
  return manifest;
}

/** The ids and (type, name)s written so far. */
class SeenAssets {
  readonly ids = new Set<string>();
  readonly typeNames = new Set<string>();
}

/** An asset's id, type, side, name, uniqueness and references; the first bad one throws. */
function checkAssetInput(a: PackageAssetInput, kind: PackageKind, seen: SeenAssets, what: () => string): void {
  if (!isAssetId(a.id)) fail('package.manifest_invalid', `${what()}: the id must be 24 lower-case hex digits.`);
  if (!isAssetType(a.type)) fail('package.manifest_invalid', `${what()}: unknown asset type.`);
  const placement = checkAssetPlacement(kind, a.type, a.name);
  if (placement.side) fail('package.manifest_invalid', `${what()}: ${placement.side}.`);
  if (placement.name) fail('package.invalid_name', `${what()}: ${placement.name}.`);
  if (seen.ids.has(a.id)) fail('package.duplicate_asset', `${what()}: another asset has the same id.`);
  const tn = `${a.type}\u0000${a.name.normalize('NFC')}`;
  if (seen.typeNames.has(tn)) fail('package.duplicate_asset', `${what()}: another asset has the same type and name.`);
  seen.ids.add(a.id);
  seen.typeNames.add(tn);
  for (const r of a.refs ?? []) {
    if (!isAssetType(r.type) || typeof r.name !== 'string' || r.name.length === 0) fail('package.manifest_invalid', `${what()}: a reference has an unknown type or no name.`);
  }
}

/** A JSON asset's bytes: its exact text, or its body as compact JSON. */
function jsonBytes(a: PackageAssetInput, what: () => string): Buffer {
  if ((!('body' in a) || a.body === undefined) && !('text' in a && typeof a.text === 'string')) fail('package.asset_invalid', `${what()}: ${withArticle(a.type)} asset needs a JSON body.`);
  const text = 'text' in a && typeof a.text === 'string' ? a.text : JSON.stringify(a.body);
  if (typeof text !== 'string') fail('package.asset_invalid', `${what()}: the body cannot be written as JSON.`);
  return Buffer.from(text, 'utf8');
}

/** Writes a binary asset from its content or its stream, setting the entry's size and SHA-256. */
async function writeBinary(zip: ZipWriter, a: PackageAssetInput, entry: ManifestAsset, what: () => string): Promise<void> {
  if ('content' in a && a.content !== undefined) {
    entry.size = a.content.length;
    entry.sha256 = sha256Hex(a.content);
    await zip.addBuffer(entry.path, a.content);
  } else if ('stream' in a && a.stream !== undefined) {
    const h = createHash('sha256');
    const source = a.stream;
    const written = await zip.addStream(entry.path, (async function* hashing(): AsyncGenerator<Uint8Array> {
      for await (const chunk of source) {
        h.update(chunk);
        yield chunk;
      }
    })());
    entry.size = written.uncompressedSize;
    entry.sha256 = h.digest('hex');
  } else {
    fail('package.asset_invalid', `${what()}: ${withArticle(a.type)} asset needs binary content or a stream.`);
  }
}

function checkTemplate(t: AccountsTemplate, keyIds: readonly string[]): void {
  if (!validateAccountsTemplate(t)) {
    fail('package.accounts_template_invalid', `The accounts template is invalid: ${describeSchemaErrors(validateAccountsTemplate.errors).join('; ')}.`);
  }
  const known = new Set(keyIds);
  for (const acc of t.accounts) {
    for (const { path, field } of encryptedFields(acc.property_map)) {
      if (typeof field.value !== 'string' || typeof field.key_id !== 'string' || !known.has(field.key_id)) {
        fail('package.accounts_template_invalid', `Account "${displayName(acc.name)}": ${path} is encrypted without a string value and a key_id listed in keyIds.`);
      }
    }
  }
}
