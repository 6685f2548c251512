/**
 * Limits the hardened archive reader enforces before (and while) inflating anything.
 * Every limit is checked against the central directory first (declared sizes), then
 * against the bytes that really come out of the inflater.
 */
export interface ArchiveLimits {
  /** Most entries (files and folders) an archive may hold. Checked from the end record, before any entry is read. */
  readonly maxEntries: number;
  /** Most bytes all entries may inflate to together (declared and real). */
  readonly maxUnpackedBytes: number;
  /** Most bytes one entry may inflate to. */
  readonly maxEntryBytes: number;
  /**
   * Highest uncompressed:compressed ratio, per entry and for the whole archive. Entries
   * (and archives) smaller than {@link RATIO_FLOOR_BYTES} uncompressed are exempt: tiny
   * inputs compress at meaningless ratios.
   */
  readonly maxRatio: number;
  /** Longest entry name, in bytes as stored in the archive. */
  readonly maxPathBytes: number;
}

const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** Below this many uncompressed bytes the ratio limit is not applied (per entry, and to the archive total). */
export const RATIO_FLOOR_BYTES = 64 * KiB;

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  // 10,000 assets, plus room for manifest.json, accounts_template.json and folder entries.
  maxEntries: 10_100,
  maxUnpackedBytes: 1 * GiB,
  maxEntryBytes: 64 * MiB,
  maxRatio: 200,
  maxPathBytes: 1024,
});

/** Merges caller overrides onto the defaults, refusing nonsense values (programmer errors). */
export function resolveLimits(overrides?: Partial<ArchiveLimits>): ArchiveLimits {
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS };
  if (overrides) {
    for (const key of Object.keys(DEFAULT_ARCHIVE_LIMITS) as (keyof ArchiveLimits)[]) {
      const v = overrides[key];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
        throw new TypeError(`archive limit ${key} must be a positive number, got ${String(v)}`);
      }
      (limits as { -readonly [K in keyof ArchiveLimits]: number })[key] = v;
    }
  }
  return Object.freeze(limits);
}
