/**
 * Package format v1: writer → reader round trips, and hostile-archives.md item 17 (a
 * valid ZIP whose manifest is missing, not JSON, of an unknown version, or lies), plus
 * every other package-level problem code.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openArchive, type ArchiveReader } from './archive-reader.js';
import { ZipWriter } from './archive-writer.js';
import type { AccountsTemplate, PackageSource } from './manifest.js';
import { PACKAGE_PROBLEM_CODES, PackageError, type PackageProblemCode } from './package-errors.js';
import { readPackage, type BinaryPackageAsset, type JsonPackageAsset, type PackageIndex } from './package-reader.js';
import { writePackage, type PackageAssetInput, type WritePackageInput } from './package-writer.js';
import { forgeZip } from './test-zips.js';
import { packageThreads, poolStats, setPackageThreads } from './thread-pool.js';

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const id = (n: number): string => n.toString(16).padStart(24, '0');

const SOURCE: PackageSource = { org_id: 'a'.repeat(32), org_name: 'acme', space_id: 'b'.repeat(32), space_name: 'orders/1.0', kind: 'api_version' };

async function toBuffer(input: WritePackageInput): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await writePackage((c) => {
    chunks.push(Buffer.from(c));
  }, input);
  return Buffer.concat(chunks);
}

async function read(zip: Buffer, opts?: Parameters<typeof readPackage>[1]): Promise<{ index: PackageIndex; reader: ArchiveReader }> {
  const reader = await openArchive({ buffer: zip });
  return { index: await readPackage(reader, opts), reader };
}

async function problemsOf(zip: Buffer): Promise<{ code: PackageProblemCode; message: string; entry?: string }[]> {
  const reader = await openArchive({ buffer: zip });
  try {
    await readPackage(reader);
  } catch (e) {
    if (e instanceof PackageError) {
      expect(e.code).toBe('package.invalid');
      return [...e.problems];
    }
    throw e;
  } finally {
    await reader.close();
  }
  return [];
}

const codes = async (zip: Buffer): Promise<PackageProblemCode[]> => (await problemsOf(zip)).map((p) => p.code);

/** A hand-made package: the manifest object and files as given, in the given order. */
async function handmade(files: [string, Buffer | string | object][]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const w = new ZipWriter((c) => {
    chunks.push(Buffer.from(c));
  });
  for (const [name, data] of files) {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
    await w.addBuffer(name, bytes);
  }
  await w.finish();
  return Buffer.concat(chunks);
}

const pipelineBody = { snode_id: id(1), name: 'load orders', snap_map: { a: { class_id: 'com-snaplogic-snaps-transform-datatransform' } } };
const pipelineBytes = JSON.stringify(pipelineBody);

/** A minimal valid hand-written manifest with one pipeline. */
const baseManifest = (over: Record<string, unknown> = {}, assets?: unknown[]): Record<string, unknown> => ({
  format: 'assetport-package',
  format_version: 1,
  kind: 'api_version',
  source: SOURCE,
  exported_at: '2024-06-01T10:00:00Z',
  key_ids: ['k1'],
  assets: assets ?? [
    { id: id(1), type: 'Pipeline', name: 'load orders', path: `assets/Pipeline/${id(1)}.json`, size: Buffer.byteLength(pipelineBytes), sha256: sha(pipelineBytes) },
  ],
  ...over,
});

describe('writePackage → readPackage', () => {
  const bigFile = Buffer.concat([randomBytes(200_000), Buffer.alloc(1_000_000, 1)]);
  const smallFile = randomBytes(3000);
  const template: AccountsTemplate = {
    accounts: [
      {
        snode_id: id(3), name: 'orders db', path: '/acme/apim/orders/1.0/orders db', class_id: 'com-snaplogic-snaps-sql-jdbcaccount',
        property_map: { info: { label: { value: 'orders db' } }, settings: { user: { value: 'svc' }, password: { value: 'Y2lwaGVy', encrypted: true, key_id: 'k1' } } },
      },
    ],
  };
  const assets: PackageAssetInput[] = [
    { id: id(3), type: 'Account', name: 'orders db', body: { class_id: 'com-snaplogic-snaps-sql-jdbcaccount', settings: { password: { value: 'Y2lwaGVy', encrypted: true, key_id: 'k1' } } } },
    { id: id(1), type: 'Pipeline', name: 'load orders', body: pipelineBody, refs: [{ type: 'Account', name: 'orders db' }, { type: 'Account', name: 'shared warehouse' }, { type: 'Expression', name: 'extra.expr' }] },
    { id: id(2), type: 'Task', name: 'nightly', status: 'disabled', body: { schedule: '0 2 * * *' }, refs: [{ type: 'Pipeline', name: 'load orders' }] },
    { id: id(4), type: 'File', name: 'mapping.csv', content: smallFile },
    { id: id(5), type: 'File', name: 'reference data.bin', stream: Readable.from([bigFile.subarray(0, 10), bigFile.subarray(10)]) },
    { id: id(6), type: 'Expression', name: 'helpers.expr', content: Buffer.from('{ double: x => x * 2 }') },
    { id: id(7), type: 'Policy', name: 'rate limit', body: [1, 'two', { three: null }] },
  ];

  it('round-trips JSON and binary assets, the accounts template and references', async () => {
    const exportedAt = new Date('2024-06-01T10:00:00.000Z');
    const zip0 = await toBuffer({ kind: 'api_version', source: SOURCE, keyIds: ['k1'], exportedAt, assets, accountsTemplate: template });
    // Add an unlisted expression file the way a person would: re-zip with expressions/extra.expr.
    const r0 = await openArchive({ buffer: zip0 });
    const files: [string, Buffer][] = [];
    for (const e of r0.entries) files.push([e.name, await r0.readBuffer(e)]);
    files.splice(2, 0, ['expressions/extra.expr', Buffer.from('{ inc: x => x + 1 }')]);
    const zip = await handmade(files);

    const { index, reader } = await read(zip);
    const m = index.manifest;
    expect(m.format).toBe('assetport-package');
    expect(m.exported_at).toBe('2024-06-01T10:00:00.000Z');
    expect(m.assets.map((a) => a.path)).toEqual([
      `assets/Account/${id(3)}.json`, `assets/Pipeline/${id(1)}.json`, `assets/Task/${id(2)}.json`,
      `files/${id(4)}`, `files/${id(5)}`, `files/${id(6)}`, `assets/Policy/${id(7)}.json`,
    ]);
    expect(index.assets).toHaveLength(8);
    const byName = new Map(index.assets.map((a) => [a.name, a]));
    const p = byName.get('load orders') as JsonPackageAsset;
    expect(p.kind).toBe('json');
    expect(p.body).toEqual(pipelineBody);
    expect(p.sha256).toBe(sha(JSON.stringify(pipelineBody))); // checksum of the exact, compact bytes
    expect(p.status).toBe('enabled');
    expect(byName.get('nightly')?.status).toBe('disabled');
    expect((byName.get('rate limit') as JsonPackageAsset).body).toEqual([1, 'two', { three: null }]);
    const small = byName.get('mapping.csv') as BinaryPackageAsset;
    expect(small.content?.equals(smallFile)).toBe(true);
    const large = byName.get('reference data.bin') as BinaryPackageAsset;
    expect(large.content).toBeUndefined();
    expect(large.size).toBe(bigFile.length);
    const parts: Buffer[] = [];
    for await (const c of await large.open()) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(bigFile)).toBe(true);
    const extra = byName.get('extra.expr') as BinaryPackageAsset;
    expect(extra).toMatchObject({ type: 'Expression', listed: false, path: 'expressions/extra.expr' });
    expect(extra.id).toMatch(/^[0-9a-f]{24}$/);
    expect(extra.content?.toString()).toBe('{ inc: x => x + 1 }');
    expect(index.externalRefs).toEqual([{ from: { id: id(1), type: 'Pipeline', name: 'load orders' }, type: 'Account', name: 'shared warehouse' }]);
    expect(index.accountsTemplate).toEqual(template);
    expect(index.keyIds).toEqual(['k1']);
    await reader.close();
    await r0.close();
  });

  it('does not depend on entry order (manifest first or last)', async () => {
    const first = await handmade([['manifest.json', baseManifest()], [`assets/Pipeline/${id(1)}.json`, pipelineBytes]]);
    const last = await handmade([[`assets/Pipeline/${id(1)}.json`, pipelineBytes], ['manifest.json', baseManifest()]]);
    for (const zip of [first, last]) {
      const { index, reader } = await read(zip);
      expect(index.assets.map((a) => a.name)).toEqual(['load orders']);
      await reader.close();
    }
  });

  it('reads folder entries and a UTF-8 BOM in a hand-written manifest', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(baseManifest()))]);
    const zip = await handmade([['assets/', Buffer.alloc(0)], ['assets/Pipeline/', Buffer.alloc(0)], [`assets/Pipeline/${id(1)}.json`, pipelineBytes], ['manifest.json', bom]]);
    const { index, reader } = await read(zip);
    expect(index.assets).toHaveLength(1);
    await reader.close();
  });

  it('writes a ROMA instance package', async () => {
    const zip = await toBuffer({
      kind: 'instance', source: { ...SOURCE, kind: 'instance', space_name: 'roma-1' },
      assets: [
        { id: id(10), type: 'application', name: 'shop', body: { name: 'shop' } },
        { id: id(11), type: 'datasource', name: 'orders-db', body: { type: 'mysql' }, refs: [{ type: 'application', name: 'shop' }] },
        { id: id(12), type: 'task', name: 'sync_orders', body: {}, refs: [{ type: 'datasource', name: 'orders-db' }] },
      ],
    });
    const { index, reader } = await read(zip);
    expect(index.assets.map((a) => a.type)).toEqual(['application', 'datasource', 'task']);
    expect(index.externalRefs).toEqual([]);
    await reader.close();
  });

  it('keeps a nested zip as an opaque File asset', async () => {
    const inner = forgeZip([{ name: '../../etc/passwd', content: Buffer.from('x') }]);
    const zip = await toBuffer({ kind: 'project', source: { ...SOURCE, kind: 'project' }, assets: [{ id: id(20), type: 'File', name: 'bundle.zip', content: inner }] });
    const { index, reader } = await read(zip);
    expect(index.assets).toHaveLength(1);
    expect((index.assets[0] as BinaryPackageAsset).content?.equals(inner)).toBe(true);
    await reader.close();
  });

  it('accepts an async iterable of assets', async () => {
    async function* gen(): AsyncGenerator<PackageAssetInput> {
      for (let i = 0; i < 50; i++) yield { id: id(100 + i), type: 'Pipeline', name: `p${i}`, body: { i } };
    }
    const { index, reader } = await read(await toBuffer({ kind: 'project', source: { ...SOURCE, kind: 'project' }, assets: gen() }));
    expect(index.assets).toHaveLength(50);
    await reader.close();
  });
});

describe('writePackage refuses bad input', () => {
  const write = (assets: PackageAssetInput[], extra: Partial<WritePackageInput> = {}): Promise<unknown> =>
    toBuffer({ kind: 'api_version', source: SOURCE, assets, ...extra }).catch((e: unknown) => e);
  const codeOf = (e: unknown): string => (e instanceof PackageError ? (e.problems[0]?.code ?? '') : String(e));
  it('with its problem code', async () => {
    expect(codeOf(await write([{ id: 'xyz', type: 'Pipeline', name: 'p', body: {} }]))).toBe('package.manifest_invalid');
    expect(codeOf(await write([{ id: id(1), type: 'Widget' as never, name: 'p', body: {} }]))).toBe('package.manifest_invalid');
    expect(codeOf(await write([{ id: id(1), type: 'application', name: 'p', body: {} }]))).toBe('package.manifest_invalid');
    expect(codeOf(await write([{ id: id(1), type: 'Pipeline', name: 'bad/name', body: {} }]))).toBe('package.invalid_name');
    expect(codeOf(await write([{ id: id(1), type: 'Pipeline', name: 'p', body: {} }, { id: id(1), type: 'Task', name: 't', body: {} }]))).toBe('package.duplicate_asset');
    expect(codeOf(await write([{ id: id(1), type: 'Pipeline', name: 'p', body: {} }, { id: id(2), type: 'Pipeline', name: 'p', body: {} }]))).toBe('package.duplicate_asset');
    expect(codeOf(await write([{ id: id(1), type: 'Pipeline', name: 'p' } as never]))).toBe('package.asset_invalid');
    expect(codeOf(await write([{ id: id(1), type: 'File', name: 'f', body: {} } as never]))).toBe('package.asset_invalid');
    expect(codeOf(await write([], { source: { ...SOURCE, org_id: '' } }))).toBe('package.manifest_invalid');
    const badTemplate = { accounts: [{ snode_id: id(3), name: 'a', path: '/a', class_id: 'c', property_map: { password: { value: 'x', encrypted: true, key_id: 'nope' } } }] };
    expect(codeOf(await write([], { accountsTemplate: badTemplate }))).toBe('package.accounts_template_invalid');
  });
});

describe('17. a valid ZIP whose manifest is missing, not JSON, of an unknown version, or lies', () => {
  const pipe: [string, string] = [`assets/Pipeline/${id(1)}.json`, pipelineBytes];

  it('manifest missing', async () => {
    expect(await codes(await handmade([pipe]))).toEqual(['package.manifest_missing', ]);
  });
  it('manifest inside a folder: missing, with a hint', async () => {
    const problems = await problemsOf(await handmade([['export/manifest.json', baseManifest()], pipe]));
    expect(problems.map((p) => p.code)).toEqual(['package.manifest_missing']);
    expect(problems[0]?.message).toMatch(/zip the folder's contents/);
  });
  it('manifest not JSON, not UTF-8, or not an object', async () => {
    expect(await codes(await handmade([['manifest.json', '{"format": "assetport-package",'], pipe]))).toEqual(['package.manifest_invalid']);
    expect(await codes(await handmade([['manifest.json', Buffer.from([0x7b, 0xff, 0x7d])], pipe]))).toEqual(['package.manifest_invalid']);
    expect(await codes(await handmade([['manifest.json', '[1,2]'], pipe]))).toEqual(['package.manifest_invalid']);
  });
  it('unknown format', async () => {
    expect(await codes(await handmade([['manifest.json', baseManifest({ format: 'roma-export' })], pipe]))).toEqual(['package.unknown_format']);
    expect(await codes(await handmade([['manifest.json', baseManifest({ format: undefined })], pipe]))).toEqual(['package.unknown_format']);
  });
  it('unsupported format version', async () => {
    for (const v of [2, 0, '1', null]) {
      const problems = await problemsOf(await handmade([['manifest.json', baseManifest({ format_version: v })], pipe]));
      expect(problems.map((p) => p.code)).toEqual(['package.unsupported_version']);
    }
    const newer = await problemsOf(await handmade([['manifest.json', baseManifest({ format_version: 2 })], pipe]));
    expect(newer[0]?.message).toMatch(/newer assetport/);
  });
  it('checksums that do not match', async () => {
    const tampered = JSON.stringify({ ...pipelineBody, name: 'load orderz' });
    expect(await codes(await handmade([['manifest.json', baseManifest()], [pipe[0], tampered]]))).toEqual(['package.checksum_mismatch']);
    const longer = `${pipelineBytes} `;
    expect(await codes(await handmade([['manifest.json', baseManifest()], [pipe[0], longer]]))).toEqual(['package.checksum_mismatch']);
  });
  it('assets listed but not there', async () => {
    expect(await codes(await handmade([['manifest.json', baseManifest()]]))).toEqual(['package.entry_missing']);
  });
  it('references to assets that are not there are returned as external references, not errors', async () => {
    const m = baseManifest({}, [{ ...(baseManifest().assets as Record<string, unknown>[])[0], refs: [{ type: 'Account', name: 'nowhere' }] }]);
    const { index, reader } = await read(await handmade([['manifest.json', m], pipe]));
    expect(index.externalRefs).toEqual([{ from: { id: id(1), type: 'Pipeline', name: 'load orders' }, type: 'Account', name: 'nowhere' }]);
    await reader.close();
  });
  it('a manifest that breaks the schema: every problem is listed', async () => {
    const m = baseManifest({ exported_at: 'yesterday', source: { org_name: 5 }, kind: 'galaxy' }, [
      { id: 'not-hex', type: 'Pipeline', name: 'a', path: 'x', size: -1, sha256: 'abc' },
      { id: id(9), type: 'Widget', name: 'b', path: `assets/Widget/${id(9)}.json`, size: 1, sha256: sha('1') },
      (baseManifest().assets as unknown[])[0],
    ]);
    const problems = await problemsOf(await handmade([['manifest.json', m], pipe]));
    expect(problems.every((p) => p.code === 'package.manifest_invalid')).toBe(true);
    const text = problems.map((p) => p.message).join('\n');
    expect(text).toMatch(/exported_at must match format "date-time"/);
    expect(text).toMatch(/source is missing "org_id"/);
    expect(text).toMatch(/kind must be one of instance, api_version, project/);
    expect(text).toMatch(/assets\[0\]\.id must match pattern/);
    expect(text).toMatch(/assets\[0\]\.size must be >= 0/);
    expect(text).toMatch(/assets\[1\]\.type must be one of application/);
    expect(problems.length).toBeGreaterThanOrEqual(7);
  });
});

describe('other package problems', () => {
  const pipe: [string, string] = [`assets/Pipeline/${id(1)}.json`, pipelineBytes];
  const asset = (n: number, type: string, name: string, body: string): Record<string, unknown> => ({
    id: id(n), type, name, path: `assets/${type}/${id(n)}.json`, size: Buffer.byteLength(body), sha256: sha(body),
  });

  it('collects every problem at once', async () => {
    const bad = '{"x": ';
    const m = baseManifest({}, [
      asset(1, 'Pipeline', 'load orders', pipelineBytes),
      asset(2, 'Pipeline', 'load orders', '{}'), // duplicate (type, name)
      asset(3, 'Task', 'broken', bad), // not JSON
      asset(4, 'Task', 'gone', '{}'), // missing entry
      { ...asset(5, 'Task', 'liar', '{}'), sha256: sha('{ }') }, // checksum
      asset(6, 'Task', 'bad|name?', '{}'), // name rule
    ]);
    const zip = await handmade([
      ['manifest.json', m], pipe, [`assets/Pipeline/${id(2)}.json`, '{}'], [`assets/Task/${id(3)}.json`, bad],
      [`assets/Task/${id(5)}.json`, '{}'], [`assets/Task/${id(6)}.json`, '{}'], ['notes.txt', 'hello'],
    ]);
    const got = await codes(zip);
    expect(new Set(got)).toEqual(new Set([
      'package.duplicate_asset', 'package.asset_invalid', 'package.entry_missing', 'package.checksum_mismatch',
      'package.invalid_name', 'package.unlisted_entry',
    ]));
  });

  it('lists at most 1,000 problems and counts the rest', async () => {
    const many = Array.from({ length: 1500 }, (_, i) => asset(100 + i, 'Task', `t${i}`, '{}'));
    const reader = await openArchive({ buffer: await handmade([['manifest.json', baseManifest({}, many)], pipe]) });
    const err = await readPackage(reader).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageError);
    expect((err as PackageError).problems).toHaveLength(1000);
    expect((err as PackageError).omitted).toBe(501); // 1,500 missing entries + the unlisted pipeline
    expect((err as PackageError).message).toMatch(/1501 problems/);
    await reader.close();
  });

  it('writes the same bytes whether documents are compressed on threads or not, binaries in their place', async () => {
    // Two documents over 1 MiB (streamed when read, and ending their batch when written).
    const big = (i: number): string => randomBytes(800 * 1024).toString('hex') + String(i);
    const assets: PackageAssetInput[] = Array.from({ length: 1300 }, (_, i) =>
      i === 10 || i === 700
        ? { id: id(5000 + i), type: 'File' as const, name: `f${i}.bin`, content: randomBytes(3000 + i) }
        : { id: id(5000 + i), type: 'Pipeline' as const, name: `p${i}`, body: { n: i, pad: i === 900 || i === 901 ? big(i) : 'y'.repeat(i % 300), é: 'ü' } },
    );
    const input = (): WritePackageInput => ({ kind: 'api_version', source: SOURCE, exportedAt: new Date('2024-06-01T10:00:00Z'), assets });
    const threads = packageThreads();
    try {
      setPackageThreads(0);
      const here = await toBuffer(input());
      setPackageThreads(2);
      const before = poolStats().threadBatches;
      const threaded = await toBuffer(input());
      expect(poolStats().threadBatches).toBeGreaterThan(before);
      expect(threaded.equals(here)).toBe(true);
      const { index, reader } = await read(threaded);
      expect(index.assets.map((a) => a.name)).toEqual(assets.map((a) => a.name));
      expect((index.assets[1299] as JsonPackageAsset).body).toEqual({ n: 1299, pad: 'y'.repeat(1299 % 300), é: 'ü' });
      expect((index.assets[901] as JsonPackageAsset).body).toEqual((assets[901] as { body: unknown }).body);
      expect((index.assets[901] as JsonPackageAsset).size).toBeGreaterThan(1024 * 1024);
      expect((index.assets[700] as BinaryPackageAsset).content?.equals((assets[700] as unknown as { content: Buffer }).content)).toBe(true);
      await reader.close();
    } finally {
      setPackageThreads(threads);
    }
  });

  it('reports the same problems, in the same order, whether documents are verified on threads or not', async () => {
    // Enough documents for the threads to take part; problems spread over all of them.
    const docs = Array.from({ length: 1200 }, (_, i) => `{"n": ${i}, "pad": "${'x'.repeat(i % 40)}"}`);
    docs[1100] = '{"n": ';
    const m = baseManifest({}, docs.map((d, i) => {
      const a = asset(100 + i, 'Task', `t${i}`, d);
      if (i === 700) return { ...a, sha256: sha('other') };
      if (i === 950) return { ...a, name: 't3' };
      return a;
    }));
    const zip = await handmade([['manifest.json', m], ...docs.map((d, i): [string, string] => [`assets/Task/${id(100 + i)}.json`, d])]);
    const threads = packageThreads();
    try {
      setPackageThreads(0);
      const here = await problemsOf(zip);
      setPackageThreads(2);
      const before = poolStats().threadBatches;
      expect(await problemsOf(zip)).toEqual(here);
      expect(poolStats().threadBatches).toBeGreaterThan(before);
      expect(here.map((p) => p.code)).toEqual(['package.checksum_mismatch', 'package.duplicate_asset', 'package.asset_invalid']);
      expect(here.map((p) => p.entry)).toEqual([`assets/Task/${id(800)}.json`, `assets/Task/${id(1050)}.json`, `assets/Task/${id(1200)}.json`]);
      // And a valid package reads the same both ways.
      const ok = await handmade([['manifest.json', baseManifest({}, docs.slice(0, 1000).map((d, i) => asset(100 + i, 'Task', `t${i}`, d)))], ...docs.slice(0, 1000).map((d, i): [string, string] => [`assets/Task/${id(100 + i)}.json`, d])]);
      const texts = async () => (await read(ok)).index.assets.map((a) => (a as JsonPackageAsset).text);
      const threaded = await texts();
      setPackageThreads(0);
      expect(await texts()).toEqual(threaded);
      expect(threaded[999]).toBe(docs[999]);
    } finally {
      setPackageThreads(threads);
    }
  });

  it('duplicate ids', async () => {
    const m = baseManifest({}, [asset(1, 'Pipeline', 'load orders', pipelineBytes), { ...asset(1, 'Task', 't', '{}') }]);
    expect(await codes(await handmade([['manifest.json', m], pipe, [`assets/Task/${id(1)}.json`, '{}']]))).toEqual(['package.duplicate_asset']);
  });

  it('a path that is not the generated one', async () => {
    const m = baseManifest({}, [{ ...asset(1, 'Pipeline', 'load orders', pipelineBytes), path: 'assets/Pipeline/load orders.json' }]);
    const got = await problemsOf(await handmade([['manifest.json', m], ['assets/Pipeline/load orders.json', pipelineBytes]]));
    expect(got.map((p) => p.code)).toEqual(['package.manifest_invalid', 'package.unlisted_entry']);
    expect(got[0]?.message).toMatch(/must be at path "assets\/Pipeline\/0+1\.json"/);
  });

  it('an asset type of the other side', async () => {
    const m = baseManifest({}, [asset(1, 'application', 'shop', '{}')]);
    expect(await codes(await handmade([['manifest.json', m], [`assets/application/${id(1)}.json`, '{}']]))).toEqual(['package.manifest_invalid']);
  });

  it('unlisted entries, including __proto__ and nested expression folders; folders are ignored', async () => {
    const zip = await handmade([
      ['manifest.json', baseManifest()], pipe, ['__proto__', '{"polluted": true}'], ['constructor', 'x'],
      ['expressions/sub/deep.expr', 'x'], ['expressions/readme.txt', 'x'], ['extra/', Buffer.alloc(0)],
    ]);
    const problems = await problemsOf(zip);
    expect(problems.map((p) => [p.code, p.entry])).toEqual([
      ['package.unlisted_entry', '__proto__'], ['package.unlisted_entry', 'constructor'],
      ['package.unlisted_entry', 'expressions/sub/deep.expr'], ['package.unlisted_entry', 'expressions/readme.txt'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('JSON with a __proto__ key (also escaped) is refused and pollutes nothing', async () => {
    for (const body of ['{"__proto__": {"polluted": true}}', '{"a": {"\\u005f_proto__": {"polluted": true}}}', '[{"__proto__": null}]']) {
      const m = baseManifest({}, [asset(1, 'Pipeline', 'p', body)]);
      const problems = await problemsOf(await handmade([['manifest.json', m], [`assets/Pipeline/${id(1)}.json`, body]]));
      expect(problems.map((p) => p.code)).toEqual(['package.asset_invalid']);
      expect(problems[0]?.message).toMatch(/__proto__/);
    }
    const m = { ...baseManifest(), extra: 1 };
    const withProto = JSON.stringify(m).replace('"extra":1', '"__proto__":{"polluted":true}');
    expect(await codes(await handmade([['manifest.json', withProto], pipe]))).toEqual(['package.manifest_invalid']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // A "__proto__" inside a string value is fine.
    const ok = '{"note": "__proto__ is just text here"}';
    const { index, reader } = await read(await handmade([['manifest.json', baseManifest({}, [asset(1, 'Pipeline', 'p', ok)])], [`assets/Pipeline/${id(1)}.json`, ok]]));
    expect((index.assets[0] as JsonPackageAsset).body).toEqual({ note: '__proto__ is just text here' });
    await reader.close();
  });

  it('unknown top-level manifest fields are tolerated', async () => {
    const { index, reader } = await read(await handmade([['manifest.json', baseManifest({ generator: 'hand', comment: { any: 'thing' } })], pipe]));
    expect(index.manifest.generator).toBe('hand');
    await reader.close();
  });

  it('an expression file duplicating a listed expression, or in an instance package', async () => {
    const expr = '{ f: 1 }';
    const m = baseManifest({}, [{ id: id(8), type: 'Expression', name: 'lib.expr', path: `files/${id(8)}`, size: expr.length, sha256: sha(expr) }]);
    expect(await codes(await handmade([['manifest.json', m], [`files/${id(8)}`, expr], ['expressions/lib.expr', expr]]))).toEqual(['package.duplicate_asset']);
    const inst = baseManifest({ kind: 'instance' }, []);
    expect(await codes(await handmade([['manifest.json', inst], ['expressions/lib.expr', expr]]))).toEqual(['package.manifest_invalid']);
  });

  it('a broken accounts template', async () => {
    const withTemplate = async (t: string | object): Promise<PackageProblemCode[]> => codes(await handmade([['manifest.json', baseManifest()], pipe, ['accounts_template.json', t]]));
    expect(await withTemplate('{')).toEqual(['package.accounts_template_invalid']);
    expect(await withTemplate({ accounts: [{ snode_id: 'x' }] })).toEqual(Array(5).fill('package.accounts_template_invalid'));
    const acc = { snode_id: id(3), name: 'db', path: '/p', class_id: 'c' };
    expect(await withTemplate({ accounts: [{ ...acc, property_map: { settings: { password: { value: 'c', encrypted: true, key_id: 'other' } } } }] })).toEqual(['package.accounts_template_invalid']);
    expect(await withTemplate({ accounts: [{ ...acc, property_map: { settings: { password: { encrypted: true } } } }] })).toEqual(['package.accounts_template_invalid']);
    expect(await withTemplate({ accounts: [{ ...acc, property_map: { settings: { password: { value: 'c', encrypted: true, key_id: 'k1' } } } }] })).toEqual([]);
  });

  it('problem codes are unique and namespaced', () => {
    expect(new Set(PACKAGE_PROBLEM_CODES).size).toBe(PACKAGE_PROBLEM_CODES.length);
    for (const c of PACKAGE_PROBLEM_CODES) expect(c).toMatch(/^package\.[a-z_]+$/);
  });
});
