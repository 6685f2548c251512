/**
 * The assets a package reader returns: the public asset types, a JSON asset that keeps its
 * verified bytes and decodes or parses them only when asked, and a binary asset (hashed
 * when read; kept in memory when small, else streamed again and re-verified on open()).
 */
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { AssetType } from '../core/asset-types.js';
import { sha256Hex } from '../core/json-text.js';
import { displayName } from './archive-errors.js';
import type { ArchiveEntry, ArchiveReader } from './archive-reader.js';
import { decodeCheckedText, parseJsonText } from './json.js';
import type { AssetRef, AssetStatus } from './manifest.js';
import { PackageError } from './package-errors.js';

export interface PackageAssetBase {
  readonly id: string;
  readonly type: AssetType;
  readonly name: string;
  readonly status: AssetStatus;
  readonly refs: readonly AssetRef[];
  readonly sha256: string;
  readonly size: number;
  /** The archive entry holding the asset. */
  readonly path: string;
  /** False for `expressions/<name>.expr` files, which the manifest does not list (their id is derived from the name). */
  readonly listed: boolean;
}

export interface JsonPackageAsset extends PackageAssetBase {
  readonly kind: 'json';
  /** The document as text: the entry's bytes decoded (a leading byte order mark dropped), each time it is read. */
  readonly text: string;
  /** Whether `text` encodes to exactly the entry's bytes (no byte order mark was dropped), so the manifest's `sha256` is the text's. */
  readonly exact: boolean;
  /** The parsed document, parsed each time it is read. */
  readonly body: unknown;
  /** Whether the document may contain `word` (ASCII): it does, or it has a `\u` escape that could spell it. Reads no text. */
  mayContain(word: string): boolean;
}

export interface BinaryPackageAsset extends PackageAssetBase {
  readonly kind: 'binary';
  /** The bytes, when at most `inlineBinaryBytes`; otherwise undefined — use open(). */
  readonly content: Buffer | undefined;
  /** The bytes as a stream, verified again (size, CRC-32, SHA-256) while it is read. */
  open(): Promise<Readable>;
}

export type PackageAsset = JsonPackageAsset | BinaryPackageAsset;

export interface ExternalRef {
  readonly from: { readonly id: string; readonly type: AssetType; readonly name: string };
  readonly type: AssetType;
  readonly name: string;
}

/**
 * A JSON asset that keeps its verified bytes: `text` decodes them and `body` parses that
 * text, each time it is asked for (a dry run never needs either).
 */
export class LazyJsonAsset implements JsonPackageAsset {
  readonly kind = 'json' as const;
  readonly id: string;
  readonly type: AssetType;
  readonly name: string;
  readonly status: AssetStatus;
  readonly refs: readonly AssetRef[];
  readonly sha256: string;
  readonly size: number;
  readonly path: string;
  readonly listed: boolean;
  readonly #bytes: Uint8Array;

  constructor(
    base: PackageAssetBase,
    bytes: Uint8Array,
    readonly exact: boolean,
  ) {
    this.id = base.id;
    this.type = base.type;
    this.name = base.name;
    this.status = base.status;
    this.refs = base.refs;
    this.sha256 = base.sha256;
    this.size = base.size;
    this.path = base.path;
    this.listed = base.listed;
    this.#bytes = bytes;
  }

  get text(): string {
    return decodeCheckedText(this.#bytes);
  }

  get body(): unknown {
    return parseJsonText(this.text);
  }

  mayContain(word: string): boolean {
    const b = Buffer.from(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.byteLength);
    return b.includes(word) || b.includes('\\u');
  }
}

/** Hashes a binary entry; keeps its bytes only when small. */
export async function readBinary(reader: ArchiveReader, e: ArchiveEntry, inline: number): Promise<{ sha256: string; content: Buffer | undefined }> {
  if (e.uncompressedSize <= inline) {
    const content = await reader.readBuffer(e);
    return { sha256: sha256Hex(content), content };
  }
  const h = createHash('sha256');
  for await (const chunk of await reader.openStream(e)) h.update(chunk as Buffer);
  return { sha256: h.digest('hex'), content: undefined };
}

export function binaryAsset(reader: ArchiveReader, e: ArchiveEntry, base: PackageAssetBase, content: Buffer | undefined): BinaryPackageAsset {
  return Object.freeze({
    ...base,
    kind: 'binary' as const,
    content,
    async open(): Promise<Readable> {
      if (content) return Readable.from([content], { objectMode: false });
      return (await reader.openStream(e)).pipe(new Sha256Check(base.sha256, e.name));
    },
  });
}

/** Passes bytes through and errors at the end if their SHA-256 is not the expected one. */
class Sha256Check extends Transform {
  private readonly h = createHash('sha256');
  constructor(
    private readonly expected: string,
    private readonly entry: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.h.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    if (this.h.digest('hex') === this.expected) cb();
    else cb(new PackageError([{ code: 'package.checksum_mismatch', message: `The SHA-256 of "${displayName(this.entry)}" changed while reading.`, entry: displayName(this.entry) }]));
  }
}
