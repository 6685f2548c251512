/** `assetport export`, `assetport plan` and `assetport import`. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import type { Api, UploadPart } from '../client.js';
import { collect, importQuery, readAccountsFile, requireFile, splitList, type ImportFlags } from '../options.js';
import { CliError, usageError, type Output } from '../output.js';
import { createProgress } from '../progress.js';
import { planExitCode, renderPlan, type ImportReport } from '../render-plan.js';
import { resolveSpace, spacePath, type SpaceInfo } from '../spaces.js';
import { clientCommand, connect, runAction, type CommonOptions } from './common.js';
import { finishedJob, followJob } from './job-output.js';

interface ExportOptions extends CommonOptions {
  types?: string[];
  assets?: string[];
  withDependencies?: boolean;
  output: string;
}

interface ImportOptions extends CommonOptions, ImportFlags {
  to: string;
  all?: boolean;
  detailedExitcode?: boolean;
  wait?: boolean;
}

/** `--assets` values as asset ids: an id as it is, `Type:name` looked up in the space. */
async function assetIds(api: Api, space: SpaceInfo, refs: string[]): Promise<string[] | undefined> {
  if (refs.length === 0) return undefined;
  const named = refs.filter((r) => !/^[0-9a-f]{24}$/.test(r));
  if (named.length === 0) return refs;
  const all = await api.all<{ id: string; type: string; name: string }>(`/spaces/${space.space_id}/assets`, { limit: 1000 }, 'after');
  return refs.map((r) => {
    if (/^[0-9a-f]{24}$/.test(r)) return r;
    const i = r.indexOf(':');
    if (i < 1) throw usageError(`--assets: '${r}' must be an asset id or Type:name`);
    const hit = all.find((a) => a.type === r.slice(0, i) && a.name === r.slice(i + 1));
    if (!hit) throw new CliError('not_found', `--assets: no ${r.slice(0, i)} named '${r.slice(i + 1)}' in ${spacePath(space)}`);
    return hit.id;
  });
}

async function exportAction(out: Output, opts: ExportOptions, args: string[]): Promise<number> {
  const api = connect();
  const space = await resolveSpace(api, args[0]!);
  const types = splitList(opts.types);
  const ids = await assetIds(api, space, splitList(opts.assets));
  const started = await api.json<{ job_id: string }>('POST', `/spaces/${space.space_id}/exports`, {
    ...(ids ? { asset_ids: ids } : {}),
    ...(types.length > 0 ? { types } : {}),
    ...(opts.withDependencies ? { with_dependencies: true } : {}),
  });
  const progress = createProgress(!out.json);
  const job = await followJob(api, started.job_id, progress, 'export');
  if (job.state !== 'SUCCEEDED') return finishedJob(out, job, {});
  let phased = false;
  const file = await api.download(`/jobs/${job.id}/archive`, opts.output, (got, total) => {
    if (!phased && total > 0) progress.phase('download', total, 'bytes');
    phased = true;
    progress.update(got);
  });
  progress.stop();
  const result = (job.result ?? {}) as { asset_count?: number; missing_dependencies?: unknown[] };
  if (out.json) out.data({ job_id: job.id, space_id: space.space_id, file: opts.output, bytes: file.bytes, sha256: file.sha256, asset_count: result.asset_count ?? null });
  else out.line(`Exported ${result.asset_count ?? '?'} asset${result.asset_count === 1 ? '' : 's'} from ${spacePath(space)} to ${opts.output} (${file.bytes} bytes, sha256 ${file.sha256}).`);
  return 0;
}

/** The upload of an import or a plan: the package, and the account overrides when given. */
function uploadParts(pkg: string, opts: ImportOptions): UploadPart[] {
  const accounts = readAccountsFile(opts.accounts);
  return [...(accounts !== undefined ? [{ name: 'accounts', json: accounts }] : []), { name: 'package', file: requireFile(pkg) }];
}

async function planAction(out: Output, opts: ImportOptions, args: string[]): Promise<number> {
  const pkg = args[0]!;
  const query = importQuery(opts, true);
  const parts = uploadParts(pkg, opts);
  const api = connect();
  const space = await resolveSpace(api, opts.to);
  const report = await api.upload<ImportReport>(`/spaces/${space.space_id}/imports`, query, parts);
  if (out.json) out.data(report);
  else {
    out.line(`Plan for ${basename(pkg)} → ${spacePath(space)}:`);
    out.line('');
    out.line(renderPlan(report, { color: out.color, ...(opts.all ? { all: true } : {}) }));
  }
  return planExitCode(report, opts.detailedExitcode === true);
}

async function importAction(out: Output, opts: ImportOptions, args: string[]): Promise<number> {
  const pkg = args[0]!;
  const query = importQuery(opts, false);
  const parts = uploadParts(pkg, opts);
  const api = connect();
  const space = await resolveSpace(api, opts.to);
  const progress = createProgress(opts.wait === true && !out.json);
  let started = false;
  const { job_id } = await api.upload<{ job_id: string }>(`/spaces/${space.space_id}/imports`, query, parts, (sent, total) => {
    if (!started) progress.phase('upload', total, 'bytes');
    started = true;
    progress.update(sent);
  });
  if (!opts.wait) {
    progress.stop();
    if (out.json) out.data({ job_id, space_id: space.space_id });
    else out.line(`Import job ${job_id} started into ${spacePath(space)} (assetport jobs watch ${job_id} follows it).`);
    return 0;
  }
  const job = await followJob(api, job_id, progress, 'import');
  return finishedJob(out, job, { all: opts.all === true });
}

function importOptions(c: Command): Command {
  return c
    .requiredOption('--to <space>', 'the target space: its id, or org/instance, org/api/version, org/project_space/project')
    .option('--policy <Type=policy>', 'conflict policy: one for every type (overwrite), or per type (Pipeline=overwrite); repeatable, or comma-separated', collect)
    .option('--prefix <text>', 'put this in front of the names of the types --prefix-types names (default: application and task on an instance, every type elsewhere)')
    .option('--prefix-types <types>', 'the types the prefix applies to (comma-separated)', collect)
    .option('--create-new', 'import into a new numbered sibling of the target space')
    .option('--accounts <file>', 'account overrides: the package\'s accounts_template.json with plain-text values')
    .option('--all', 'list unchanged assets too');
}

export function transferCommands(program: Command): void {
  clientCommand(program, 'export <space>', 'export assets of a space as a package ZIP', [
    'assetport export acme/dev -o dev.zip',
    'assetport export acme/orders/1.0 --types Pipeline,Task --with-dependencies -o pipelines.zip',
    'assetport export acme/dev --assets application:orders --with-dependencies -o orders.zip',
  ])
    .requiredOption('-o, --output <file>', 'where to write the package')
    .option('--types <types>', 'only these asset types (comma-separated, repeatable)', collect)
    .option('--assets <ids>', 'only these assets: ids or Type:name (comma-separated, repeatable)', collect)
    .option('--with-dependencies', 'also everything the selected assets refer to')
    .action(runAction<ExportOptions>(exportAction));

  importOptions(
    clientCommand(program, 'plan <package>', 'show what importing a package would change (a dry run: nothing is written)', [
      'assetport plan dev.zip --to acme/prod',
      'assetport plan dev.zip --to acme/prod --policy datasource=overwrite --prefix v2_',
      'assetport plan dev.zip --to acme/prod --detailed-exitcode   # 0 no changes, 2 changes, 1 error',
    ]),
  )
    .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when something would, 1 on an error or a plan that can\'t be applied')
    .addHelpText('after', '\nExit codes: 0 the plan can be applied, 2 it can\'t (conflicts or other problems), 1 an error.\n')
    .action(runAction<ImportOptions>(planAction));

  importOptions(
    clientCommand(program, 'import <package>', 'import a package into a space (as a job; all or nothing)', [
      'assetport import dev.zip --to acme/prod --wait',
      'assetport import dev.zip --to acme/prod --policy Account=overwrite --accounts accounts.json --wait',
      'assetport import dev.zip --to acme/orders/1.0 --create-new --json',
    ]),
  )
    .option('--wait', 'wait for the job: progress (upload, then the job), then what it did; exit 1 unless it SUCCEEDED')
    .action(runAction<ImportOptions>(importAction));
}
