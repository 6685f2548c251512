/**
 * Receives a multipart upload: file parts are streamed straight into blobs (hashed,
 * counted, capped, ZIP signature checked) and small JSON parts are parsed; anything not
 * expected is refused. If anything fails — a limit, a bad part, a client that goes away
 * mid-upload — every blob written so far is removed before the error is thrown.
 */
import type { FastifyRequest } from 'fastify';
import '@fastify/multipart';
import type { Kysely } from 'kysely';
import { DomainError } from '../core/errors.js';
import type { DB } from '../store/schema.js';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobTooLargeError, deleteBlob, writeBlob, type BlobWriteOptions } from '../store/blobs.js';
import { bytesPhrase } from '../core/phrases.js';
import { UploadWatch, type RateFloor } from './upload-watch.js';

const ZIP_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export type PartSpec =
  /** A ZIP, stored as a blob (for a job, on any worker), or in a private temp file (`local`, read in this request). */
  | { kind: 'zip'; maxBytes: number; local?: boolean }
  | { kind: 'json'; maxBytes: number };

export interface UploadSpec {
  /** Expected parts by name; a part may come as a file or a plain field (JSON parts). */
  parts: Record<string, PartSpec>;
  /** Below this rate the upload is cut off (SlowUploadError, 408). */
  minRate?: RateFloor;
}

export interface UploadedZip {
  fileName: string | undefined;
  size: number;
  /** Set when stored as a blob. */
  blobId?: string;
  /** Set when kept in a local temp file. */
  path?: string;
  /** Set when kept in memory (small local uploads). */
  buffer?: Buffer;
}

export interface ReceivedUpload {
  zips: Record<string, UploadedZip>;
  json: Record<string, unknown>;
  /** Removes the blobs (when the caller does not hand them to a job) and the local files. */
  discard(): Promise<void>;
  /** Removes the local temp files only (blobs now belong to a job). */
  discardLocal(): Promise<void>;
}

class NotZipError extends DomainError {
  constructor(part: string) {
    super('invalid_package', `The '${part}' part is not a ZIP archive (it does not start with the ZIP signature PK\\x03\\x04).`, { part, problem_code: 'archive.not_zip' });
  }
}

async function readSmall(stream: AsyncIterable<Buffer>, max: number, part: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of stream) {
    n += c.length;
    if (n > max) throw new DomainError('payload_too_large', `The '${part}' part is larger than the limit of ${bytesPhrase(max)}.`, { part, limit: max });
    parts.push(c);
  }
  return Buffer.concat(parts);
}

function parseJsonPart(text: string, part: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DomainError('invalid_request', `The '${part}' part is not valid JSON.`, { field: part });
  }
}

/** Local uploads up to this size stay in memory; larger ones go to a private temp file. */
const LOCAL_IN_MEMORY_BYTES = 32 * 1024 * 1024;

/**
 * Receives a part for use in this request, with the same checks as a blob (size cap, head
 * check): in memory while small, spilled to a private file (mode 0600) past the threshold.
 */
async function receiveLocal(source: AsyncIterable<Buffer>, newPath: () => Promise<string>, opts: BlobWriteOptions): Promise<{ size: number; buffer?: Buffer; path?: string }> {
  let size = 0;
  let head: Buffer | null = Buffer.alloc(0);
  let held: Buffer[] = [];
  let out: ReturnType<typeof createWriteStream> | undefined;
  let path: string | undefined;
  try {
    for await (const c of source) {
      size += c.length;
      if (size > opts.maxBytes) throw new BlobTooLargeError(opts.maxBytes);
      if (head) {
        head = Buffer.concat([head, c]);
        if (head.length >= (opts.headBytes ?? 4)) {
          opts.checkHead?.(head);
          head = null;
        }
      }
      if (!out && size > LOCAL_IN_MEMORY_BYTES) {
        path = await newPath();
        out = createWriteStream(path, { mode: 0o600 });
        for (const h of held) if (!out.write(h)) await once(out, 'drain');
        held = [];
      }
      if (out) {
        if (!out.write(c)) await once(out, 'drain');
      } else held.push(c);
    }
    if (head) opts.checkHead?.(head);
  } finally {
    if (out) {
      out.end();
      await once(out, 'close');
    }
  }
  return path ? { size, path } : { size, buffer: Buffer.concat(held, size) };
}

export async function receiveUpload(request: FastifyRequest, db: Kysely<DB>, spec: UploadSpec): Promise<ReceivedUpload> {
  if (!request.isMultipart()) throw new DomainError('unsupported_media_type', `This call takes multipart/form-data with the parts ${Object.keys(spec.parts).join(', ')}; the request's Content-Type is ${request.headers['content-type'] ? `'${request.headers['content-type'].slice(0, 80)}'` : 'missing'}.`);
  const watch = new UploadWatch(request.raw, spec.minRate ?? { minBytesPerSecond: 0, windowMs: 1000 });
  const zips: Record<string, UploadedZip> = {};
  const json: Record<string, unknown> = {};
  const seen = new Set<string>();
  let tmp: string | undefined;
  const discard = async () => {
    for (const z of Object.values(zips)) if (z.blobId) await deleteBlob(db, z.blobId).catch(() => undefined);
    if (tmp) await rm(tmp, { recursive: true, force: true });
  };
  try {
    for await (const part of watch.read(request.parts())) {
      const name = part.fieldname;
      const s = Object.prototype.hasOwnProperty.call(spec.parts, name) ? spec.parts[name] : undefined;
      if (!s) {
        if (part.type === 'file') part.file.resume();
        throw new DomainError('invalid_request', `Unexpected part '${name}'; this call takes ${Object.keys(spec.parts).join(', ')}.`, { field: name });
      }
      if (seen.has(name)) {
        if (part.type === 'file') part.file.resume();
        throw new DomainError('invalid_request', `The part '${name}' is given twice.`, { field: name });
      }
      seen.add(name);
      if (s!.kind === 'zip') {
        if (part.type !== 'file') throw new DomainError('invalid_request', `The '${name}' part must be a file.`, { field: name });
        const opts = { maxBytes: s!.maxBytes, headBytes: 4, checkHead: (head: Buffer) => {
          if (head.length < 4 || !head.subarray(0, 4).equals(ZIP_SIGNATURE)) throw new NotZipError(name);
        } };
        if (s!.local) {
          const newPath = async () => {
            tmp ??= await mkdtemp(join(tmpdir(), 'assetport-upload-'));
            return join(tmp, `${name}.zip`);
          };
          zips[name] = { fileName: part.filename, ...(await receiveLocal(watch.read(part.file), newPath, opts)) };
        } else {
          const info = await writeBlob(db, watch.read(part.file), opts);
          zips[name] = { fileName: part.filename, size: info.size, blobId: info.id };
        }
        if (part.file.truncated) throw new DomainError('payload_too_large', `The '${name}' part is larger than the limit of ${bytesPhrase(s!.maxBytes)}.`, { part: name, limit: s!.maxBytes });
      } else {
        const text = part.type === 'file' ? (await readSmall(watch.read(part.file), s!.maxBytes, name)).toString('utf8') : String(part.value);
        if ((part.type === 'file' && part.file.truncated) || (part.type === 'field' && part.valueTruncated)) {
          throw new DomainError('payload_too_large', `The '${name}' part is larger than allowed.`, { part: name });
        }
        if (Buffer.byteLength(text) > s!.maxBytes) throw new DomainError('payload_too_large', `The '${name}' part is larger than the limit of ${bytesPhrase(s!.maxBytes)}.`, { part: name, limit: s!.maxBytes });
        json[name] = parseJsonPart(text, name);
      }
    }
  } catch (e) {
    await discard();
    throw e;
  } finally {
    watch.stop();
  }
  return { zips, json, discard, discardLocal: async () => (tmp ? rm(tmp, { recursive: true, force: true }) : undefined) };
}
