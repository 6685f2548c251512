/**
 * Naming a space on the command line: its id (32 hex), or its path — `org/instance`,
 * `org/api/version`, `org/project_space/project` — or that path without the org when only
 * one space you can see has it.
 */
import type { Api } from './client.js';
import { CliError } from './output.js';

export interface SpaceInfo {
  space_id: string;
  kind: 'instance' | 'api_version' | 'project';
  name: string;
  org: { id: string; name: string };
  api?: string;
  published?: boolean;
  project_space?: string;
  created_at: string;
}

/** The space's path without its org: `instance`, `api/version`, `project_space/project`. */
function localPath(s: SpaceInfo): string {
  if (s.kind === 'api_version') return `${s.api ?? ''}/${s.name}`;
  if (s.kind === 'project') return `${s.project_space ?? ''}/${s.name}`;
  return s.name;
}

/** The space's full path: `org/…`. */
export const spacePath = (s: SpaceInfo): string => `${s.org.name}/${localPath(s)}`;

const isId = (ref: string): boolean => /^[0-9a-f]{32}$/.test(ref);

/** Finds the space `ref` names among `spaces` (pure). */
export function matchSpace(spaces: readonly SpaceInfo[], ref: string): SpaceInfo {
  const byId = spaces.find((s) => s.space_id === ref);
  if (byId) return byId;
  const full = spaces.filter((s) => spacePath(s) === ref || `${s.org.id}/${localPath(s)}` === ref);
  if (full.length === 1) return full[0]!;
  const local = spaces.filter((s) => localPath(s) === ref);
  if (local.length === 1) return local[0]!;
  if (local.length > 1) throw new CliError('ambiguous_space', `'${ref}' names ${local.length} spaces (${local.map(spacePath).join(', ')}): give the org too, or the space id`);
  throw new CliError('not_found', `no space '${ref}' that you can see (assetport spaces lists them)`);
}

/** The space `ref` names, looked up on the server. */
export async function resolveSpace(api: Api, ref: string): Promise<SpaceInfo> {
  const { items } = await api.get<{ items: SpaceInfo[] }>('/spaces');
  if (isId(ref) && !items.some((s) => s.space_id === ref)) throw new CliError('not_found', `no space with id ${ref} that you can see`);
  return matchSpace(items, ref);
}
