/** Small pieces of English for messages people read. */

/** "a Task", "an Account", "an application": the indefinite article a word takes. */
export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}

/** A size limit in bytes, and in MiB when it is one or more: "1048576 bytes (1 MiB)". */
export function bytesPhrase(n: number): string {
  if (n < 1024 * 1024) return `${n} bytes`;
  const mib = n / (1024 * 1024);
  return `${n} bytes (${Number.isInteger(mib) ? mib : mib.toFixed(2)} MiB)`;
}
