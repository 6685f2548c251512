/**
 * Package format v1: the manifest (`manifest.json`) and the accounts template
 * (`accounts_template.json`), their schemas and the rules both the package reader and
 * writer apply. docs/package-format.md is the user-facing description.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ASSET_TYPES, assetTypeInfo, type AssetType } from '../core/asset-types.js';
import { checkAssetName } from '../core/names.js';

export const PACKAGE_FORMAT = 'assetport-package';
export const PACKAGE_FORMAT_VERSION = 1;

export const MANIFEST_PATH = 'manifest.json';
export const ACCOUNTS_TEMPLATE_PATH = 'accounts_template.json';
const EXPRESSIONS_DIR = 'expressions/';

export const PACKAGE_KINDS = ['instance', 'api_version', 'project'] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];

export const isPackageKind = (v: unknown): v is PackageKind => typeof v === 'string' && (PACKAGE_KINDS as readonly string[]).includes(v);

/** Which side of the registry each package kind holds. */
export const sideOfKind = (kind: PackageKind): 'roma' | 'snaplogic' => (kind === 'instance' ? 'roma' : 'snaplogic');

/** "an instance", "an API version" or "a project": a space (or package) of this kind, in a sentence. */
export const kindPhrase = (kind: PackageKind): string => (kind === 'instance' ? 'an instance' : kind === 'api_version' ? 'an API version' : 'a project');

const Str = (max = 256): TSchema => Type.String({ minLength: 1, maxLength: max });
const AssetTypeSchema = Type.Union(ASSET_TYPES.map((t) => Type.Literal(t)));
const KindSchema = Type.Union(PACKAGE_KINDS.map((k) => Type.Literal(k)));

const AssetRefSchema = Type.Object({ type: AssetTypeSchema, name: Str(1024) });

const ManifestAssetSchema = Type.Object({
  id: Type.String({ pattern: '^[0-9a-f]{24}$' }),
  type: AssetTypeSchema,
  name: Str(1024),
  path: Str(1024),
  size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
  refs: Type.Optional(Type.Array(AssetRefSchema, { maxItems: 10_000 })),
});

const SourceSchema = Type.Object({
  org_id: Str(),
  org_name: Str(),
  space_id: Str(),
  space_name: Str(1024),
  kind: KindSchema,
});

/** The manifest without its assets (each asset is validated on its own, so one bad asset does not hide the others' problems). */
const ManifestHeadSchema = Type.Object({
  format: Type.Literal(PACKAGE_FORMAT),
  format_version: Type.Literal(PACKAGE_FORMAT_VERSION),
  kind: KindSchema,
  source: SourceSchema,
  exported_at: Type.String({ format: 'date-time' }),
  key_ids: Type.Optional(Type.Array(Str(), { maxItems: 1000 })),
  assets: Type.Array(Type.Unknown()),
});

export interface AssetRef {
  type: AssetType;
  name: string;
}
export type AssetStatus = 'enabled' | 'disabled';
export type PackageSource = { org_id: string; org_name: string; space_id: string; space_name: string; kind: PackageKind };

export interface ManifestAsset {
  id: string;
  type: AssetType;
  name: string;
  path: string;
  size: number;
  sha256: string;
  status?: AssetStatus;
  refs?: AssetRef[];
}

export interface Manifest {
  format: typeof PACKAGE_FORMAT;
  format_version: typeof PACKAGE_FORMAT_VERSION;
  kind: PackageKind;
  source: PackageSource;
  exported_at: string;
  key_ids?: string[];
  assets: ManifestAsset[];
  /** Unknown top-level fields are tolerated (and kept). */
  [extra: string]: unknown;
}

const AccountsTemplateSchema = Type.Object({
  accounts: Type.Array(
    Type.Object({
      snode_id: Type.String({ pattern: '^[0-9a-f]{24}$' }),
      name: Str(1024),
      path: Str(4096),
      class_id: Str(1024),
      property_map: Type.Record(Type.String(), Type.Unknown()),
    }),
    { maxItems: 10_000 },
  ),
});

export interface AccountsTemplate {
  accounts: {
    snode_id: string;
    name: string;
    path: string;
    class_id: string;
    property_map: Record<string, unknown>;
    [extra: string]: unknown;
  }[];
  [extra: string]: unknown;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
const addFormats = addFormatsModule as unknown as (a: Ajv, formats: string[]) => Ajv;
addFormats(ajv, ['date-time']);

/** A compiled schema: true when valid; `errors` describes the last failure. */
export interface Validator {
  (data: unknown): boolean;
  readonly errors?: ErrorObject[] | null;
}
/** Compiled at its first use: a process that never reads a package (a start, the CLI's help) does not pay for it. */
const compile = (schema: TSchema): Validator => {
  let compiled: Validator | undefined;
  const validate = (data: unknown): boolean => (compiled ??= ajv.compile(schema) as ValidateFunction as Validator)(data);
  return Object.defineProperty(validate, 'errors', { get: () => compiled?.errors }) as Validator;
};

export const validateManifestHead: Validator = compile(ManifestHeadSchema);
export const validateManifestAsset: Validator = compile(ManifestAssetSchema);
export const validateAccountsTemplate: Validator = compile(AccountsTemplateSchema);

/** ajv errors as short phrases: `source.org_id must be string`. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of errors ?? []) {
    const path = e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`)).join('');
    const where = `${prefix}${path}`.replace(/^\./, '') || prefix || 'the document';
    let msg = e.message ?? 'is invalid';
    if (e.keyword === 'required') msg = `is missing "${String((e.params as { missingProperty?: unknown }).missingProperty)}"`;
    else if (e.keyword === 'const') msg = `must be ${JSON.stringify((e.params as { allowedValue?: unknown }).allowedValue)}`;
    else if (e.keyword === 'anyOf') {
      const consts = Array.isArray(e.schema) ? (e.schema as { const?: unknown }[]).map((m) => m.const) : [];
      msg = consts.length > 0 && consts.every((c) => typeof c === 'string')
        ? `must be one of ${consts.join(', ')}`
        : 'has a value that is not allowed';
    }
    // Union members report one error each; the anyOf summary above says it once.
    if (e.schemaPath.includes('/anyOf/')) continue;
    out.push(`${where} ${msg}`);
  }
  return [...new Set(out)];
}

/** The entry path an asset must have: generated from its id, never from its name. */
export const assetEntryPath = (type: AssetType, id: string): string =>
  assetTypeInfo(type).content === 'json' ? `assets/${type}/${id}.json` : `files/${id}`;

/** The name an `expressions/<name>.expr` entry gives its expression, or undefined if the path is not one. */
export function expressionNameOf(path: string): string | undefined {
  if (!path.startsWith(EXPRESSIONS_DIR)) return undefined;
  const rest = path.slice(EXPRESSIONS_DIR.length);
  return rest.length > 5 && !rest.includes('/') && rest.endsWith('.expr') ? rest : undefined;
}

/** Checks a type against the package kind's side and the name against that side's rules; returns problems as sentences. */
export function checkAssetPlacement(kind: PackageKind, type: AssetType, name: string): { side?: string; name?: string } {
  const side = sideOfKind(kind);
  const out: { side?: string; name?: string } = {};
  if (assetTypeInfo(type).side !== side) out.side = `asset type ${type} does not belong in a package of kind ${kind}`;
  const p = checkAssetName(assetTypeInfo(type).side, type, name);
  if (p) out.name = p;
  return out;
}

/** Walks a property map and yields every `{encrypted: true}` object (with its dotted path). */
export function* encryptedFields(value: unknown, path = ''): Generator<{ path: string; field: Record<string, unknown> }> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* encryptedFields(value[i], `${path}[${i}]`);
  } else if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    if (obj.encrypted === true) {
      yield { path, field: obj };
      return;
    }
    for (const [k, v] of Object.entries(obj)) yield* encryptedFields(v, path ? `${path}.${k}` : k);
  }
}
