/**
 * JSON from packages. `JSON.parse` creates `__proto__` as an ordinary own property, so
 * parsing alone pollutes nothing; but a later merge or spread by other code could follow
 * such a key. Package JSON therefore may not contain a `__proto__` key anywhere (also
 * not spelled with escapes, e.g. `"\u005f_proto__"`). The fast path skips the reviver
 * when the text cannot contain such a key.
 */

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export class JsonProblem extends Error {}

function forbid(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new JsonProblem('it contains a "__proto__" key, which is not allowed');
  return value;
}

/** Decodes UTF-8 (a leading BOM is dropped) and parses; throws JsonProblem with a reason. */
export function parsePackageJson(bytes: Uint8Array): unknown {
  return parsePackageJsonText(bytes).value;
}

/** The entry as text (exactly as stored in the package) and its parsed value. */
export function parsePackageJsonText(bytes: Uint8Array): { text: string; value: unknown } {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw new JsonProblem('it is not valid UTF-8');
  }
  return { text, value: parseJsonText(text) };
}

/** The text of bytes already checked by {@link parsePackageJsonText} (a leading BOM dropped). */
export const decodeCheckedText = (bytes: Uint8Array): string => UTF8.decode(bytes);

/** Parses JSON text under the same rule (no `__proto__` key); throws JsonProblem with a reason. */
export function parseJsonText(text: string): unknown {
  try {
    if (!text.includes('__proto__') && !text.includes('\\u')) return JSON.parse(text) as unknown;
    return JSON.parse(text, forbid) as unknown;
  } catch (e) {
    if (e instanceof JsonProblem) throw e;
    throw new JsonProblem(`it is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
