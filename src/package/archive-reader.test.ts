/**
 * The hardened reader against reference/hostile-archives.md, items 1–14 and 16 (item 17
 * is in package.test.ts; item 15, multipart, belongs to the HTTP layer). Every hostile
 * case is forged byte by byte with test-zips.ts and must fail with its stable code.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiveError, ARCHIVE_ERROR_CODES, type ArchiveErrorCode } from './archive-errors.js';
import type { ArchiveLimits } from './archive-limits.js';
import { openArchive, type ArchiveReader, type OpenArchiveOptions } from './archive-reader.js';
import { forgeZip, type ForgedEntry, type ForgeOptions } from './test-zips.js';

const dir = mkdtempSync(join(tmpdir(), 'assetport-archive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ArchiveError) return e.code;
    throw e;
  }
  return 'ok';
}

const open = (buf: Buffer, limits?: Partial<ArchiveLimits>, opts?: OpenArchiveOptions): Promise<ArchiveReader> =>
  openArchive({ buffer: buf }, limits, opts);

/** Opens from memory AND from a file; both must give the same code. */
async function refusedWith(buf: Buffer, code: ArchiveErrorCode, limits?: Partial<ArchiveLimits>): Promise<void> {
  expect(await codeOf(open(buf, limits))).toBe(code);
  const path = join(dir, `${Math.random().toString(36).slice(2)}.zip`);
  writeFileSync(path, buf);
  expect(await codeOf(openArchive({ path }, limits))).toBe(code);
}

/** Opens fine, then reading every entry (both paths: one call and streamed) fails with `code`. */
async function readRefusedWith(buf: Buffer, code: ArchiveErrorCode, limits?: Partial<ArchiveLimits>): Promise<void> {
  for (const streamThreshold of [undefined, 1]) {
    const r = await open(buf, limits, { streamThreshold });
    const read = async (): Promise<void> => {
      for (const e of r.entries) await r.readBuffer(e);
    };
    expect(await codeOf(read())).toBe(code);
    const viaStream = async (): Promise<void> => {
      for (const e of r.entries) for await (const _ of await r.openStream(e)) void _;
    };
    expect(await codeOf(viaStream())).toBe(code);
    await r.close();
  }
}

const one = (e: Partial<ForgedEntry> & { name: string | Buffer }, opts?: ForgeOptions): Buffer =>
  forgeZip([{ content: Buffer.from('hello'), ...e }], opts);

describe('a well-formed archive', () => {
  const entries: ForgedEntry[] = [
    { name: 'a.json', content: Buffer.from('{"a":1}'.repeat(50)) },
    { name: 'dir/', content: Buffer.alloc(0) },
    { name: 'dir/b.bin', content: randomBytes(3000), method: 0 },
    { name: 'café/ü.txt', content: Buffer.from('x') },
  ];
  const zip = forgeZip(entries);

  it('lists entries in central-directory order with their metadata', async () => {
    const r = await open(zip);
    expect(r.entries.map((e) => e.name)).toEqual(['a.json', 'dir/', 'dir/b.bin', 'café/ü.txt']);
    expect(r.entries[1]?.isDirectory).toBe(true);
    expect(r.entries[2]?.method).toBe(0);
    expect(r.entries[0]?.method).toBe(8);
    expect(r.get('dir/b.bin')?.uncompressedSize).toBe(3000);
    expect(r.get('nope')).toBeUndefined();
    expect(Object.isFrozen(r.entries)).toBe(true);
    await r.close();
  });

  it('reads the same bytes from memory and from a file, in one call and streamed', async () => {
    const path = join(dir, 'good.zip');
    writeFileSync(path, zip);
    for (const r of [await open(zip), await openArchive({ path }), await openArchive({ path }, undefined, { streamThreshold: 1 })]) {
      for (const [i, e] of r.entries.entries()) {
        const want = entries[i]?.content ?? Buffer.alloc(0);
        expect((await r.readBuffer(e)).equals(want)).toBe(true);
        const parts: Buffer[] = [];
        for await (const c of await r.openStream(e)) parts.push(c as Buffer);
        expect(Buffer.concat(parts).equals(want)).toBe(true);
      }
      await r.close();
      await expect(r.readBuffer(r.entries[0] as never)).rejects.toThrow(/closed/);
    }
  });

  it('hands out copies: changing a stored entry\'s bytes does not change the source', async () => {
    const copy = Buffer.from(zip);
    const r = await open(copy);
    const e = r.get('dir/b.bin');
    if (!e) throw new Error('missing');
    const b = await r.readBuffer(e);
    b.fill(0);
    expect((await r.readBuffer(e)).equals(entries[2]?.content as Buffer)).toBe(true);
    await r.close();
  });

  it('reads an empty file stored as "deflated" with no data', async () => {
    const r = await open(forgeZip([{ name: 'empty', method: 8, payload: Buffer.alloc(0) }]));
    expect(await r.readBuffer(r.entries[0] as never)).toEqual(Buffer.alloc(0));
    await r.close();
  });

  it('reads data-descriptor entries (sizes after the data)', async () => {
    const content = Buffer.from('streamed '.repeat(100));
    const z = forgeZip([{ name: 'dd.txt', content, flags: 0x0008, local: { crc32: 0, compressedSize: 0, uncompressedSize: 0 } }]);
    const r = await open(z);
    expect((await r.readBuffer(r.entries[0] as never)).equals(content)).toBe(true);
    await r.close();
  });
});

describe('1. traversal names', () => {
  for (const name of ['../x', 'a/../../x', '..\\..\\x', '/etc/x', 'C:/x', 'c:x', '\\\\srv\\share\\x', '//srv/share/x', 'a\\b']) {
    it(`refuses ${JSON.stringify(name)}`, async () => {
      await refusedWith(one({ name }), 'archive.unsafe_name');
    });
  }
});

describe('2. control characters, dot segments, long names, device names', () => {
  const cases: [string, string | Buffer][] = [
    ['NUL', 'a\u0000b.json'],
    ['newline', 'a\nb'],
    ['escape', 'x\u001b[31m'],
    ['DEL', 'a\u007f'],
    ['C1 control', 'a\u0085b'],
    ['bidi override', 'evil\u202egnp.exe'],
    ['"." segment', './x'],
    ['inner "." segment', 'a/./b'],
    ['empty segment', 'a//b'],
    ['only a slash', '/'],
    ['empty name', Buffer.alloc(0)],
    ['over-long name', 'x'.repeat(1025)],
    ['over-long segment', `${'y'.repeat(256)}/z`],
    ['CON', 'CON'],
    ['nul.txt', 'nul.txt'],
    ['COM1 in a folder', 'dir/COM1'],
    ['lpt9 with extension', 'a/lpt9.json'],
    ['aux folder', 'Aux/x'],
    ['COM¹', 'COM¹'],
    ['trailing dot', 'file.'],
    ['trailing space', 'file '],
  ];
  for (const [what, name] of cases) {
    it(`refuses ${what}`, async () => {
      await refusedWith(one({ name }), 'archive.unsafe_name');
    });
  }

  it('honours a lower maxPathBytes', async () => {
    await refusedWith(one({ name: 'abcdefghijk' }), 'archive.unsafe_name', { maxPathBytes: 10 });
    expect(await codeOf(open(one({ name: 'abcdefghij' }), { maxPathBytes: 10 }))).toBe('ok');
  });

  it('accepts ordinary names, including "..." inside a segment and Unicode', async () => {
    const r = await open(forgeZip(['a..b/c', 'x.y.z', '...a', 'conference.json', 'Console/x', 'expressions/café.expr'].map((name) => ({ name, content: Buffer.from('1') }))));
    expect(r.entries).toHaveLength(6);
    await r.close();
  });

  it('escapes control characters in the message and the entry field', async () => {
    const err = await open(one({ name: 'bad\u0000\n\u001b.json' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveError);
    const ae = err as ArchiveError;
    expect(ae.entry).toBe('bad\\u0000\\u000a\\u001b.json');
    expect(ae.message).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('3. symlinks and special files', () => {
  it('refuses a Unix symlink', async () => {
    await refusedWith(one({ name: 'link', content: Buffer.from('/etc/passwd'), externalAttributes: (0o120777 << 16) >>> 0 }), 'archive.symlink');
  });
  it('refuses link mode bits whatever the host system', async () => {
    await refusedWith(one({ name: 'link', versionMadeBy: 0x0014, externalAttributes: (0o120777 << 16) >>> 0 }), 'archive.symlink');
  });
  it('refuses a FIFO and a device', async () => {
    await refusedWith(one({ name: 'fifo', externalAttributes: (0o010644 << 16) >>> 0 }), 'archive.special_file');
    await refusedWith(one({ name: 'dev', externalAttributes: (0o020644 << 16) >>> 0 }), 'archive.special_file');
  });
  it('accepts regular files and folders, and DOS attributes', async () => {
    const r = await open(forgeZip([
      { name: 'f', externalAttributes: (0o100755 << 16) >>> 0 },
      { name: 'd/', externalAttributes: ((0o40755 << 16) | 0x10) >>> 0 },
      { name: 'dos', versionMadeBy: 0x0014, externalAttributes: 0x20 },
    ]));
    expect(r.entries).toHaveLength(3);
    await r.close();
  });
});

describe('4. duplicate names', () => {
  const pair = (a: string, b: string): Buffer => forgeZip([{ name: a }, { name: b }]);
  it('refuses an exact duplicate', async () => {
    await refusedWith(pair('a.json', 'a.json'), 'archive.duplicate_name');
  });
  it('refuses a case-only duplicate', async () => {
    await refusedWith(pair('assets/A.json', 'assets/a.JSON'), 'archive.duplicate_name');
  });
  it('refuses an NFC/NFD duplicate', async () => {
    await refusedWith(pair('caf\u00e9.expr', 'cafe\u0301.expr'), 'archive.duplicate_name');
  });
  it('refuses a file and a folder of the same name', async () => {
    await refusedWith(forgeZip([{ name: 'x' }, { name: 'x/' }]), 'archive.duplicate_name');
  });
});

describe('5. entries named __proto__ and constructor', () => {
  it('have no effect on any object', async () => {
    const z = forgeZip(['__proto__', 'constructor', 'prototype', '__proto__.json', 'hasOwnProperty'].map((name) => ({ name, content: Buffer.from(`{"polluted":true,"name":"${name}"}`) })));
    const r = await open(z);
    expect(r.entries.map((e) => e.name)).toEqual(['__proto__', 'constructor', 'prototype', '__proto__.json', 'hasOwnProperty']);
    const p = r.get('__proto__');
    expect(p?.name).toBe('__proto__');
    expect((await r.readBuffer(p as never)).toString()).toContain('"__proto__"');
    expect(r.get('constructor')?.name).toBe('constructor');
    expect(r.get('toString')).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    await r.close();
  });
});

describe('6. entries that inflate past (or short of) their declared size', () => {
  const big = Buffer.from('abcdefgh'.repeat(1000));
  it('refuses excess bytes on both read paths', async () => {
    await readRefusedWith(one({ name: 'x', content: big, uncompressedSize: 100, crc32: 0 }), 'archive.size_mismatch');
  });
  it('refuses short data on both read paths', async () => {
    await readRefusedWith(one({ name: 'x', content: big, uncompressedSize: big.length + 10 }), 'archive.size_mismatch');
  });
  it('refuses a wrong CRC on both read paths', async () => {
    await readRefusedWith(one({ name: 'x', content: big, crc32: 12345 }), 'archive.crc_mismatch');
    await readRefusedWith(one({ name: 'x', content: big, method: 0, crc32: 12345 }), 'archive.crc_mismatch');
  });
  it('refuses a stored entry whose two sizes differ, before reading', async () => {
    await refusedWith(one({ name: 'x', content: big, method: 0, uncompressedSize: 10 }), 'archive.size_mismatch');
  });
  it('refuses a folder that declares data', async () => {
    await refusedWith(forgeZip([{ name: 'd/', content: Buffer.from('data'), method: 0 }]), 'archive.corrupt');
  });
});

describe('7. total size over the limit', () => {
  it('refuses declared totals from the directory', async () => {
    const z = forgeZip([0, 1, 2].map((i) => ({ name: `f${i}`, content: randomBytes(4000), method: 0 })));
    await refusedWith(z, 'archive.too_large', { maxUnpackedBytes: 10_000 });
    expect(await codeOf(open(z, { maxUnpackedBytes: 12_000 }))).toBe('ok');
  });
  it('refuses one entry over the per-entry limit', async () => {
    await refusedWith(one({ name: 'x', content: randomBytes(2000), method: 0 }), 'archive.entry_too_large', { maxEntryBytes: 1000 });
  });
});

describe('8. compression ratio', () => {
  it('refuses one entry over the ratio', async () => {
    await refusedWith(one({ name: 'zeros', content: Buffer.alloc(1 << 20) }), 'archive.ratio');
  });
  it('applies a lower limit (100:1) to what the default (200:1) allows', async () => {
    // Declares 200 KiB from 1,500 bytes: ~137:1. Checked from the directory, so the payload is arbitrary.
    const z = one({ name: 'x', payload: randomBytes(1500), uncompressedSize: 200 * 1024 });
    await refusedWith(z, 'archive.ratio', { maxRatio: 100 });
    expect(await codeOf(open(z))).toBe('ok');
  });
  it('ignores the ratio of small entries but applies it to the archive as a whole', async () => {
    const small = forgeZip(Array.from({ length: 3 }, (_, i) => ({ name: `s${i}`, content: Buffer.alloc(20_000) })));
    expect(await codeOf(open(small))).toBe('ok');
    const many = forgeZip(Array.from({ length: 30 }, (_, i) => ({ name: `s${i}`, content: Buffer.alloc(60 * 1024) })));
    await refusedWith(many, 'archive.ratio');
  });
});

describe('9. overlapping entries', () => {
  it('refuses several directory records pointing at the same data', async () => {
    await refusedWith(forgeZip([{ name: 'a', content: Buffer.from('x'.repeat(100)) }, { name: 'b', sameDataAs: 0 }]), 'archive.overlap');
  });
  it('refuses an entry whose data covers the next entry (a quoted-overlap bomb)', async () => {
    const z = forgeZip([
      { name: 'a', content: Buffer.from('1'), method: 0, compressedSize: 40, uncompressedSize: 40 },
      { name: 'b', content: Buffer.from('2'), method: 0 },
    ]);
    await refusedWith(z, 'archive.overlap');
  });
  it('refuses an entry that runs into the central directory', async () => {
    await refusedWith(one({ name: 'a', content: Buffer.from('1'), method: 0, compressedSize: 60, uncompressedSize: 60 }), 'archive.overlap');
  });
  it('refuses, when reading, a local header whose extra field pushes the data into the next entry', async () => {
    const z = forgeZip([{ name: 'a', content: Buffer.from('hello'), method: 0 }, { name: 'b', content: Buffer.from('world'), method: 0 }]);
    z.writeUInt16LE(40, 28); // entry a's local extra-field length
    const r = await open(z);
    expect(await codeOf(r.readBuffer(r.entries[0] as never))).toBe('archive.overlap');
    expect((await r.readBuffer(r.entries[1] as never)).toString()).toBe('world');
    await r.close();
  });
});

describe('10. too many entries', () => {
  it('refuses from the end record, before reading any directory record', async () => {
    // The end record claims 65,535 entries; only one exists. Iterating would fail as corrupt.
    await refusedWith(one({ name: 'a' }, { entryCount: 65_535 }), 'archive.too_many_entries', { maxEntries: 10 });
  });
  it('refuses a zip64 end record claiming 2^40 entries', async () => {
    await refusedWith(one({ name: 'a' }, { zip64End: { entryCount: 1n << 40n } }), 'archive.too_many_entries');
  });
  it('refuses a real count over the limit and accepts one at it', async () => {
    const entries = (n: number): Buffer => forgeZip(Array.from({ length: n }, (_, i) => ({ name: `f${i}` })));
    await refusedWith(entries(11), 'archive.too_many_entries', { maxEntries: 10 });
    expect(await codeOf(open(entries(10), { maxEntries: 10 }))).toBe('ok');
  });
});

describe('11. nested archives', () => {
  it('are opaque bytes: never opened or listed', async () => {
    const inner = forgeZip([{ name: '../../evil', content: Buffer.from('x') }]);
    const r = await open(forgeZip([{ name: 'files/inner.zip', content: inner }]));
    expect(r.entries.map((e) => e.name)).toEqual(['files/inner.zip']);
    expect((await r.readBuffer(r.entries[0] as never)).equals(inner)).toBe(true);
    await r.close();
  });
});

describe('12. encryption and compression methods', () => {
  it('refuses traditional encryption (flag bit 0)', async () => {
    await refusedWith(one({ name: 'secret', flags: 0x0001 }), 'archive.encrypted');
  });
  it('refuses strong encryption (flag bit 6)', async () => {
    await refusedWith(one({ name: 'secret', flags: 0x0041 }), 'archive.encrypted');
  });
  it('refuses an encrypted central directory (flag bit 13)', async () => {
    await refusedWith(one({ name: 'secret', flags: 0x2000 }), 'archive.encrypted');
  });
  it('refuses AES (method 99)', async () => {
    await refusedWith(one({ name: 'secret', method: 99, payload: randomBytes(20) }), 'archive.encrypted');
  });
  for (const method of [1, 9, 12, 14, 93, 95]) {
    it(`refuses method ${method}`, async () => {
      await refusedWith(one({ name: 'x', method, payload: randomBytes(20) }), 'archive.unsupported_method');
    });
  }
});

describe('13. truncated and corrupt archives, absurd zip64 sizes', () => {
  const good = forgeZip([{ name: 'a', content: randomBytes(500) }, { name: 'b', content: randomBytes(500) }]);
  it('refuses a file cut in half', async () => {
    await refusedWith(good.subarray(0, good.length >> 1), 'archive.truncated');
  });
  it('refuses a file missing its last bytes', async () => {
    await refusedWith(good.subarray(0, good.length - 10), 'archive.truncated');
  });
  it('refuses an end record pointing at the wrong central directory offset or size', async () => {
    await refusedWith(forgeZip([{ name: 'a' }], { cdOffset: 3 }), 'archive.corrupt');
    await refusedWith(forgeZip([{ name: 'a' }], { cdSize: 10 }), 'archive.corrupt');
  });
  it('refuses bytes after the end record and a comment length that lies', async () => {
    await refusedWith(forgeZip([{ name: 'a' }], { trailing: Buffer.from('junk') }), 'archive.corrupt');
    const z = forgeZip([{ name: 'a' }], { comment: Buffer.from('hello') });
    z.writeUInt16LE(2, z.length - 5 - 2);
    await refusedWith(z, 'archive.corrupt');
  });
  it('refuses a damaged central directory record', async () => {
    const z = Buffer.from(good);
    const cd = z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    z.writeUInt32LE(0xdeadbeef, cd);
    await refusedWith(z, 'archive.corrupt');
  });
  it('refuses a central directory with unaccounted bytes', async () => {
    // Ten bytes hidden between the last directory record and the end record, covered by its size.
    const z = forgeZip([{ name: 'a' }]);
    const endAt = z.length - 22;
    const hidden = Buffer.concat([z.subarray(0, endAt), Buffer.from('0123456789'), z.subarray(endAt)]);
    hidden.writeUInt32LE(z.readUInt32LE(endAt + 12) + 10, endAt + 10 + 12);
    const err = await open(hidden).catch((e: unknown) => e);
    expect((err as ArchiveError).message).toMatch(/does not account for|do not account for/);
    await refusedWith(hidden, 'archive.corrupt');
  });
  it('refuses zip64 entries with absurd sizes', async () => {
    await refusedWith(one({ name: 'a', zip64: { uncompressedSize: 1n << 62n } }), 'archive.entry_too_large');
    await refusedWith(one({ name: 'a', zip64: { uncompressedSize: 5n, compressedSize: 1n << 50n } }), 'archive.corrupt');
    await refusedWith(one({ name: 'a', zip64: { offset: 1n << 40n } }), 'archive.corrupt');
  });
  it('refuses a zip64 end record that points outside the file', async () => {
    const z = one({ name: 'a' }, { zip64End: {} });
    z.writeBigUInt64LE(1n << 45n, z.length - 22 - 20 + 8);
    await refusedWith(z, 'archive.corrupt');
  });
  it('refuses random bytes, and random bytes behind a ZIP signature', async () => {
    await refusedWith(randomBytes(5000), 'archive.not_zip');
    await refusedWith(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), randomBytes(5000)]), 'archive.truncated');
  });
  it('refuses a split archive', async () => {
    await refusedWith(one({ name: 'a' }, { disk: 1 }), 'archive.multi_disk');
  });
  it('refuses, when reading, a local header that names another entry', async () => {
    const r = await open(one({ name: 'a.json', local: { name: 'b.json' } }));
    expect(await codeOf(r.readBuffer(r.entries[0] as never))).toBe('archive.corrupt');
    await r.close();
  });
  it('refuses, when reading, a local header whose sizes or method disagree', async () => {
    for (const local of [{ uncompressedSize: 1 }, { crc32: 7 }, { method: 0 }, { flags: 0x0001 }]) {
      const r = await open(one({ name: 'a', content: Buffer.from('x'.repeat(200)), local }));
      expect(await codeOf(r.readBuffer(r.entries[0] as never))).toBe('archive.corrupt');
      await r.close();
    }
  });
  it('refuses, when reading, an offset that points at no local header', async () => {
    const z = forgeZip([{ name: 'a', content: Buffer.from('x'.repeat(200)) }, { name: 'b', content: Buffer.from('y'.repeat(200)) }]);
    z.writeUInt32LE(0x01020304, z.indexOf(Buffer.from('PK\x03\x04', 'latin1'), 1));
    const r = await open(z);
    expect(await codeOf(r.readBuffer(r.entries[0] as never))).toBe('ok');
    expect(await codeOf(r.readBuffer(r.entries[1] as never))).toBe('archive.corrupt');
    await r.close();
  });
  it('refuses deflate data that does not decode, on both read paths', async () => {
    await readRefusedWith(one({ name: 'a', content: Buffer.from('x'.repeat(300)), payload: randomBytes(50).fill(0xff, 0, 1) }), 'archive.corrupt');
    const cut = zlib.deflateRawSync(randomBytes(3000)).subarray(0, 1000);
    await readRefusedWith(one({ name: 'a', content: randomBytes(3000), payload: cut }), 'archive.corrupt');
  });
});

describe('14. name decoding', () => {
  it('refuses bytes >= 0x80 without the UTF-8 flag (one rule, no guessing)', async () => {
    await refusedWith(one({ name: Buffer.from('caf\xe9.expr', 'latin1'), flags: 0 }), 'archive.name_encoding');
    await refusedWith(one({ name: Buffer.from('café.expr', 'utf8'), flags: 0 }), 'archive.name_encoding');
  });
  it('refuses invalid UTF-8 with the flag', async () => {
    await refusedWith(one({ name: Buffer.from([0x61, 0xc3, 0x28]), flags: 0x0800 }), 'archive.name_encoding');
    await refusedWith(one({ name: Buffer.from([0x61, 0xed, 0xa0, 0x80]), flags: 0x0800 }), 'archive.name_encoding');
  });
  it('canonicalizes UTF-8 names to NFC and finds them in either form', async () => {
    const r = await open(one({ name: 'cafe\u0301/x\u0308.expr' }));
    expect(r.entries[0]?.name).toBe('cafe\u0301/x\u0308.expr'.normalize('NFC'));
    expect(r.get('cafe\u0301/x\u0308.expr')).toBe(r.entries[0]);
    expect(r.get('caf\u00e9/x\u0308.expr')).toBe(r.entries[0]);
    expect(await r.readBuffer(r.entries[0] as never)).toEqual(Buffer.from('hello'));
    await r.close();
  });
  it('accepts plain ASCII without the flag', async () => {
    const r = await open(one({ name: 'assets/Pipeline/0123456789abcdef01234567.json', flags: 0 }));
    expect(r.entries).toHaveLength(1);
    await r.close();
  });
});

describe('16. not a ZIP at all', () => {
  const cases: [string, Buffer][] = [
    ['empty file', Buffer.alloc(0)],
    ['three bytes', Buffer.from('PK\x03', 'latin1')],
    ['text named .zip', Buffer.from('this is not a zip file, whatever the Content-Type says\n')],
    ['gzip', zlib.gzipSync(Buffer.from('hello'))],
    ['PDF', Buffer.from('%PDF-1.7\n%...')],
    ['a ZIP behind a prefix (self-extractor)', Buffer.concat([Buffer.from('MZ'), forgeZip([{ name: 'a' }])])],
    ['an empty ZIP (end record only)', forgeZip([])],
  ];
  for (const [what, buf] of cases) {
    it(`refuses ${what}`, async () => {
      await refusedWith(buf, 'archive.not_zip');
    });
  }
  it('refuses an archive whose end record counts no entries', async () => {
    await refusedWith(one({ name: 'a' }, { entryCount: 0, cdSize: 0, cdOffset: 36 }), 'archive.not_zip');
  });
});

describe('error codes', () => {
  it('are stable, unique and namespaced', () => {
    expect(new Set(ARCHIVE_ERROR_CODES).size).toBe(ARCHIVE_ERROR_CODES.length);
    for (const c of ARCHIVE_ERROR_CODES) expect(c).toMatch(/^archive\.[a-z_]+$/);
  });
});
