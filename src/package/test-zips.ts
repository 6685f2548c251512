/**
 * Test helper: writes raw ZIP bytes with whatever names, flags, attributes, methods,
 * sizes and offsets a test wants — including everything a real writer would never
 * produce — so every hostile case can be forged. Not used by production code.
 */
import zlib from 'node:zlib';

export interface ForgedLocal {
  name?: string | Buffer;
  flags?: number;
  method?: number;
  crc32?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  extra?: Buffer;
}

export interface ForgedEntry {
  name: string | Buffer;
  /** Uncompressed content (default empty). */
  content?: Buffer;
  /** Compression method (default 8 for non-empty content, 0 for empty). */
  method?: number;
  /** Bytes to store as the entry's data instead of compressing `content`. */
  payload?: Buffer;
  /** General-purpose flags (default: 0x0800 when `name` is a string with non-ASCII characters, else 0). */
  flags?: number;
  crc32?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  versionMadeBy?: number;
  externalAttributes?: number;
  /** Overrides for the local header only. */
  local?: ForgedLocal;
  /** Write only a central record, pointing at the local header of entry number `sameDataAs`. */
  sameDataAs?: number;
  /** Explicit local-header offset in the central record. */
  offset?: number;
  /** Central record sizes/offset as 0xFFFFFFFF with these values in a zip64 extra field. */
  zip64?: { uncompressedSize?: bigint; compressedSize?: bigint; offset?: bigint };
  centralExtra?: Buffer;
}

export interface ForgeOptions {
  /** End-record entry count (both fields) instead of the real one. */
  entryCount?: number;
  cdOffset?: number;
  cdSize?: number;
  disk?: number;
  comment?: Buffer;
  /** Write a zip64 end record and locator; `entryCount` overrides the count there. */
  zip64End?: { entryCount?: bigint };
  /** Bytes appended after the end record. */
  trailing?: Buffer;
}

const nameBytes = (n: string | Buffer): Buffer => (typeof n === 'string' ? Buffer.from(n, 'utf8') : n);

/** An entry's header fields, its defaults applied. */
interface Resolved {
  readonly name: Buffer;
  readonly payload: Buffer;
  readonly flags: number;
  readonly method: number;
  readonly crc: number;
  readonly csize: number;
  readonly usize: number;
}

function resolve(e: ForgedEntry): Resolved {
  const content = e.content ?? Buffer.alloc(0);
  const method = e.method ?? (content.length > 0 ? 8 : 0);
  const payload = e.payload ?? (method === 8 ? zlib.deflateRawSync(content) : content);
  return {
    name: nameBytes(e.name),
    payload,
    flags: e.flags ?? (typeof e.name === 'string' && /[^\x00-\x7f]/.test(e.name) ? 0x0800 : 0),
    method,
    crc: e.crc32 ?? zlib.crc32(content),
    csize: e.compressedSize ?? payload.length,
    usize: e.uncompressedSize ?? content.length,
  };
}

export function forgeZip(entries: ForgedEntry[], opts: ForgeOptions = {}): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  const central: Buffer[] = [];
  const localOffsets: number[] = [];
  for (const e of entries) {
    const r = resolve(e);
    let offset: number;
    if (e.sameDataAs !== undefined) {
      offset = localOffsets[e.sameDataAs] ?? 0;
      localOffsets.push(offset);
    } else {
      offset = pos;
      localOffsets.push(offset);
      const local = localEntry(e, r);
      parts.push(...local);
      for (const b of local) pos += b.length;
    }
    if (e.offset !== undefined) offset = e.offset;
    central.push(...centralRecord(e, r, offset));
  }
  const cdStart = pos;
  const cd = Buffer.concat(central);
  parts.push(cd);
  pos += cd.length;
  parts.push(...endRecords(opts, entries.length, cd.length, cdStart, pos));
  return Buffer.concat(parts);
}

/** The local header, name, extra field and data of an entry. */
function localEntry(e: ForgedEntry, r: Resolved): Buffer[] {
  const l = e.local ?? {};
  const lname = l.name !== undefined ? nameBytes(l.name) : r.name;
  const lextra = l.extra ?? Buffer.alloc(0);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(l.flags ?? r.flags, 6);
  h.writeUInt16LE(l.method ?? r.method, 8);
  h.writeUInt16LE(0, 10);
  h.writeUInt16LE(0x21, 12);
  h.writeUInt32LE(l.crc32 ?? r.crc, 14);
  h.writeUInt32LE(l.compressedSize ?? (e.zip64 ? 0xffffffff : r.csize), 18);
  h.writeUInt32LE(l.uncompressedSize ?? (e.zip64 ? 0xffffffff : r.usize), 22);
  h.writeUInt16LE(lname.length, 26);
  h.writeUInt16LE(lextra.length, 28);
  return [h, lname, lextra, r.payload];
}

/** The central directory record of an entry, name and extra field (with a zip64 field when asked for). */
function centralRecord(e: ForgedEntry, r: Resolved, offset: number): Buffer[] {
  let extra = e.centralExtra ?? Buffer.alloc(0);
  let cdU = r.usize;
  let cdC = r.csize;
  let cdO = offset;
  if (e.zip64) {
    const fields: bigint[] = [];
    if (e.zip64.uncompressedSize !== undefined) {
      fields.push(e.zip64.uncompressedSize);
      cdU = 0xffffffff;
    }
    if (e.zip64.compressedSize !== undefined) {
      fields.push(e.zip64.compressedSize);
      cdC = 0xffffffff;
    }
    if (e.zip64.offset !== undefined) {
      fields.push(e.zip64.offset);
      cdO = 0xffffffff;
    }
    const z = Buffer.alloc(4 + 8 * fields.length);
    z.writeUInt16LE(0x0001, 0);
    z.writeUInt16LE(8 * fields.length, 2);
    fields.forEach((v, i) => z.writeBigUInt64LE(v, 4 + 8 * i));
    extra = Buffer.concat([z, extra]);
  }
  const c = Buffer.alloc(46);
  c.writeUInt32LE(0x02014b50, 0);
  c.writeUInt16LE(e.versionMadeBy ?? 0x031e, 4);
  c.writeUInt16LE(20, 6);
  c.writeUInt16LE(r.flags, 8);
  c.writeUInt16LE(r.method, 10);
  c.writeUInt16LE(0, 12);
  c.writeUInt16LE(0x21, 14);
  c.writeUInt32LE(r.crc, 16);
  c.writeUInt32LE(cdC, 20);
  c.writeUInt32LE(cdU, 24);
  c.writeUInt16LE(r.name.length, 28);
  c.writeUInt16LE(extra.length, 30);
  c.writeUInt16LE(0, 32);
  c.writeUInt16LE(0, 34);
  c.writeUInt16LE(0, 36);
  c.writeUInt32LE(e.externalAttributes ?? (0o100644 << 16) >>> 0, 38);
  c.writeUInt32LE(cdO, 42);
  return [c, r.name, extra];
}

/** The zip64 end record and locator (when asked for), the end record, its comment and any trailing bytes. */
function endRecords(opts: ForgeOptions, entryCount: number, cdLength: number, cdStart: number, pos: number): Buffer[] {
  const parts: Buffer[] = [];
  const count = opts.entryCount ?? entryCount;
  if (opts.zip64End) {
    const z = Buffer.alloc(56);
    z.writeUInt32LE(0x06064b50, 0);
    z.writeBigUInt64LE(44n, 4);
    z.writeUInt16LE(45, 12);
    z.writeUInt16LE(45, 14);
    const n = opts.zip64End.entryCount ?? BigInt(count);
    z.writeBigUInt64LE(n, 24);
    z.writeBigUInt64LE(n, 32);
    z.writeBigUInt64LE(BigInt(opts.cdSize ?? cdLength), 40);
    z.writeBigUInt64LE(BigInt(opts.cdOffset ?? cdStart), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(pos), 8);
    loc.writeUInt32LE(1, 16);
    parts.push(z, loc);
  }
  const comment = opts.comment ?? Buffer.alloc(0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(opts.disk ?? 0, 4);
  end.writeUInt16LE(opts.disk ?? 0, 6);
  end.writeUInt16LE(opts.zip64End ? 0xffff : Math.min(count, 0xffff), 8);
  end.writeUInt16LE(opts.zip64End ? 0xffff : Math.min(count, 0xffff), 10);
  end.writeUInt32LE(opts.zip64End ? 0xffffffff : (opts.cdSize ?? cdLength), 12);
  end.writeUInt32LE(opts.zip64End ? 0xffffffff : (opts.cdOffset ?? cdStart), 16);
  end.writeUInt16LE(comment.length, 20);
  parts.push(end, comment, opts.trailing ?? Buffer.alloc(0));
  return parts;
}

/** Raw deflate of `bytes` zero bytes, produced in chunks (never holds the uncompressed data). */
export async function deflatedZeros(bytes: number): Promise<Buffer> {
  const d = zlib.createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  d.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    d.on('end', resolve);
    d.on('error', reject);
  });
  const chunk = Buffer.alloc(Math.min(bytes, 1024 * 1024));
  for (let left = bytes; left > 0; left -= chunk.length) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (!d.write(piece)) await new Promise((r) => d.once('drain', r));
  }
  d.end();
  await done;
  return Buffer.concat(out);
}
