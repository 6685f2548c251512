/** Multipart forms and ZIPs as SnapLogic clients send them. */
import { ZipWriter } from '../../src/package/archive-writer.js';

/** A ZIP of the given entries, in that order. */
export async function zipOf(entries: Array<[string, string]>): Promise<Buffer> {
  const parts: Buffer[] = [];
  const zw = new ZipWriter((c: Buffer) => void parts.push(Buffer.from(c)));
  for (const [name, text] of entries) await zw.addBuffer(name, Buffer.from(text));
  await zw.finish();
  return Buffer.concat(parts);
}

/** A multipart body: `file` and `file_expr` as ZIP files, `file_account` as a JSON file. */
export function form(parts: Record<string, Buffer | string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(parts)) f.append(k, new Blob([v]), k === 'file_account' ? 'accounts.json' : `${k}.zip`);
  return f;
}
