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
 *
 * This module is the public entry: `readPackage()` in its steps, and the unlisted
 * expression files. The steps live in package-json-files (manifest.json,
 * accounts_template.json), package-listed-assets (the assets the manifest lists),
 * package-assets (the asset types returned) and package-read-state (problems, duplicates).
 */
import { sha256Hex } from '../core/json-text.js';
import { displayName } from './archive-errors.js';
import type { ArchiveReader } from './archive-reader.js';
import { checkAssetPlacement, expressionNameOf, MANIFEST_PATH, type AccountsTemplate, type Manifest, type PackageKind } from './manifest.js';
import { binaryAsset, readBinary, type ExternalRef, type PackageAsset } from './package-assets.js';
import { readAccountsTemplate, readManifest } from './package-json-files.js';
import { readListedAssets, startDocumentChecks } from './package-listed-assets.js';
import { DuplicateRegistry, ProblemList, refKey, type ReadState } from './package-read-state.js';

export type { BinaryPackageAsset, ExternalRef, JsonPackageAsset, PackageAsset, PackageAssetBase } from './package-assets.js';

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

/** Id of an unlisted expression file: the first 24 hex digits of SHA-256("assetport expression\0" + name). */
export const expressionFileId = (name: string): string =>
  sha256Hex(`assetport expression\u0000${name.normalize('NFC')}`).slice(0, 24);

export async function readPackage(reader: ArchiveReader, opts: ReadPackageOptions = {}): Promise<PackageIndex> {
  const inline = opts.inlineBinaryBytes ?? 1024 * 1024;
  const state: ReadState = { problems: new ProblemList(), duplicates: new DuplicateRegistry(), consumed: new Set<string>([MANIFEST_PATH]) };

  // Every entry at a JSON document's path is verified from now on, on other threads, while
  // this one reads the manifest and checks its items.
  const checks = await startDocumentChecks(reader, opts.onProgress);
  const { manifest, list, keyIds, kind } = await readManifest(reader, state.problems);
  const assets: PackageAsset[] = [];
  await readListedAssets(reader, list, kind, checks, inline, state, assets, opts.onProgress);
  await readExpressionFiles(reader, kind, inline, state, assets);
  const accountsTemplate = await readAccountsTemplate(reader, keyIds, state.consumed, state.problems);
  reportUnlistedEntries(reader, state);
  state.problems.throwIfAny();

  return Object.freeze({
    manifest,
    assets: Object.freeze(assets),
    externalRefs: Object.freeze(externalRefs(assets)),
    accountsTemplate,
    keyIds: Object.freeze(keyIds),
  });
}

/** Expression files (`expressions/<name>.expr`) that the manifest does not list: assets with a derived id. */
async function readExpressionFiles(reader: ArchiveReader, kind: PackageKind | undefined, inline: number, state: ReadState, assets: PackageAsset[]): Promise<void> {
  const { problems, consumed } = state;
  for (const e of reader.entries) {
    if (e.isDirectory || consumed.has(e.name)) continue;
    const name = expressionNameOf(e.name);
    if (name === undefined) continue;
    consumed.add(e.name);
    const id = expressionFileId(name);
    const what = `Expression "${displayName(name)}" (from ${displayName(e.name)})`;
    if (kind === 'instance') {
      problems.add('package.manifest_invalid', `${what}: expression files do not belong in a package of kind instance.`, e.name);
      continue;
    }
    const placement = checkAssetPlacement('project', 'Expression', name);
    if (placement.name) {
      problems.add('package.invalid_name', `${what}: ${placement.name}.`, e.name);
      continue;
    }
    if (!state.duplicates.check(id, 'Expression', name, what, e.name, problems.add)) continue;
    const bin = await readBinary(reader, e, inline);
    const base = {
      id, type: 'Expression' as const, name, status: 'enabled' as const, refs: Object.freeze([]),
      sha256: bin.sha256, size: e.uncompressedSize, path: e.name, listed: false,
    };
    assets.push(binaryAsset(reader, e, base, bin.content));
  }
}

/** Anything else in the archive is a problem. */
function reportUnlistedEntries(reader: ArchiveReader, state: ReadState): void {
  for (const e of reader.entries) {
    if (e.isDirectory || state.consumed.has(e.name)) continue;
    state.problems.add('package.unlisted_entry', `"${displayName(e.name)}" is in the archive but not listed in the manifest.`, e.name);
  }
}

/** References to assets the package does not contain. */
function externalRefs(assets: readonly PackageAsset[]): ExternalRef[] {
  const present = new Set(assets.map((a) => refKey(a.type, a.name)));
  const out: ExternalRef[] = [];
  for (const a of assets) {
    for (const r of a.refs) {
      if (!present.has(refKey(r.type, r.name))) {
        out.push(Object.freeze({ from: Object.freeze({ id: a.id, type: a.type, name: a.name }), type: r.type, name: r.name }));
      }
    }
  }
  return out;
}
