/**
 * The asset-type registry: every asset type of both sides described once — its wire
 * names, which body fields are secret, what it may refer to, its conflict default and its
 * dependency tier. The plan, the conflict policies, secret handling, the package format and
 * the import options read from here.
 */

export const ROMA_TYPES = ['application', 'datasource', 'api', 'function', 'topic', 'product', 'task'] as const;
export const SNAPLOGIC_TYPES = ['Account', 'File', 'Pipeline', 'Task', 'Policy', 'Flow', 'Expression'] as const;

export type RomaAssetType = (typeof ROMA_TYPES)[number];
export type SnapLogicAssetType = (typeof SNAPLOGIC_TYPES)[number];
export type AssetType = RomaAssetType | SnapLogicAssetType;

export const ASSET_TYPES: readonly AssetType[] = [...ROMA_TYPES, ...SNAPLOGIC_TYPES];

/** What happens when an imported asset meets a same-named one in the target. */
/**
 * What an import does with an asset whose type and name already exist in the target:
 * `fail` — refuse the import if it differs; `fail-if-exists` — refuse it even if identical
 * (ROMA `AddNew`); `skip-as-failed` — leave it, reported failed (409); `keep` — leave it;
 * `overwrite` — replace it.
 */
export type ConflictPolicy = 'fail' | 'fail-if-exists' | 'skip-as-failed' | 'keep' | 'overwrite';
export const CONFLICT_POLICIES: readonly ConflictPolicy[] = ['fail', 'fail-if-exists', 'skip-as-failed', 'keep', 'overwrite'];

export interface AssetTypeInfo {
  readonly type: AssetType;
  readonly side: 'roma' | 'snaplogic';
  /** Names this type goes by on the wire (first is the canonical wire name). */
  readonly wireNames: readonly string[];
  /** The SnapLogic `overwrite_types` / `asset_types` name, when the type has one. */
  readonly overwriteTypeName?: string;
  /** Whether the asset's payload is a JSON document or raw bytes (File, Expression). */
  readonly content: 'json' | 'binary';
  /** Keys of `property_map.settings` that are secret for this type. */
  readonly secretFields: readonly string[];
  /** Types this type may refer to. */
  readonly refersTo: readonly AssetType[];
  /** The conflict policy of this type when an import names none. */
  readonly conflictDefault: ConflictPolicy;
  /** Dependency tier: a plan orders its actions (and an import writes) lower tiers first. */
  readonly tier: number;
}

/** Secret setting names shared by every type that carries credentials. */
const DEFAULT_SECRET_FIELDS: readonly string[] = [
  'password',
  'secret',
  'client_secret',
  'token',
  'access_token',
  'refresh_token',
  'private_key',
  'passphrase',
];

const info = (i: AssetTypeInfo): AssetTypeInfo => Object.freeze(i);

const REGISTRY: Readonly<Record<AssetType, AssetTypeInfo>> = Object.freeze({
  application: info({ type: 'application', side: 'roma', wireNames: ['application', 'app'], content: 'json', secretFields: [], refersTo: [], conflictDefault: 'overwrite', tier: 0 }),
  datasource: info({ type: 'datasource', side: 'roma', wireNames: ['datasource'], content: 'json', secretFields: DEFAULT_SECRET_FIELDS, refersTo: ['application'], conflictDefault: 'keep', tier: 1 }),
  api: info({ type: 'api', side: 'roma', wireNames: ['api'], content: 'json', secretFields: [], refersTo: ['application', 'datasource', 'function'], conflictDefault: 'overwrite', tier: 2 }),
  function: info({ type: 'function', side: 'roma', wireNames: ['function'], content: 'json', secretFields: [], refersTo: ['application'], conflictDefault: 'overwrite', tier: 1 }),
  topic: info({ type: 'topic', side: 'roma', wireNames: ['topic'], content: 'json', secretFields: [], refersTo: ['application'], conflictDefault: 'overwrite', tier: 1 }),
  product: info({ type: 'product', side: 'roma', wireNames: ['product'], content: 'json', secretFields: [], refersTo: ['application', 'api'], conflictDefault: 'overwrite', tier: 3 }),
  task: info({ type: 'task', side: 'roma', wireNames: ['task'], content: 'json', secretFields: [], refersTo: ['datasource'], conflictDefault: 'overwrite', tier: 2 }),
  Account: info({ type: 'Account', side: 'snaplogic', wireNames: ['Account'], overwriteTypeName: 'Account', content: 'json', secretFields: DEFAULT_SECRET_FIELDS, refersTo: [], conflictDefault: 'keep', tier: 0 }),
  File: info({ type: 'File', side: 'snaplogic', wireNames: ['File'], overwriteTypeName: 'File', content: 'binary', secretFields: [], refersTo: [], conflictDefault: 'overwrite', tier: 0 }),
  Expression: info({ type: 'Expression', side: 'snaplogic', wireNames: ['Expression', 'expr'], content: 'binary', secretFields: [], refersTo: [], conflictDefault: 'overwrite', tier: 0 }),
  Pipeline: info({ type: 'Pipeline', side: 'snaplogic', wireNames: ['Pipeline'], overwriteTypeName: 'Pipeline', content: 'json', secretFields: [], refersTo: ['Account', 'Pipeline', 'File', 'Expression'], conflictDefault: 'overwrite', tier: 1 }),
  Task: info({ type: 'Task', side: 'snaplogic', wireNames: ['Task', 'Job'], overwriteTypeName: 'Job', content: 'json', secretFields: [], refersTo: ['Pipeline'], conflictDefault: 'overwrite', tier: 2 }),
  Policy: info({ type: 'Policy', side: 'snaplogic', wireNames: ['Policy'], overwriteTypeName: 'Policy', content: 'json', secretFields: [], refersTo: [], conflictDefault: 'overwrite', tier: 0 }),
  Flow: info({ type: 'Flow', side: 'snaplogic', wireNames: ['Flow', 'Flows'], overwriteTypeName: 'Flows', content: 'json', secretFields: [], refersTo: ['Pipeline', 'Account'], conflictDefault: 'overwrite', tier: 2 }),
});

export const isAssetType = (s: string): s is AssetType => Object.prototype.hasOwnProperty.call(REGISTRY, s);

export const assetTypeInfo = (type: AssetType): AssetTypeInfo => REGISTRY[type];

/** Types that may live in a space of the given side. */
export const typesOfSide = (side: 'roma' | 'snaplogic'): AssetType[] =>
  ASSET_TYPES.filter((t) => REGISTRY[t].side === side);

/** Resolves a wire name (`Job`, `Flows`, `app`…) to the registry type; exact case first, then case-insensitive within a side. */
export function typeFromWireName(name: string, side?: 'roma' | 'snaplogic'): AssetType | undefined {
  const candidates = ASSET_TYPES.filter((t) => side === undefined || REGISTRY[t].side === side);
  const exact = candidates.find((t) => REGISTRY[t].wireNames.includes(name));
  if (exact) return exact;
  const lower = name.toLowerCase();
  const loose = candidates.filter((t) => REGISTRY[t].wireNames.some((w) => w.toLowerCase() === lower));
  return loose.length === 1 ? loose[0] : undefined;
}

/**
 * SnapLogic `overwrite_types` / `asset_types` name (case-insensitive) to registry type. Only
 * SnapLogic's own names (`Account`, `File`, `Flows`, `Job`, `Pipeline`, `Policy`) are taken:
 * `Task`, `Flow` or `Expression` are not names of these lists, and a name that is not one is
 * refused rather than guessed.
 */
export function typeFromOverwriteName(name: string): AssetType | undefined {
  const lower = name.trim().toLowerCase();
  return SNAPLOGIC_TYPES.find((t) => REGISTRY[t].overwriteTypeName?.toLowerCase() === lower);
}

/** Whether `type` may refer to `target`. */
export const mayReferTo = (type: AssetType, target: AssetType): boolean => REGISTRY[type].refersTo.includes(target);

/** Sorts types by dependency tier (stable within a tier, following ASSET_TYPES order). */
export const byTier = (a: AssetType, b: AssetType): number =>
  REGISTRY[a].tier - REGISTRY[b].tier || ASSET_TYPES.indexOf(a) - ASSET_TYPES.indexOf(b);
