/**
 * Micro benchmark of the package layer (DESIGN.md "Performance facts"): a 10,000-asset
 * package of ~1.7 KB JSON bodies, written with our writer and read back with our reader,
 * next to Info-ZIP `zip -r` / `unzip -p` when they are installed.
 *
 *   npx tsx bench/archive.ts [assets=10000]
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openArchive } from '../src/package/archive-reader.js';
import { ZipWriter } from '../src/package/archive-writer.js';
import type { PackageSource } from '../src/package/manifest.js';
import { readPackage } from '../src/package/package-reader.js';
import { writePackage, type PackageAssetInput } from '../src/package/package-writer.js';
import { syntheticBodies } from './synthetic.js';

const N = Number(process.argv[2] ?? 10_000);
const RUNS = 5;
// N assets + manifest.json: one more entry than the default limit of 10,000 allows.
const LIMITS = { maxEntries: N + 10 };

const body = syntheticBodies();

const source: PackageSource = { org_id: 'a'.repeat(32), org_name: 'acme', space_id: 'b'.repeat(32), space_name: 'orders/1.0', kind: 'api_version' };
const ids = Array.from({ length: N }, (_, i) => i.toString(16).padStart(24, '0'));
const bodies = ids.map((_, i) => body(i));
const texts = bodies.map((b) => JSON.stringify(b));
const jsonBytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
const assets = (): PackageAssetInput[] => ids.map((id, i) => ({ id, type: 'Pipeline', name: `pipeline ${i}`, body: bodies[i] }));

function has(cmd: string): boolean {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function best(fn: () => Promise<void> | void): Promise<number> {
  await fn(); // warm-up
  let min = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

const rows: [string, number][] = [];
const dir = mkdtempSync(join(tmpdir(), 'assetport-bench-'));
try {
  let zip = Buffer.alloc(0);
  rows.push(['write package (writePackage: stringify, sha256, deflateRawSync, manifest)', await best(async () => {
    const chunks: Buffer[] = [];
    await writePackage((c) => {
      chunks.push(c);
    }, { kind: 'api_version', source, assets: assets() });
    zip = Buffer.concat(chunks);
  })]);
  rows.push(['write zip only (ZipWriter.addBuffer of the same JSON texts)', await best(async () => {
    const w = new ZipWriter(() => undefined);
    for (let i = 0; i < N; i++) await w.addBuffer(`assets/Pipeline/${ids[i]}.json`, Buffer.from(texts[i] as string));
    await w.finish();
  })]);
  const path = join(dir, 'package.zip');
  writeFileSync(path, zip);

  rows.push(['read zip: open + list + inflate + JSON.parse every entry (buffer)', await best(async () => {
    const r = await openArchive({ buffer: zip }, LIMITS);
    for (const e of r.entries) JSON.parse((await r.readBuffer(e)).toString('utf8'));
    await r.close();
  })]);
  rows.push(['read zip: same, from the file', await best(async () => {
    const r = await openArchive({ path }, LIMITS);
    for (const e of r.entries) JSON.parse((await r.readBuffer(e)).toString('utf8'));
    await r.close();
  })]);
  rows.push(['open only: central directory checks (buffer)', await best(async () => {
    await (await openArchive({ buffer: zip }, LIMITS)).close();
  })]);
  rows.push(['readPackage: + manifest schema, sha256, names, refs (buffer)', await best(async () => {
    const r = await openArchive({ buffer: zip }, LIMITS);
    await readPackage(r);
    await r.close();
  })]);

  if (has('unzip')) {
    rows.push(['unzip -p file > /dev/null (C, reference; no JSON.parse)', await best(() => {
      execSync(`unzip -p ${path} > /dev/null`);
    })]);
  }
  if (has('zip')) {
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'assets', 'Pipeline'), { recursive: true });
    for (let i = 0; i < N; i++) writeFileSync(join(tree, 'assets', 'Pipeline', `${ids[i]}.json`), texts[i] as string);
    rows.push(['zip -qr of the same entries (C, reference; files already on disk)', await best(() => {
      rmSync(join(dir, 'ref.zip'), { force: true });
      execSync(`cd ${tree} && zip -qr ${join(dir, 'ref.zip')} assets`);
    })]);
    console.log(`zip -r archive: ${(statSync(join(dir, 'ref.zip')).size / 1e6).toFixed(2)} MB`);
  }

  console.log(`${N} assets, ${(jsonBytes / 1e6).toFixed(1)} MB of JSON (avg ${(jsonBytes / N / 1000).toFixed(2)} KB), package ${(zip.length / 1e6).toFixed(2)} MB; best of ${RUNS}, Node ${process.version}`);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v.toFixed(0).padStart(6)} ms`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
