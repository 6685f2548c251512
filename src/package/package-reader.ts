/**
 * Reads a package (format v1, see docs/package-format.md) from a checked archive and
 * verifies it completely: manifest present, JSON, format and version, schema; every
 * listed entry present with the declared size and SHA-256; JSON assets parse; no
 * duplicate ids or (type, name); names follow their side's rules; nothing in the archive
 * that the manifest does not account for. Every problem is collected and thrown at once
 * as a PackageError; ArchiveErrors (hostile or broken ZIP structure) stop at the first.
 *
 * References that do not resolve inside the package are not errors: they come back as
 * `externalRefs` for the import engine to resolve against the target.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { type AssetType } from '../core/asset-types.js';
import { ASSET_TYPES, assetTypeInfo } from '../core/asset-types.js';
import { sha256Hex } from '../core/json-text.js';
import { displayName, isArchiveError, type ArchiveError } from './archive-errors.js';
import type { ArchiveEntry, ArchiveReader } from './archive-reader.js';
import { archiveErrorOf, checkJsonBytes, type JsonEntryOutcome } from './entry-check.js';
import { decodeCheckedText, isPlainObject, JsonProblem, parseJsonText, parsePackageJson } from './json.js';
import {
  ACCOUNTS_TEMPLATE_PATH,
  assetEntryPath,
  checkAssetPlacement,
  describeSchemaErrors,
  encryptedFields,
  expressionNameOf,
  isPackageKind,
  MANIFEST_PATH,
  PACKAGE_FORMAT,
  PACKAGE_FORMAT_VERSION,
  validateAccountsTemplate,
  validateManifestAsset,
  validateManifestHead,
  type AccountsTemplate,
  type AssetRef,
  type AssetStatus,
  type Manifest,
  type ManifestAsset,
} from './manifest.js';
import { JsonVerifier } from './package-work.js';
import { nextTurn } from './thread-pool.js';
import { PackageError, type PackageProblem, type PackageProblemCode } from './package-errors.js';

export interface PackageAssetBase {
  readonly id: string;
  readonly type: AssetType;
  readonly name: string;
  readonly status: AssetStatus;
  readonly refs: readonly AssetRef[];
  readonly sha256: string;
  readonly size: number;
  /** The archive entry holding the asset. */
  readonly path: string;
  /** False for `expressions/<name>.expr` files, which the manifest does not list (their id is derived from the name). */
  readonly listed: boolean;
}

export interface JsonPackageAsset extends PackageAssetBase {
  readonly kind: 'json';
  /** The document as text: the entry's bytes decoded (a leading byte order mark dropped), each time it is read. */
  readonly text: string;
  /** Whether `text` encodes to exactly the entry's bytes (no byte order mark was dropped), so the manifest's `sha256` is the text's. */
  readonly exact: boolean;
  /** The parsed document, parsed each time it is read. */
  readonly body: unknown;
  /** Whether the document may contain `word` (ASCII): it does, or it has a `\u` escape that could spell it. Reads no text. */
  mayContain(word: string): boolean;
}

export interface BinaryPackageAsset extends PackageAssetBase {
  readonly kind: 'binary';
  /** The bytes, when at most `inlineBinaryBytes`; otherwise undefined — use open(). */
  readonly content: Buffer | undefined;
  /** The bytes as a stream, verified again (size, CRC-32, SHA-256) while it is read. */
  open(): Promise<Readable>;
}

export type PackageAsset = JsonPackageAsset | BinaryPackageAsset;

export interface ExternalRef {
  readonly from: { readonly id: string; readonly type: AssetType; readonly name: string };
  readonly type: AssetType;
  readonly name: string;
}

/**
 * A JSON asset that keeps its verified bytes: `text` decodes them and `body` parses that
 * text, each time it is asked for (a dry run never needs either).
 */
class LazyJsonAsset implements JsonPackageAsset {
  readonly kind = 'json' as const;
  readonly id: string;
  readonly type: AssetType;
  readonly name: string;
  readonly status: AssetStatus;
  readonly refs: readonly AssetRef[];
  readonly sha256: string;
  readonly size: number;
  readonly path: string;
  readonly listed: boolean;
  readonly #bytes: Uint8Array;

  constructor(
    base: PackageAssetBase,
    bytes: Uint8Array,
    readonly exact: boolean,
  ) {
    this.id = base.id;
    this.type = base.type;
    this.name = base.name;
    this.status = base.status;
    this.refs = base.refs;
    this.sha256 = base.sha256;
    this.size = base.size;
    this.path = base.path;
    this.listed = base.listed;
    this.#bytes = bytes;
  }

  get text(): string {
    return decodeCheckedText(this.#bytes);
  }

  get body(): unknown {
    return parseJsonText(this.text);
  }

  mayContain(word: string): boolean {
    const b = Buffer.from(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.byteLength);
    return b.includes(word) || b.includes('\\u');
  }
}

export interface PackageIndex {
  readonly manifest: Manifest;
  readonly assets: readonly PackageAsset[];
  /** References to assets the package does not contain. */
  readonly externalRefs: readonly ExternalRef[];
  readonly accountsTemplate: AccountsTemplate | undefined;
  readonly keyIds: readonly string[];
}

export interface ReadPackageOptions {
  /** Binary assets up to this size are returned in memory (`content`); larger ones only through `open()`. Default 1 MiB. */
  inlineBinaryBytes?: number;
  /** Told how far the reading is (0..1) as the documents are read and their items checked. */
  onProgress?: (fraction: number) => void;
}

/** At most this many problems are listed (a manifest of 100,000 missing assets would otherwise flood the report); the rest are counted. */
export const MAX_PROBLEMS = 1000;

/** Where a JSON document can be in a package: assetEntryPath of a JSON type. */
const JSON_DOCUMENT_PATH = new RegExp(`^assets/(?:${ASSET_TYPES.filter((t) => assetTypeInfo(t).content === 'json').join('|')})/[0-9a-f]{24}\\.json$`);

const refKey = (type: string, name: string): string => `${type}\u0000${name.normalize('NFC')}`;

/** Id of an unlisted expression file: the first 24 hex digits of SHA-256("assetport expression\0" + name). */
export const expressionFileId = (name: string): string =>
  sha256Hex(`assetport expression\u0000${name.normalize('NFC')}`).slice(0, 24);

export async function readPackage(reader: ArchiveReader, opts: ReadPackageOptions = {}): Promise<PackageIndex> {
  const inline = opts.inlineBinaryBytes ?? 1024 * 1024;
  const problems: PackageProblem[] = [];
  let omitted = 0;
  const problem = (code: PackageProblemCode, message: string, entry?: string): void => {
    if (problems.length >= MAX_PROBLEMS) omitted++;
    else problems.push(entry === undefined ? { code, message } : { code, message, entry: displayName(entry) });
  };
  const fatal = (code: PackageProblemCode, message: string, entry?: string): never => {
    problem(code, message, entry);
    throw new PackageError(problems, omitted);
  };

  // 0. Every entry at a JSON document's path is verified from now on, on other threads
  // while this one reads the manifest and checks its items; each listed document's
  // outcome is compared with its manifest item below (unlisted ones are never looked at).
  const verifier = new JsonVerifier(reader.entries.length);
  const documents = new Map<ArchiveEntry, number | ArchiveError>();
  // Reading the documents is the first half of the work, checking the manifest's items the second.
  const progressEvery = Math.max(1, Math.floor(reader.entries.length / 50));
  let seen = 0;
  for (const e of reader.entries) {
    if (++seen % progressEvery === 0) opts.onProgress?.((0.5 * seen) / reader.entries.length);
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

  // 1. The manifest.
  const manifestEntry = reader.get(MANIFEST_PATH);
  if (!manifestEntry || manifestEntry.isDirectory) {
    const nested = reader.entries.find((e) => e.name.endsWith(`/${MANIFEST_PATH}`));
    fatal(
      'package.manifest_missing',
      nested
        ? `The package has no manifest.json at its root (one is at "${displayName(nested.name)}": zip the folder's contents, not the folder).`
        : 'The package has no manifest.json at its root.',
    );
  }
  const entry = manifestEntry as ArchiveEntry;
  let raw: unknown;
  try {
    raw = parsePackageJson(await reader.readBuffer(entry));
  } catch (e) {
    if (!(e instanceof JsonProblem)) throw e;
    fatal('package.manifest_invalid', `manifest.json cannot be read: ${e.message}.`, MANIFEST_PATH);
  }
  if (!isPlainObject(raw)) fatal('package.manifest_invalid', 'manifest.json must be a JSON object.', MANIFEST_PATH);
  const head = raw as Record<string, unknown>;
  if (head.format !== PACKAGE_FORMAT) {
    fatal('package.unknown_format', `manifest.json has format ${JSON.stringify(head.format) ?? 'missing'}; expected "${PACKAGE_FORMAT}".`, MANIFEST_PATH);
  }
  if (head.format_version !== PACKAGE_FORMAT_VERSION) {
    const v = head.format_version;
    fatal(
      'package.unsupported_version',
      typeof v === 'number' && Number.isInteger(v) && v > PACKAGE_FORMAT_VERSION
        ? `manifest.json has format_version ${v}, written by a newer assetport; this one reads version ${PACKAGE_FORMAT_VERSION}.`
        : `manifest.json has format_version ${JSON.stringify(v) ?? 'missing'}; this assetport reads version ${PACKAGE_FORMAT_VERSION}.`,
      MANIFEST_PATH,
    );
  }
  const headOk = validateManifestHead(head);
  if (!headOk) {
    for (const msg of describeSchemaErrors(validateManifestHead.errors)) problem('package.manifest_invalid', `manifest.json: ${msg}.`, MANIFEST_PATH);
    if (!Array.isArray(head.assets)) throw new PackageError(problems, omitted);
  }
  const manifest = head as Manifest;
  const keyIds = Array.isArray(head.key_ids) ? (head.key_ids as unknown[]).filter((k): k is string => typeof k === 'string') : [];
  const kind = isPackageKind(head.kind) ? head.kind : undefined;

  // 2. Each listed asset.
  const assets: PackageAsset[] = [];
  const consumed = new Set<string>([MANIFEST_PATH]);
  type Label = string | (() => string);
  const text = (l: Label): string => (typeof l === 'function' ? l() : l);
  const byId = new Map<string, Label>();
  const byTypeName = new Map<string, Label>();
  const label = (a: ManifestAsset): string => `${a.type} "${displayName(a.name)}" (${a.id})`;
  const checkDuplicates = (id: string, type: AssetType, name: string, what: Label, path: string, report = problem): boolean => {
    let ok = true;
    const prevId = byId.get(id);
    if (prevId !== undefined) {
      report('package.duplicate_asset', `${text(what)} has the same id as ${text(prevId)}.`, path);
      ok = false;
    } else byId.set(id, what);
    const key = refKey(type, name);
    const prevName = byTypeName.get(key);
    if (prevName !== undefined) {
      report('package.duplicate_asset', `${text(what)} has the same type and name as ${text(prevName)}.`, path);
      ok = false;
    } else byTypeName.set(key, what);
    return ok;
  };

  // Checked in two passes. The first checks each item while the threads verify the
  // documents; the second, in the manifest's order, reports each item's problems and its
  // document's outcome (so problems, and the first archive error, come in the order a
  // single pass would give) and reads binary entries.
  type Later = [code: PackageProblemCode, message: string, entry?: string];
  interface Item {
    problems: Later[];
    asset?: { base: PackageAssetBase; entry: ArchiveEntry; what: () => string; document: number | ArchiveError | JsonEntryOutcome | undefined };
  }
  const list = head.assets as unknown[];
  const items: Item[] = [];
  const itemsEvery = Math.max(1, Math.floor(list.length / 50));
  for (let i = 0; i < list.length; i++) {
    if (i % itemsEvery === itemsEvery - 1) opts.onProgress?.(0.5 + (0.5 * (i + 1)) / list.length);
    if (i % 200 === 199) await nextTurn(); // let the verifier's threads answer and take more
    const item = list[i];
    const it: Item = { problems: [] };
    items.push(it);
    const later = (code: PackageProblemCode, message: string, entry?: string): void => void it.problems.push([code, message, entry]);
    if (!validateManifestAsset(item)) {
      const id = isPlainObject(item) && typeof item.id === 'string' ? ` (asset id "${displayName(item.id)}")` : '';
      for (const msg of describeSchemaErrors(validateManifestAsset.errors, `assets[${i}]`)) {
        later('package.manifest_invalid', `manifest.json: ${msg}${id}.`, MANIFEST_PATH);
      }
      continue;
    }
    const a = item as ManifestAsset;
    // Built only when a problem is reported: this loop runs once per asset.
    const what = (): string => label(a);
    const expected = assetEntryPath(a.type, a.id);
    if (kind) {
      const placement = checkAssetPlacement(kind, a.type, a.name);
      if (placement.side) later('package.manifest_invalid', `manifest.json: ${what()}: ${placement.side}.`, MANIFEST_PATH);
      if (placement.name) later('package.invalid_name', `${what()}: ${placement.name}.`, a.path);
    }
    if (a.path !== expected) {
      later('package.manifest_invalid', `manifest.json: ${what()} must be at path "${expected}", not "${displayName(a.path)}".`, MANIFEST_PATH);
      continue;
    }
    checkDuplicates(a.id, a.type, a.name, what, a.path, later);
    const e = reader.get(a.path);
    if (!e || e.isDirectory) {
      later('package.entry_missing', `${what()} is listed at "${a.path}" but the archive has no such file.`, a.path);
      continue;
    }
    consumed.add(e.name);
    if (e.uncompressedSize !== a.size) {
      later('package.checksum_mismatch', `${what()}: "${a.path}" is ${e.uncompressedSize} bytes, the manifest says ${a.size}.`, a.path);
      continue;
    }
    const base: PackageAssetBase = {
      id: a.id, type: a.type, name: a.name, status: a.status ?? 'enabled', refs: Object.freeze([...(a.refs ?? [])]),
      sha256: a.sha256, size: a.size, path: a.path, listed: true,
    };
    let document: number | ArchiveError | JsonEntryOutcome | undefined;
    if (assetTypeInfo(a.type).content === 'json') {
      document = documents.get(e);
      if (document === undefined) {
        // A document large enough to be streamed is read here, whole.
        try {
          document = checkJsonBytes(await reader.readBuffer(e));
        } catch (err) {
          if (!isArchiveError(err)) throw err;
          document = err;
        }
      }
    }
    it.asset = { base, entry: e, what, document };
  }
  const outcomes = await verifier.finish();

  for (const it of items) {
    for (const [code, message, entry] of it.problems) problem(code, message, entry);
    if (!it.asset) continue;
    const { base, entry: e, what, document } = it.asset;
    if (document === undefined) {
      const bin = await readBinary(reader, e, inline);
      if (bin.sha256 !== base.sha256) {
        problem('package.checksum_mismatch', `${what()}: the SHA-256 of "${base.path}" does not match the manifest.`, base.path);
        continue;
      }
      assets.push(binaryAsset(reader, e, base, bin.content));
      continue;
    }
    if (isArchiveError(document)) throw document;
    // Parsed to check it; the value is not kept (a package of many assets would hold every
    // document twice): `body` parses the text again when asked for.
    const outcome = typeof document === 'number' ? (outcomes[document] as JsonEntryOutcome) : document;
    if (outcome.kind === 'archive') throw archiveErrorOf(outcome);
    if (outcome.sha256 !== base.sha256) {
      problem('package.checksum_mismatch', `${what()}: the SHA-256 of "${base.path}" does not match the manifest.`, base.path);
      continue;
    }
    if (outcome.kind === 'json') {
      problem('package.asset_invalid', `${what()}: "${base.path}" ${outcome.message}.`, base.path);
      continue;
    }
    reader.noteVerified(e);
    assets.push(new LazyJsonAsset(base, outcome.bytes, outcome.exact));
  }

  // 3. Expression files that the manifest does not list.
  for (const e of reader.entries) {
    if (e.isDirectory || consumed.has(e.name)) continue;
    const name = expressionNameOf(e.name);
    if (name === undefined) continue;
    consumed.add(e.name);
    const id = expressionFileId(name);
    const what = `Expression "${displayName(name)}" (from ${displayName(e.name)})`;
    if (kind === 'instance') {
      problem('package.manifest_invalid', `${what}: expression files do not belong in a package of kind instance.`, e.name);
      continue;
    }
    const placement = checkAssetPlacement('project', 'Expression', name);
    if (placement.name) {
      problem('package.invalid_name', `${what}: ${placement.name}.`, e.name);
      continue;
    }
    if (!checkDuplicates(id, 'Expression', name, what, e.name)) continue;
    const bin = await readBinary(reader, e, inline);
    const base = {
      id, type: 'Expression' as const, name, status: 'enabled' as const, refs: Object.freeze([]),
      sha256: bin.sha256, size: e.uncompressedSize, path: e.name, listed: false,
    };
    assets.push(binaryAsset(reader, e, base, bin.content));
  }

  // 4. The accounts template.
  let accountsTemplate: AccountsTemplate | undefined;
  const te = reader.get(ACCOUNTS_TEMPLATE_PATH);
  if (te && !te.isDirectory) {
    consumed.add(te.name);
    try {
      const t = parsePackageJson(await reader.readBuffer(te));
      if (!validateAccountsTemplate(t)) {
        for (const msg of describeSchemaErrors(validateAccountsTemplate.errors)) {
          problem('package.accounts_template_invalid', `accounts_template.json: ${msg}.`, ACCOUNTS_TEMPLATE_PATH);
        }
      } else {
        accountsTemplate = t as AccountsTemplate;
        const known = new Set(keyIds);
        accountsTemplate.accounts.forEach((acc, i) => {
          for (const { path, field } of encryptedFields(acc.property_map)) {
            const where = `accounts_template.json: accounts[${i}] ("${displayName(acc.name)}") ${path}`;
            if (typeof field.value !== 'string' || typeof field.key_id !== 'string') {
              problem('package.accounts_template_invalid', `${where} is encrypted but lacks a string "value" and "key_id".`, ACCOUNTS_TEMPLATE_PATH);
            } else if (!known.has(field.key_id)) {
              problem('package.accounts_template_invalid', `${where} is encrypted with key "${displayName(field.key_id)}", which is not in the manifest's key_ids.`, ACCOUNTS_TEMPLATE_PATH);
            }
          }
        });
      }
    } catch (err) {
      if (!(err instanceof JsonProblem)) throw err;
      problem('package.accounts_template_invalid', `accounts_template.json cannot be read: ${err.message}.`, ACCOUNTS_TEMPLATE_PATH);
    }
  }

  // 5. Anything else in the archive.
  for (const e of reader.entries) {
    if (e.isDirectory || consumed.has(e.name)) continue;
    problem('package.unlisted_entry', `"${displayName(e.name)}" is in the archive but not listed in the manifest.`, e.name);
  }

  if (problems.length > 0) throw new PackageError(problems, omitted);

  // 6. References: inside the package, or external.
  const present = new Set(assets.map((a) => refKey(a.type, a.name)));
  const externalRefs: ExternalRef[] = [];
  for (const a of assets) {
    for (const r of a.refs) {
      if (!present.has(refKey(r.type, r.name))) {
        externalRefs.push(Object.freeze({ from: Object.freeze({ id: a.id, type: a.type, name: a.name }), type: r.type, name: r.name }));
      }
    }
  }

  return Object.freeze({
    manifest,
    assets: Object.freeze(assets),
    externalRefs: Object.freeze(externalRefs),
    accountsTemplate,
    keyIds: Object.freeze(keyIds),
  });
}

/** Hashes a binary entry; keeps its bytes only when small. */
async function readBinary(reader: ArchiveReader, e: ArchiveEntry, inline: number): Promise<{ sha256: string; content: Buffer | undefined }> {
  if (e.uncompressedSize <= inline) {
    const content = await reader.readBuffer(e);
    return { sha256: sha256Hex(content), content };
  }
  const h = createHash('sha256');
  for await (const chunk of await reader.openStream(e)) h.update(chunk as Buffer);
  return { sha256: h.digest('hex'), content: undefined };
}

function binaryAsset(reader: ArchiveReader, e: ArchiveEntry, base: PackageAssetBase, content: Buffer | undefined): BinaryPackageAsset {
  return Object.freeze({
    ...base,
    kind: 'binary' as const,
    content,
    async open(): Promise<Readable> {
      if (content) return Readable.from([content], { objectMode: false });
      return (await reader.openStream(e)).pipe(new Sha256Check(base.sha256, e.name));
    },
  });
}

/** Passes bytes through and errors at the end if their SHA-256 is not the expected one. */
class Sha256Check extends Transform {
  private readonly h = createHash('sha256');
  constructor(
    private readonly expected: string,
    private readonly entry: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.h.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.h.digest('hex') === this.expected) cb();
    else cb(new PackageError([{ code: 'package.checksum_mismatch', message: `The SHA-256 of "${displayName(this.entry)}" changed while reading.`, entry: displayName(this.entry) }]));
  }
}
