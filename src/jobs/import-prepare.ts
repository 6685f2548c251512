/**
 * Turns an uploaded package (plus the optional expressions ZIP and account overrides)
 * into the plan's source assets, with bodies as they will be stored: secrets this
 * deployment can read are kept sealed, plain ones are sealed, unreadable ones dropped.
 */
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import type { Readable } from 'node:stream';
import { assetTypeInfo, type AssetType, type ConflictPolicy } from '../core/asset-types.js';
import { sha256Hex } from '../core/json-text.js';
import { DomainError } from '../core/errors.js';
import type { AccountOverride, AssetRef, PlanSourceAsset } from '../core/plan.js';
import type { ImportWarning } from '../core/import-warnings.js';
import type { AccountOverrideInput, PackageSource } from '../core/transfer-requests.js';
import { findSecretFields, sealSecrets, undecryptableSecretFields } from '../core/secret-fields.js';
import type { Limits } from '../config/config.js';
import type { KeyRing } from '../secrets/key-ring.js';
import type { DB } from '../store/schema.js';
import { expressionFileId, type JsonPackageAsset, type PackageIndex } from '../package/package-reader.js';
import { parseJsonText } from '../package/json.js';
import { kindPhrase, sideOfKind, type PackageKind } from '../package/manifest.js';
import { openZip, packageFailure, readZipPackage } from './package-source.js';

export interface PreparedAsset {
  sourceId: string;
  type: AssetType;
  name: string;
  status: 'enabled' | 'disabled';
  refs: AssetRef[];
  /** The body as it will be stored (sealed), or null for binary assets. */
  body: unknown;
  /** That body as the exact text to store (its SHA-256 is `sha256`). */
  bodyText: string | null;
  /** Binary content in memory, or undefined when it must be read with open(). */
  content: Buffer | null | undefined;
  /** Size in bytes of the content (binary assets). */
  size: number;
  open?: () => Promise<Readable>;
  sha256: string;
  undecryptable: string[];
  /** Its own conflict policy, over its type's: an expressions-ZIP file under `expressionsOverwrite`. */
  policy?: ConflictPolicy;
}

export type OverrideEntry = AccountOverrideInput;

export interface PreparedImport {
  kind: PackageKind;
  side: 'roma' | 'snaplogic';
  assets: PreparedAsset[];
  overrides: OverrideEntry[];
  /** Warnings from reading the inputs (e.g. a dropped duplicate expression file). */
  notices: ImportWarning[];
  keyIds: readonly string[];
  close(): Promise<void>;
}

/** Drops secret values this deployment can't decrypt, so the account comes in without them. */
function dropUnreadable(body: unknown, fields: readonly string[]): unknown {
  if (fields.length === 0) return body;
  const copy = JSON.parse(JSON.stringify(body)) as { property_map?: { settings?: Record<string, unknown> } };
  const settings = copy.property_map?.settings;
  if (settings) {
    for (const [k, v] of Object.entries(settings)) {
      if (!fields.includes(k)) continue;
      settings[k] = typeof v === 'object' && v !== null ? { ...(v as Record<string, unknown>), value: null, encrypted: true, key_id: undefined } : { value: null, encrypted: true };
      delete (settings[k] as Record<string, unknown>).key_id;
    }
  }
  return copy;
}

/**
 * The body to store for a JSON asset and its exact text. A body without secrets (fields
 * the type names as secret, or any field marked `encrypted`) keeps the package's text byte
 * for byte; otherwise plain secrets are sealed and unreadable ones dropped (the text is
 * kept when that changes nothing).
 */
function prepareBody(type: AssetType, body: unknown, text: string, keyring: KeyRing): { body: unknown; text: string; undecryptable: string[] } {
  if (findSecretFields(type, body).length === 0) return { body, text, undecryptable: [] };
  const undecryptable = undecryptableSecretFields(type, body, keyring);
  const sealed = sealSecrets(type, dropUnreadable(body, undecryptable), keyring);
  const sealedText = JSON.stringify(sealed);
  return { body: sealed, text: sealedText === JSON.stringify(body) ? text : sealedText, undecryptable };
}

/**
 * Parses account overrides (native `accounts`, SnapLogic `file_account`): our accounts
 * template `{accounts: [...]}` or a bare list. `field` names the part in messages.
 */
export function parseAccountOverrides(raw: unknown, field = 'accounts'): OverrideEntry[] {
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' && raw !== null && Array.isArray((raw as { accounts?: unknown }).accounts) ? (raw as { accounts: unknown[] }).accounts : null;
  if (!list) throw new DomainError('invalid_request', `${field}: the account overrides must be {"accounts": [...]} (the shape of accounts_template.json) or a list of accounts.`, { field });
  return list.map((a, i) => {
    const acc = a as { snode_id?: unknown; id?: unknown; name?: unknown; property_map?: { settings?: unknown } };
    const id = typeof acc?.snode_id === 'string' ? acc.snode_id : typeof acc?.id === 'string' ? acc.id : undefined;
    if (!id) throw new DomainError('invalid_request', `${field}[${i}]: every account needs its snode_id (keep it as exported).`, { field });
    const settings = acc.property_map?.settings;
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
      throw new DomainError('invalid_request', `${field}[${i}] (${id}): needs property_map.settings, shaped as exported.`, { field });
    }
    return { id, ...(typeof acc.name === 'string' ? { name: acc.name } : {}), body: a as Record<string, unknown>, fields: Object.keys(settings).sort() };
  });
}

export const overridesForPlan = (o: readonly OverrideEntry[]): AccountOverride[] => o.map((x) => ({ id: x.id, ...(x.name ? { name: x.name } : {}), fields: x.fields }));

/** Reads a `file_expr` ZIP: `.expr` files, folders flattened, the first of a name wins. */
async function readExpressions(db: Kysely<DB>, source: PackageSource, limits: Limits): Promise<{ assets: PreparedAsset[]; notices: PreparedImport['notices'] }> {
  const opened = await openZip(db, source, limits).catch((e: unknown) => {
    throw packageFailure(e, 'The expressions ZIP') ?? e;
  });
  try {
    const assets: PreparedAsset[] = [];
    const notices: PreparedImport['notices'] = [];
    const taken = new Map<string, string>();
    for (const entry of opened.reader.entries) {
      if (entry.isDirectory) continue;
      const name = basename(entry.name);
      if (!name.endsWith('.expr')) {
        notices.push({ code: 'expression_ignored', subject: { file: entry.name }, details: {} });
        continue;
      }
      const first = taken.get(name);
      if (first) {
        notices.push({ code: 'expression_duplicate', subject: { file: entry.name }, details: { first } });
        continue;
      }
      taken.set(name, entry.name);
      const content = await opened.reader.readBuffer(entry).catch((e: unknown) => {
        throw packageFailure(e, 'The expressions ZIP') ?? e;
      });
      assets.push({ sourceId: expressionFileId(name), type: 'Expression', name, status: 'enabled', refs: [], body: null, bodyText: null, content, size: content.length, sha256: sha256Hex(content), undecryptable: [] });
    }
    return { assets, notices };
  } finally {
    await opened.close();
  }
}

export async function prepareImport(
  db: Kysely<DB>,
  keyring: KeyRing,
  limits: Limits,
  input: { package: PackageSource; expressions?: PackageSource; expressionsOverwrite?: boolean; overrides?: OverrideEntry[] },
  onProgress?: (fraction: number) => void,
): Promise<PreparedImport> {
  const { index, close } = await readZipPackage(db, input.package, limits, onProgress);
  try {
    const assets = fromIndex(index, keyring);
    const notices: PreparedImport['notices'] = [];
    if (input.expressions) {
      const ex = await readExpressions(db, input.expressions, limits);
      notices.push(...ex.notices);
      const names = new Set(ex.assets.map((a) => a.name));
      // The expressions ZIP overwrites same-named expression files of the package.
      const kept = assets.filter((a) => !(a.type === 'Expression' && names.has(a.name)));
      assets.length = 0;
      // SnapLogic's file_expr overwrites its namesakes in the target whatever the policy.
      assets.push(...kept, ...(input.expressionsOverwrite ? ex.assets.map((a) => ({ ...a, policy: 'overwrite' as const })) : ex.assets));
    }
    return { kind: index.manifest.kind, side: sideOfKind(index.manifest.kind), assets, overrides: input.overrides ?? [], notices, keyIds: index.keyIds, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** A JSON asset stored as the package has it: its text is decoded when the import writes it (a dry run never does). */
class KeptText implements PreparedAsset {
  readonly sourceId: string;
  readonly type: AssetType;
  readonly name: string;
  readonly status: 'enabled' | 'disabled';
  readonly refs: AssetRef[];
  readonly body = null;
  readonly content = null;
  readonly size = 0;
  readonly undecryptable: string[] = [];

  constructor(
    base: Pick<PreparedAsset, 'sourceId' | 'type' | 'name' | 'status' | 'refs'>,
    private readonly source: JsonPackageAsset,
    readonly sha256: string,
  ) {
    this.sourceId = base.sourceId;
    this.type = base.type;
    this.name = base.name;
    this.status = base.status;
    this.refs = base.refs;
  }

  get bodyText(): string {
    return this.source.text;
  }
}

function fromIndex(index: PackageIndex, keyring: KeyRing): PreparedAsset[] {
  return index.assets.map((a) => {
    const base = { sourceId: a.id, type: a.type, name: a.name, status: a.status, refs: a.refs.map((r) => ({ type: r.type, name: r.name })) };
    if (a.kind === 'json') {
      // Only documents that may carry secrets need parsing: those of types with secret
      // fields, and any with a field marked `encrypted` (a secret whatever the type).
      if (assetTypeInfo(a.type).secretFields.length === 0 && !a.mayContain('encrypted')) return new KeptText(base, a, a.exact ? a.sha256 : sha256Hex(a.text));
      const original = a.text; // decoded once here: `text` and `body` decode each time they are read
      const { body, text, undecryptable } = prepareBody(a.type, parseJsonText(original), original, keyring);
      return { ...base, body, bodyText: text, content: null, size: 0, sha256: text === original && a.exact ? a.sha256 : sha256Hex(text), undecryptable };
    }
    return { ...base, body: null, bodyText: null, content: a.content, size: a.size, open: () => a.open(), sha256: a.sha256, undecryptable: [] };
  });
}

/** Refuses a package whose side is not the space's (a project package into an instance, say). */
export function checkPackageFits(p: PreparedImport, spaceKind: PackageKind): void {
  if (p.side !== sideOfKind(spaceKind)) throw new DomainError('invalid_package', `A package of kind '${p.kind}' can't be imported into ${kindPhrase(spaceKind)}.`);
}

export const toPlanSources = (p: PreparedImport): PlanSourceAsset[] =>
  p.assets.map((a) => ({
    id: a.sourceId,
    type: a.type,
    name: a.name,
    sha256: a.sha256,
    status: a.status,
    refs: a.refs,
    ...(a.undecryptable.length ? { undecryptableSecretFields: a.undecryptable } : {}),
    ...(a.policy ? { policy: a.policy } : {}),
  }));
