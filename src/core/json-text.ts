/** JSON text as stored: checksums, and the checks that a value can be stored as text. */
import crypto from 'node:crypto';

/** SHA-256 in hex (strings as UTF-8), with the one-shot `crypto.hash`: no Hash object per call. */
export const sha256Hex = (data: string | Uint8Array): string => crypto.hash('sha256', data, 'hex');

/**
 * The checksum of an asset: the SHA-256 of its JSON text exactly as stored (bodies are
 * kept as the text they were written with, see migration 002), or of its raw bytes.
 */
export const assetChecksum = (asset: { body?: unknown; content?: Uint8Array | null }): string =>
  asset.content ? sha256Hex(asset.content) : sha256Hex(JSON.stringify(asset.body ?? null));

/** A string PostgreSQL can store: no NUL character, no unpaired UTF-16 surrogate. */
export function textProblem(s: string, where: string): string | null {
  if (s.includes('\u0000')) return `contains a NUL character at ${where}`;
  if (!isWellFormedText(s)) return `contains malformed Unicode (an unpaired surrogate) at ${where}`;
  return null;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isWellFormedText = (s: string): boolean => !LONE_SURROGATE.test(s);

/**
 * Checks that a JSON value can be stored (jsonb refuses NUL characters in strings) and
 * stays within sane depth. Returns a problem sentence or null.
 */
export function checkStorableJson(value: unknown, maxDepth = 64): string | null {
  const walk = (v: unknown, depth: number, path: string): string | null => {
    if (depth > maxDepth) return `nested deeper than ${maxDepth} levels at ${path}`;
    if (typeof v === 'string') return textProblem(v, path);
    if (typeof v === 'number') return Number.isFinite(v) ? null : `has a non-finite number at ${path}`;
    if (v === null || typeof v === 'boolean') return null;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const p = walk(v[i], depth + 1, `${path}[${i}]`);
        if (p) return p;
      }
      return null;
    }
    if (typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const kp = textProblem(k, `${path} (a key)`);
        if (kp) return kp;
        const p = walk(x, depth + 1, `${path}.${k}`);
        if (p) return p;
      }
      return null;
    }
    return `has a value that is not JSON at ${path}`;
  };
  return walk(value, 0, '$');
}
