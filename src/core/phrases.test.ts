import { describe, expect, it } from 'vitest';
import { bytesPhrase, withArticle } from './phrases.js';

describe('phrases', () => {
  it('puts the right article before a type name', () => {
    expect(['application', 'Account', 'api', 'Expression', 'Task', 'datasource', 'File', 'Pipeline', 'Policy', 'topic', 'function', 'product', 'Flow'].map(withArticle)).toEqual([
      'an application', 'an Account', 'an api', 'an Expression', 'a Task', 'a datasource', 'a File', 'a Pipeline', 'a Policy', 'a topic', 'a function', 'a product', 'a Flow',
    ]);
  });

  it('gives a limit in bytes, and in MiB from one MiB up', () => {
    expect(bytesPhrase(1000)).toBe('1000 bytes');
    expect(bytesPhrase(1024 * 1024)).toBe('1048576 bytes (1 MiB)');
    expect(bytesPhrase(256 * 1024 * 1024)).toBe('268435456 bytes (256 MiB)');
    expect(bytesPhrase(1536 * 1024)).toBe('1572864 bytes (1.50 MiB)');
  });
});
