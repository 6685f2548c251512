/** docs/package-format.md stays true: every code is documented, and its example package reads. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_ERROR_CODES } from './archive-errors.js';
import { DEFAULT_ARCHIVE_LIMITS } from './archive-limits.js';
import { openArchive } from './archive-reader.js';
import { ZipWriter } from './archive-writer.js';
import { PACKAGE_PROBLEM_CODES } from './package-errors.js';
import { readPackage } from './package-reader.js';

const doc = readFileSync(new URL('../../docs/package-format.md', import.meta.url), 'utf8');

describe('docs/package-format.md', () => {
  it('documents every error code', () => {
    for (const code of [...ARCHIVE_ERROR_CODES, ...PACKAGE_PROBLEM_CODES]) expect(doc).toContain(`| \`${code}\` |`);
  });

  it('states the default limits', () => {
    expect(DEFAULT_ARCHIVE_LIMITS).toEqual({ maxEntries: 10_100, maxUnpackedBytes: 1024 ** 3, maxEntryBytes: 64 * 1024 ** 2, maxRatio: 200, maxPathBytes: 1024 });
    for (const s of ['| 10,100 (10,000 assets', '| 1 GiB |', '| 64 MiB |', '| 200 : 1 |', '| 1,024 bytes |']) expect(doc).toContain(s);
  });

  it('has an example manifest that, with the files it describes, is a valid package', async () => {
    const example = /### Example\s+```json\n([\s\S]*?)\n```/.exec(doc)?.[1];
    if (!example) throw new Error('no example manifest');
    const chunks: Buffer[] = [];
    const w = new ZipWriter((c) => {
      chunks.push(Buffer.from(c));
    });
    await w.addBuffer('manifest.json', Buffer.from(example));
    await w.addBuffer('assets/Pipeline/65b124ad2c22dd5a9d774dff.json', Buffer.from('{"name":"load orders","snap_map":{}}'));
    await w.addBuffer('assets/Task/65b124ad2c22dd5a9d774e00.json', Buffer.from('{"schedule":"0 2 * * *"}'));
    await w.addBuffer('files/65b124ad2c22dd5a9d774e01', Buffer.from('id,name\n1,widget\n'));
    await w.finish();
    const r = await openArchive({ buffer: Buffer.concat(chunks) });
    const index = await readPackage(r);
    expect(index.assets.map((a) => `${a.type}:${a.name}`)).toEqual(['Pipeline:load orders', 'Task:nightly load', 'File:mapping.csv']);
    expect(index.externalRefs.map((x) => `${x.type}:${x.name}`)).toEqual(['Account:orders db']);
    await r.close();
  });
});
