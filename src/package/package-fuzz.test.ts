/**
 * Property-based fuzzing of the package reader: a valid package mutated at random — bytes
 * flipped, the archive cut short, entries truncated, duplicated, dropped or reordered, the
 * manifest edited field by field — is either read (every asset's bytes verified) or
 * refused with an ArchiveError or a PackageError. Nothing else escapes, the input bytes are
 * never modified, and every read ends: each one runs under a generous ceiling that only a
 * hang reaches (the iteration counts, not wall-clock speed, are what the test asserts).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isArchiveError } from './archive-errors.js';
import { openArchive } from './archive-reader.js';
import type { PackageSource } from './manifest.js';
import { PackageError } from './package-errors.js';
import { readPackage } from './package-reader.js';
import { writePackage, type PackageAssetInput } from './package-writer.js';
import { forgeZip } from './test-zips.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
/** Far beyond any read of these small packages, even on a busy machine: reaching it means a hang. */
const HANG_MS = 60_000;
const id = (n: number): string => n.toString(16).padStart(24, '0');
const SOURCE: PackageSource = { org_id: 'a'.repeat(32), org_name: 'acme', space_id: 'b'.repeat(32), space_name: 'orders/1.0', kind: 'api_version' };

const ASSETS: PackageAssetInput[] = [
  { id: id(1), type: 'Account', name: 'orders db', body: { class_id: 'com-snaplogic-snaps-sql-jdbcaccount', settings: { user: { value: 'svc' } } } },
  { id: id(2), type: 'Pipeline', name: 'load orders', body: { snap_map: { a: { class_id: 'x' } } }, refs: [{ type: 'Account', name: 'orders db' }] },
  { id: id(3), type: 'Task', name: 'nightly', status: 'disabled', body: { schedule: '0 2 * * *' }, refs: [{ type: 'Pipeline', name: 'load orders' }] },
  { id: id(4), type: 'File', name: 'mapping.csv', content: Buffer.from('a,b\n1,2\n'.repeat(200)) },
  { id: id(5), type: 'Expression', name: 'helpers.expr', content: Buffer.from('{ double: x => x * 2 }') },
  { id: id(6), type: 'Policy', name: 'rate limit', body: [1, 'two', { three: null }] },
];

async function validPackage(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writePackage((c) => void chunks.push(Buffer.from(c)), { kind: 'api_version', source: SOURCE, keyIds: ['k1'], exportedAt: new Date('2024-06-01T10:00:00Z'), assets: ASSETS });
  return Buffer.concat(chunks);
}

/** The archive's entries, in order. */
async function entriesOf(zip: Buffer): Promise<Array<[string, Buffer]>> {
  const r = await openArchive({ buffer: zip });
  try {
    const out: Array<[string, Buffer]> = [];
    for (const e of r.entries) out.push([e.name, await r.readBuffer(e)]);
    return out;
  } finally {
    await r.close();
  }
}

/** A ZIP of these entries as listed, duplicates included (a real writer refuses those; the reader must too). */
const zipOf = (entries: Array<[string, Buffer]>): Buffer => forgeZip(entries.map(([name, content]) => ({ name, content })));

type Outcome = 'read' | 'archive' | 'package';

/** Reads a package to its last byte; what came of it. Anything but the two catalogued errors is thrown. */
async function readAll(zip: Buffer): Promise<Outcome> {
  let reader;
  try {
    reader = await openArchive({ buffer: zip }, {}, { streamThreshold: 2048 });
  } catch (e) {
    if (isArchiveError(e)) return 'archive';
    throw e;
  }
  try {
    const index = await readPackage(reader);
    for (const a of index.assets) {
      if (a.kind !== 'binary' || a.content) continue;
      for await (const chunk of await a.open()) void chunk;
    }
    return 'read';
  } catch (e) {
    if (isArchiveError(e)) return 'archive';
    if (e instanceof PackageError) {
      expect(e.problems.length + e.omitted).toBeGreaterThan(0);
      return 'package';
    }
    throw e;
  } finally {
    await reader.close();
  }
}

/** {@link readAll}, failing (not waiting for ever) should a read hang; the input must come back unchanged. */
async function readBounded(zip: Buffer): Promise<Outcome> {
  const before = createHash('sha256').update(zip).digest('hex');
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the read did not end')), HANG_MS);
  });
  try {
    return await Promise.race([readAll(zip), hang]);
  } finally {
    clearTimeout(timer);
    expect(createHash('sha256').update(zip).digest('hex')).toBe(before);
  }
}

/** Random JSON-ish values a manifest field may be replaced with. */
const anyValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -2, max: 1e12 }),
  fc.double({ noNaN: false }),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '../etc/passwd', 'assets/Pipeline/../../x.json', 'manifest.json', 'a'.repeat(5000), '\u0000', 'Ω/\u202e.json', '0'.repeat(64)),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

describe('mutated packages', () => {
  it('a flipped byte, or several, never crashes the reader', async () => {
    const zip = await validPackage();
    const seen = new Map<Outcome, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: zip.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }), async (flips) => {
        const bad = Buffer.from(zip);
        for (const [at, xor] of flips) bad[at]! ^= xor;
        const o = await readBounded(bad);
        seen.set(o, (seen.get(o) ?? 0) + 1);
      }),
      { numRuns: 400, seed: SEED },
    );
    expect([...seen.values()].reduce((a, b) => a + b, 0)).toBe(400);
    // The flips reached past the ZIP structure into the package layer too.
    expect((seen.get('archive') ?? 0) + (seen.get('package') ?? 0)).toBeGreaterThan(0);
  });

  it('an archive cut short anywhere is refused', async () => {
    const zip = await validPackage();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: zip.length - 1 }), async (len) => {
        expect(await readBounded(zip.subarray(0, len))).toBe('archive');
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it('entries truncated, duplicated, dropped or reordered never crash the reader', async () => {
    const entries = await entriesOf(await validPackage());
    const edit = fc.oneof(
      fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), keep: fc.nat() }),
      fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('drop' as const), at: fc.nat() }),
      fc.record({ op: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
    );
    const outcomes = new Set<Outcome>();
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        const list = entries.map(([n, b]): [string, Buffer] => [n, b]);
        for (const e of edits) {
          if (list.length === 0) break;
          const i = e.at % list.length;
          if (e.op === 'truncate') list[i] = [list[i]![0], list[i]![1].subarray(0, e.keep % (list[i]![1].length + 1))];
          else if (e.op === 'duplicate') list.splice(i, 0, list[i]!);
          else if (e.op === 'drop') list.splice(i, 1);
          else [list[i], list[e.to % list.length]] = [list[e.to % list.length]!, list[i]!];
        }
        // A duplicate name is refused when the archive is opened; anything else by the package layer, if at all.
        outcomes.add(await readBounded(zipOf(list)));
      }),
      { numRuns: 200, seed: SEED },
    );
    expect(outcomes.has('package')).toBe(true);
    expect(outcomes.has('archive')).toBe(true);
  });

  it('a manifest edited field by field is read or refused with the problems listed, never a crash', async () => {
    const entries = await entriesOf(await validPackage());
    const at = entries.findIndex(([n]) => n === 'manifest.json');
    const manifest = JSON.parse(entries[at]![1].toString('utf8')) as Record<string, unknown>;
    const assetFields = ['id', 'type', 'name', 'path', 'size', 'sha256', 'status', 'refs'];
    const edit = fc.oneof(
      fc.record({ where: fc.constantFrom(...Object.keys(manifest)), value: fc.option(anyValue) }),
      fc.record({ asset: fc.nat(), where: fc.constantFrom(...assetFields), value: fc.option(anyValue) }),
    );
    const outcomes = new Set<Outcome>();
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), fc.boolean(), async (edits, asText) => {
        const m = structuredClone(manifest);
        for (const e of edits) {
          const list = m.assets as Array<Record<string, unknown>>;
          const target = 'asset' in e ? (Array.isArray(list) && list.length > 0 ? list[e.asset % list.length] : undefined) : m;
          if (!target || typeof target !== 'object') continue;
          if (e.value === null) delete target[e.where];
          else target[e.where] = e.value;
        }
        const text = JSON.stringify(m);
        // Sometimes the edit leaves the manifest not quite JSON.
        const bytes = Buffer.from(asText ? text.slice(0, Math.max(0, text.length - 1)) : text);
        const list = entries.map(([n, b], i): [string, Buffer] => [n, i === at ? bytes : b]);
        outcomes.add(await readBounded(zipOf(list)));
      }),
      { numRuns: 300, seed: SEED },
    );
    expect(outcomes.has('package')).toBe(true);
  });

  it('the unmutated package reads (the properties above start from a valid one)', async () => {
    expect(await readBounded(await validPackage())).toBe('read');
  });
});
