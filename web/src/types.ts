/** The native API's answers, as the console reads them (docs/api.md). */

export interface Org {
  id: string;
  name: string;
}

export type SpaceKind = 'instance' | 'api_version' | 'project';

export interface Space {
  space_id: string;
  kind: SpaceKind;
  name: string;
  org: { id: string; name: string };
  api?: string;
  published?: boolean;
  project_space?: string;
}

export interface Asset {
  id: string;
  space_id: string;
  type: string;
  name: string;
  body: unknown;
  refs: Array<{ type: string; name: string }>;
  status: 'enabled' | 'disabled';
  revision: number;
  size?: number;
  updated_at: string;
}

export interface AssetPage {
  items: Asset[];
  next: string | null;
}

export type Action = 'create' | 'update' | 'unchanged' | 'keep' | 'skip' | 'conflict';

export interface Warning {
  code: string;
  message: string;
  subject?: { type?: string; name?: string; source_id?: string; file?: string };
  details?: Record<string, unknown>;
}

export interface PlanItem {
  source_id: string;
  asset_id?: string | null;
  type: string;
  name: string;
  source_name?: string;
  renamed_from?: string;
  action: Action;
  status?: string;
  policy?: string;
  failed?: { status_code: number; reason: string };
  warnings: Warning[];
}

export interface Problem {
  code: string;
  message: string;
  resource_type?: string;
  resource_name?: string;
}

export interface Plan {
  ok: boolean;
  dry_run: boolean;
  space_id: string | null;
  created_space: { space_id: string | null; name: string } | null;
  policies: Record<string, string>;
  summary: Partial<Record<Action | 'disabled', number>>;
  items: PlanItem[];
  warnings: Warning[];
  problems: Problem[];
  undone_by?: string;
}

export type JobState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface Job {
  id: string;
  kind: string;
  state: JobState;
  progress: number;
  space_id: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  result: unknown;
  reasons: Problem[];
  archive: string | null;
}

export interface JobListItem {
  id: string;
  kind: string;
  state: JobState;
  progress: number;
  org_id: string | null;
  space_id: string | null;
  author: string;
  created_at: string;
  finished_at: string | null;
  summary: Record<string, number> | null;
  first_reason: { code: string; message: string } | null;
  undone_by: string | null;
}

export interface JobPage {
  items: JobListItem[];
  next: string | null;
}

export type Policy = 'fail' | 'fail-if-exists' | 'skip-as-failed' | 'keep' | 'overwrite';

export interface ImportOptions {
  policy?: Record<string, Policy>;
  prefix?: string;
  create_new?: boolean;
}

export interface ExportRequest {
  asset_ids?: string[];
  types?: string[];
  with_dependencies?: boolean;
}

const ROMA_TYPES = ['application', 'datasource', 'api', 'function', 'topic', 'product', 'task'];
const SNAPLOGIC_TYPES = ['Account', 'File', 'Pipeline', 'Task', 'Policy', 'Flow', 'Expression'];
export const typesOfSpace = (s: Space): string[] => (s.kind === 'instance' ? ROMA_TYPES : SNAPLOGIC_TYPES);

export const isFinished = (s: JobState): boolean => s === 'SUCCEEDED' || s === 'FAILED' || s === 'CANCELLED';

/** How a space is named to people: `Team / etl`, `Books 1.0`, `main`. */
export function spaceLabel(s: Space): string {
  if (s.kind === 'api_version') return `${s.api ?? ''} ${s.name}`;
  if (s.kind === 'project') return `${s.project_space ?? ''} / ${s.name}`;
  return s.name;
}

export const KIND_LABEL: Record<SpaceKind, string> = { instance: 'Instance', api_version: 'API version', project: 'Project' };
