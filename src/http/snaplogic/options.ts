/**
 * SnapLogic query options and the migrate body, parsed into the engine's terms:
 * `duplicate_check` and `overwrite_types` (imports), `asset_types` and `force` (exports),
 * `{dest_path, asset_types, duplicate_check, async}` (migrate). Lists come comma-separated
 * or as repeated parameters; names and booleans are matched case-insensitively
 * (reference/snaplogic-apim-import.md, its decision lines). Pure, no I/O.
 */
import { typeFromOverwriteName, type AssetType } from '../../core/asset-types.js';
import { snapLogicPolicy, type DuplicateCheck, type PolicyMap } from '../../core/policy.js';
import { SnapLogicError } from './errors.js';

type Query = Record<string, unknown>;

const bad = (message: string) => new SnapLogicError('invalid_parameter', message);

/** Refuses parameters the call does not take (a misspelt option is never silently ignored). */
export function onlyParams(query: Query, known: readonly string[]): void {
  for (const k of Object.keys(query)) if (!known.includes(k)) throw bad(`Unknown parameter '${k}'; this call takes ${known.join(', ')}.`);
}

/** A parameter given once (or not at all). */
function single(query: Query, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`${name}: give it once.`);
  return v;
}

/** A list parameter: comma-separated, repeated, or both. */
function list(query: Query, name: string): string[] | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  const parts = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(','));
  return parts.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** `true`/`false`, `1`/`0`, `yes`/`no`, any case. */
export function parseBoolean(value: unknown, name: string, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value === 'boolean') return value;
  const v = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw bad(`${name}: '${String(value).slice(0, 64)}' is not a boolean; use true or false.`);
}

const DUPLICATE_CHECKS: readonly DuplicateCheck[] = ['skip', 'true', 'create_new', 'false', 'overwrite'];

function parseDuplicateCheck(value: unknown): DuplicateCheck {
  if (value === undefined) return 'absent';
  const v = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!(DUPLICATE_CHECKS as readonly string[]).includes(v)) throw bad(`duplicate_check: '${String(value).slice(0, 64)}' is not one of skip, true, create_new, false, overwrite.`);
  return v as DuplicateCheck;
}

function typeNames(names: readonly string[], param: string, allowed: string): AssetType[] {
  const out = new Set<AssetType>();
  for (const n of names) {
    const t = typeFromOverwriteName(n);
    if (!t) throw bad(`${param}: '${n.slice(0, 64)}' is not an asset type; use ${allowed}.`);
    out.add(t);
    // Expression libraries are files in SnapLogic: File names both.
    if (t === 'File') out.add('Expression');
  }
  return [...out];
}

export interface ImportOptions {
  duplicateCheck: DuplicateCheck;
  policy: PolicyMap;
  /** `create_new` / `false`: a numbered copy when the target exists. */
  createNew: boolean;
  /** No `duplicate_check`: an existing target refuses the whole request. */
  refuseExisting: boolean;
}

const IMPORT_PARAMS = ['duplicate_check', 'overwrite_types'] as const;

export function parseImportOptions(query: Query): ImportOptions {
  onlyParams(query, IMPORT_PARAMS);
  const duplicateCheck = parseDuplicateCheck(single(query, 'duplicate_check'));
  const overwriteTypes = typeNames(list(query, 'overwrite_types') ?? [], 'overwrite_types', 'Account, File, Flows, Job, Pipeline, Policy');
  return {
    duplicateCheck,
    policy: snapLogicPolicy({ duplicateCheck, overwriteTypes }),
    createNew: duplicateCheck === 'create_new' || duplicateCheck === 'false',
    refuseExisting: duplicateCheck === 'absent',
  };
}

export interface ExportOptions {
  /** Only these types; all when absent (`asset_types` absent or `All`). */
  types?: AssetType[];
  force: boolean;
}

const EXPORT_PARAMS = ['asset_types', 'force'] as const;

/** `asset_types` (`All`, or a list) as registry types; undefined for all. */
function parseAssetTypes(names: readonly string[] | undefined): AssetType[] | undefined {
  if (names === undefined || names.some((n) => n.toLowerCase() === 'all')) return undefined;
  if (names.length === 0) throw bad('asset_types: name at least one type, or All.');
  return typeNames(names, 'asset_types', 'All, Account, File, Job, Pipeline, Policy');
}

export function parseExportOptions(query: Query): ExportOptions {
  onlyParams(query, EXPORT_PARAMS);
  const types = parseAssetTypes(list(query, 'asset_types'));
  return { ...(types ? { types } : {}), force: parseBoolean(single(query, 'force'), 'force', false) };
}

export interface MigrateOptions extends ImportOptions {
  dest: { org: string; projectSpace: string; project: string };
  types?: AssetType[];
  async: boolean;
}

/** `dest_path`: `/org/space/project` (the leading slash optional). */
function parseDestPath(v: unknown): MigrateOptions['dest'] {
  const parts = typeof v === 'string' ? v.replace(/^\/+/, '').replace(/\/+$/, '').split('/') : [];
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) throw bad("dest_path: give the destination project as '/<org>/<project space>/<project>'.");
  return { org: parts[0]!, projectSpace: parts[1]!, project: parts[2]! };
}

export function parseMigrateBody(body: unknown): MigrateOptions {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('The body must be a JSON object {"dest_path", "asset_types", "duplicate_check", "async"}.');
  const b = body as Record<string, unknown>;
  onlyParams(b, ['dest_path', 'asset_types', 'duplicate_check', 'async']);
  const at = b.asset_types;
  if (at !== undefined && typeof at !== 'string' && !(Array.isArray(at) && at.every((x) => typeof x === 'string'))) throw bad('asset_types: a list of types, or All.');
  const types = parseAssetTypes(at === undefined ? undefined : (Array.isArray(at) ? at : [at]).flatMap((x: string) => x.split(',')).map((s) => s.trim()).filter(Boolean));
  const dc = b.duplicate_check;
  const duplicateCheck = typeof dc === 'boolean' ? (dc ? 'true' : 'false') : parseDuplicateCheck(dc);
  return {
    dest: parseDestPath(b.dest_path),
    ...(types ? { types } : {}),
    duplicateCheck,
    policy: snapLogicPolicy({ duplicateCheck }),
    createNew: duplicateCheck === 'create_new' || duplicateCheck === 'false',
    refuseExisting: duplicateCheck === 'absent',
    async: parseBoolean(b.async, 'async', false),
  };
}
