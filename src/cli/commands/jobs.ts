/** `assetport jobs [list|show|watch|undo|cancel|delete]`. */
import type { Command } from 'commander';
import { intOption } from '../options.js';
import { createProgress } from '../progress.js';
import { paintState, renderJob, renderJobList, type Job, type JobListItem } from '../render-jobs.js';
import { resolveSpace } from '../spaces.js';
import { clientCommand, connect, runAction, type CommonOptions } from './common.js';
import { finishedJob, followJob } from './job-output.js';

interface ListOptions extends CommonOptions {
  space?: string;
  state?: string;
  kind?: string;
  author?: string;
  limit?: string;
}

const jobId = (id: string): string => id.trim().toLowerCase();

function listCommand(jobs: Command): void {
  clientCommand(jobs, 'list', 'list the jobs you may see, newest first', [
    'assetport jobs',
    'assetport jobs list --space acme/prod --state FAILED,CANCELLED',
    'assetport jobs list --kind import --author ci --limit 5 --json',
  ], true)
    .option('--space <space>', 'only the jobs of this space')
    .option('--state <states>', 'QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED (comma-separated)')
    .option('--kind <kinds>', 'import, export, delete, undo, migrate (comma-separated)')
    .option('--author <user>', 'only the jobs this user started')
    .option('--limit <n>', 'at most this many (1–500)', '20')
    .action(
      runAction<ListOptions>(async (out, opts) => {
        const api = connect();
        const space = opts.space ? (await resolveSpace(api, opts.space)).space_id : undefined;
        const page = await api.get<{ items: JobListItem[]; next: string | null }>('/jobs', { space, state: opts.state, kind: opts.kind, author: opts.author, limit: intOption('--limit', opts.limit, 1, 500) });
        if (out.json) out.data(page);
        else out.line(renderJobList(page.items, out.color));
      }),
    );
}

function showCommands(jobs: Command): void {
  clientCommand(jobs, 'show <id>', 'show a job: its state, reasons, and what it did to each asset', ['assetport jobs show 4f1c…', 'assetport jobs show 4f1c… --all --json'])
    .option('--all', 'list unchanged assets too')
    .action(
      runAction<CommonOptions & { all?: boolean }>(async (out, opts, args) => {
        const job = await connect().get<Job>(`/jobs/${jobId(args[0]!)}`);
        if (out.json) out.data(job);
        else out.line(renderJob(job, out.color, opts.all ? { all: true } : {}));
      }),
    );

  clientCommand(jobs, 'watch <id>', "follow a job's progress until it ends; exit 1 unless it SUCCEEDED", ['assetport jobs watch 4f1c…'])
    .option('--all', 'list unchanged assets too')
    .action(
      runAction<CommonOptions & { all?: boolean }>(async (out, opts, args) => {
        const job = await followJob(connect(), jobId(args[0]!), createProgress(!out.json), 'job');
        return finishedJob(out, job, { all: opts.all === true });
      }),
    );
}

function changeCommands(jobs: Command): void {
  clientCommand(jobs, 'undo <id>', 'undo a succeeded import: what it changed goes back, what it created is removed', ['assetport jobs undo 4f1c… --wait'])
    .option('--wait', 'wait for the undo job and show how it ended; exit 1 unless it SUCCEEDED')
    .action(
      runAction<CommonOptions & { wait?: boolean }>(async (out, opts, args) => {
        const api = connect();
        const { job_id } = await api.json<{ job_id: string }>('POST', `/jobs/${jobId(args[0]!)}/undo`);
        if (!opts.wait) {
          if (out.json) out.data({ job_id });
          else out.line(`Undo job ${job_id} started (assetport jobs watch ${job_id} follows it).`);
          return 0;
        }
        return finishedJob(out, await followJob(api, job_id, createProgress(!out.json), 'undo'), {});
      }),
    );

  clientCommand(jobs, 'cancel <id>', 'cancel a job that has not started yet', ['assetport jobs cancel 4f1c…'])
    .action(
      runAction(async (out, _opts, args) => {
        const job = await connect().json<Job>('POST', `/jobs/${jobId(args[0]!)}/cancel`);
        if (out.json) out.data(job);
        else out.line(`Job ${job.id}: ${paintState(out.color, job.state)}.`);
      }),
    );

  clientCommand(jobs, 'delete <id>', 'delete a finished job and what it stored (its package, its archive)', ['assetport jobs delete 4f1c…'])
    .action(
      runAction(async (out, _opts, args) => {
        const id = jobId(args[0]!);
        await connect().json('DELETE', `/jobs/${id}`);
        if (out.json) out.data({ deleted: id });
        else out.line(`Deleted job ${id}.`);
      }),
    );
}

export function jobCommands(program: Command): void {
  const jobs = program.command('jobs').description('list, show, watch, undo, cancel and delete jobs (default: list)');
  listCommand(jobs);
  showCommands(jobs);
  changeCommands(jobs);
}
