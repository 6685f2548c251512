/** `assetport validate` and `assetport diff`: packages on this machine, no server needed. */
import type { Command } from 'commander';
import { diffPackages, renderDiff } from '../diff.js';
import { CliError } from '../output.js';
import type { PackageReason } from '../package-file.js';
import { clientCommand, runAction } from './common.js';

export function offlineCommands(program: Command): void {
  clientCommand(program, 'validate <package>', "check a package on this machine with the server's reader and problem codes (no server needed)", [
    'assetport validate dev.zip',
    'assetport validate dev.zip --json | jq .reasons',
  ]).action(
    runAction(async (out, _opts, args) => {
      const file = args[0]!;
      // The package reader is loaded only by the commands that read packages.
      const { packageFacts, readPackageFile } = await import('../package-file.js');
      try {
        const facts = packageFacts(await readPackageFile(file));
        if (out.json) out.data(facts);
        else {
          const types = Object.entries(facts.types).map(([t, n]) => `${t} ${n}`).join(', ');
          out.line(`${file}: valid ${facts.kind} package from ${facts.source.org}/${facts.source.space}, ${facts.assets} asset${facts.assets === 1 ? '' : 's'}${types ? ` (${types})` : ''}.`);
          for (const r of facts.external_refs) out.line(`  refers to ${r.type} '${r.name}' (from ${r.from.type} '${r.from.name}'), not in the package: the target must have it`);
        }
        return 0;
      } catch (e) {
        // Each problem on standard output (with its code); the one-line error on standard error.
        const reasons = e instanceof CliError ? ((e.problem?.reasons as PackageReason[] | undefined) ?? []) : [];
        if (!out.json) for (const r of reasons) out.line(`${out.color.red(r.code)}: ${r.message}${r.resource_name ? ` (${r.resource_name})` : ''}`);
        throw e;
      }
    }),
  );

  clientCommand(program, 'diff <before> <after>', 'what changed between two packages, per asset: added, removed, changed (and which fields)', [
    'assetport diff prod-backup.zip dev.zip',
    'assetport diff old.zip new.zip --json',
  ])
    .option('--exit-code', 'exit 1 when the packages differ (like git diff --exit-code)')
    .action(
      runAction<{ json?: boolean; exitCode?: boolean }>(async (out, opts, args) => {
        const { diffAssetsOf, readPackageFile } = await import('../package-file.js');
        const [a, b] = await Promise.all([readPackageFile(args[0]!), readPackageFile(args[1]!)]);
        const d = diffPackages(diffAssetsOf(a), diffAssetsOf(b));
        const kinds = a.manifest.kind === b.manifest.kind ? undefined : { before: a.manifest.kind, after: b.manifest.kind };
        if (out.json) out.data({ ...(kinds ? { kinds } : {}), ...d });
        else {
          if (kinds) out.line(out.color.yellow(`The packages are of different kinds: ${kinds.before} and ${kinds.after}.`));
          out.line(renderDiff(d, out.color));
        }
        return opts.exitCode && d.changes.length > 0 ? 1 : 0;
      }),
    );
}
