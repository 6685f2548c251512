/**
 * An import's plan (a dry run) or result (a finished import) as a readable table, like
 * `terraform plan`: one line per asset that changes — its action, type, name (and the
 * package name a prefix changed), what else happens to it — then warnings, problems and
 * a one-line summary. Pure: text in, text out.
 */
import Table from 'cli-table3';
import type { Colors } from './output.js';

export type PlanAction = 'create' | 'update' | 'unchanged' | 'keep' | 'skip' | 'conflict';

export interface ReportWarning {
  code: string;
  message: string;
}

export interface ReportItem {
  type: string;
  name: string;
  source_name?: string;
  renamed_from?: string;
  action: PlanAction;
  policy?: string;
  status: 'enabled' | 'disabled';
  failed?: { status_code: number; reason: string };
  warnings: ReportWarning[];
}

export interface ImportReport {
  ok: boolean;
  dry_run: boolean;
  space_id: string | null;
  created_space?: { space_id: string | null; name: string } | null;
  policies: Record<string, string>;
  summary: Record<PlanAction | 'disabled', number>;
  items: ReportItem[];
  warnings: ReportWarning[];
  problems: Array<{ code: string; message: string }>;
  account_updates: Array<{ type: string; name: string; fields: string[] }>;
}

const SIGN: Record<PlanAction, string> = { create: '+', update: '~', unchanged: ' ', keep: '=', skip: '!', conflict: 'x' };

function paint(c: Colors, action: PlanAction, text: string): string {
  switch (action) {
    case 'create':
      return c.green(text);
    case 'update':
      return c.yellow(text);
    case 'conflict':
      return c.red(text);
    case 'skip':
      return c.magenta(text);
    default:
      return c.dim(text);
  }
}

/** What the NOTE column says about an item. */
function note(i: ReportItem, done: boolean): string {
  const notes: string[] = [];
  if (i.renamed_from !== undefined) notes.push(`renamed from '${i.renamed_from}'`);
  if (i.status === 'disabled' && (i.action === 'create' || i.action === 'update')) notes.push(done ? 'imported disabled' : 'would be disabled');
  if (i.failed) notes.push(i.failed.reason);
  if (i.policy !== undefined) notes.push(`policy ${i.policy}`);
  if (i.warnings.length > 0) notes.push(`${i.warnings.length} warning${i.warnings.length === 1 ? '' : 's'}`);
  return notes.join('; ');
}

/** A table without borders: columns aligned with two spaces between them. */
export function plainTable(head: string[], rows: string[][]): string {
  const t = new Table({
    head,
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  t.push(...rows);
  return t.toString().split('\n').map((l) => l.trimEnd()).join('\n');
}

export interface RenderOptions {
  color: Colors;
  /** List unchanged items too (hidden by default, like terraform). */
  all?: boolean;
}

/** Whether the report writes anything (an asset, an account's override values, a new space). */
export function hasChanges(r: ImportReport): boolean {
  return r.summary.create > 0 || r.summary.update > 0 || r.account_updates.length > 0 || Boolean(r.created_space);
}

function summaryLine(r: ImportReport, c: Colors): string {
  const s = r.summary;
  const done = !r.dry_run && r.ok;
  const parts = done
    ? [`${s.create} created`, `${s.update} updated`, `${s.unchanged} unchanged`, `${s.keep} kept`, `${s.skip} skipped`]
    : [`${s.create} to create`, `${s.update} to update`, `${s.unchanged} unchanged`, `${s.keep} to keep`, `${s.skip} to skip`];
  if (s.conflict > 0) parts.push(c.red(`${s.conflict} conflict${s.conflict === 1 ? '' : 's'}`));
  if (s.disabled > 0) parts.push(`${s.disabled} disabled`);
  const head = done ? 'Imported' : r.dry_run ? 'Plan' : 'Refused';
  return `${c.bold(`${head}:`)} ${parts.join(', ')}.`;
}

export function renderPlan(r: ImportReport, opts: RenderOptions): string {
  const c = opts.color;
  const done = !r.dry_run && r.ok;
  const shown = r.items.filter((i) => opts.all || i.action !== 'unchanged');
  const out: string[] = [];
  if (r.created_space) out.push(`${done ? 'Created' : 'Would create'} the space '${r.created_space.name}'.`, '');
  if (shown.length > 0) {
    out.push(plainTable(['', 'ACTION', 'TYPE', 'NAME', 'NOTE'], shown.map((i) => [paint(c, i.action, SIGN[i.action]), paint(c, i.action, i.action), i.type, i.name, note(i, done)])));
  } else if (r.items.length === 0) out.push('The package holds no assets.');
  const hidden = r.items.length - shown.length;
  if (hidden > 0) out.push(c.dim(`(${hidden} unchanged not shown; --all lists them)`));
  for (const u of r.account_updates) out.push(`${c.yellow('~')} ${u.type} '${u.name}': ${done ? 'set' : 'would set'} ${u.fields.join(', ')} from the account overrides`);
  if (r.warnings.length > 0) {
    out.push('', c.bold(`Warnings (${r.warnings.length}):`));
    for (const w of r.warnings) out.push(`  ${c.yellow(w.code)}: ${w.message}`);
  }
  if (r.problems.length > 0) {
    out.push('', c.bold(c.red(`Problems (${r.problems.length}) — nothing ${r.dry_run ? 'would be' : 'was'} written:`)));
    for (const p of r.problems) out.push(`  ${c.red(p.code)}: ${p.message}`);
  }
  if (r.ok && !hasChanges(r)) out.push('', r.dry_run ? 'No changes: the space already matches the package (under these policies).' : 'Nothing was changed.');
  out.push('', summaryLine(r, c));
  return out.join('\n');
}

/**
 * The exit code of `plan`: 2 when the plan can't be applied (conflicts or other problems),
 * else 0; with --detailed-exitcode, terraform's: 0 no changes, 2 changes, 1 can't be applied.
 */
export function planExitCode(r: ImportReport, detailed: boolean): number {
  if (!detailed) return r.ok ? 0 : 2;
  if (!r.ok) return 1;
  return hasChanges(r) ? 2 : 0;
}
