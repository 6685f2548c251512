/** Small pieces of English for messages people read. */

/** The indefinite article a word (a type name) takes: "an" before a vowel. */
export const articleFor = (word: string): 'a' | 'an' => (/^[aeiou]/i.test(word) ? 'an' : 'a');

/** "a Task", "an Account", "an application". */
export const withArticle = (word: string): string => `${articleFor(word)} ${word}`;

/** A size limit in bytes, and in MiB when it is one or more: "1048576 bytes (1 MiB)". */
export function bytesPhrase(n: number): string {
  if (n < 1024 * 1024) return `${n} bytes`;
  const mib = n / (1024 * 1024);
  return `${n} bytes (${Number.isInteger(mib) ? mib : mib.toFixed(2)} MiB)`;
}
