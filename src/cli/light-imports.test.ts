/**
 * The client commands must start fast: what src/cli/main.ts loads up front (its static
 * imports, followed through every module) holds nothing of the server — no Fastify, no
 * database driver, no store, HTTP, jobs or service module. Those are loaded by dynamic
 * import() when a service command runs.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;

function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      if (spec!.startsWith('.')) visit(join(dirname(file), spec!).replace(/\.js$/, '.ts'));
      else if (!spec!.startsWith('node:')) packages.add(spec!.startsWith('@') ? spec!.split('/').slice(0, 2).join('/') : spec!.split('/')[0]!);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the assetport command', () => {
  it('loads none of the server up front', () => {
    const { files, packages } = staticGraph(join(src, 'cli/main.ts'));
    const modules = [...files].map((f) => relative(src, f));
    expect(modules).toContain('cli/commands/transfer.ts');
    expect(modules.filter((m) => /^(server|logger)\.ts$|^(http|store|jobs|service|auth|secrets|config)\//.test(m) || m === 'cli/server-commands.ts')).toEqual([]);
    expect([...packages].filter((p) => ['fastify', '@electric-sql/pglite', 'pg', 'kysely', 'pino', '@fastify/multipart'].includes(p))).toEqual([]);
  });
});
