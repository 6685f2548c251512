/**
 * Bundles what `assetport` runs on its main thread (dist/cli/main.js and all it imports,
 * dependencies included) into dist/bundle/, one module per lazily loaded part: a start then
 * reads a few files instead of some 1,500, and compiles less (whitespace and syntax
 * minified, names kept for stack traces). bin/assetport.js loads dist/bundle/main.js.
 *
 * The compiled modules stay in dist/ as they are: each bundled module still sees its own
 * place there as `import.meta.url` (rewritten below), so what it finds beside itself — the
 * migrations, the template, the console, the package format's and the embedded database's
 * threads (which load dist/ unbundled) — is where it was. Left out of the bundle: PGlite
 * (loaded on its thread only, and finds its files beside itself) and pg's optional native
 * binding. The API reference page is told where its files are (src/http/native/openapi.ts).
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

export async function bundle(dist) {
  const out = join(dist, 'bundle');
  await build({
    entryPoints: { main: join(dist, 'cli/main.js') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir: out,
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    external: ['@electric-sql/pglite', 'pg-native'],
    // The CommonJS dependencies call require() for Node's own modules.
    banner: { js: "import { createRequire as __assetportRequire } from 'node:module'; const require = __assetportRequire(import.meta.url);" },
    plugins: [
      {
        name: 'own-module-urls',
        setup(b) {
          b.onLoad({ filter: /\.js$/ }, async (args) => {
            if (relative(dist, args.path).startsWith('..')) return undefined;
            const text = await readFile(args.path, 'utf8');
            if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
            const here = `new URL(${JSON.stringify(relative(out, args.path))}, import.meta.url).href`;
            return { contents: text.replaceAll('import.meta.url', here), loader: 'js' };
          });
        },
      },
    ],
  });
}
