/**
 * The native API (/api/v1) as the console uses it: every call carries the bearer token of
 * the session; an error answer (RFC 9457 problem) becomes an ApiError with its stable code.
 */
import type { AssetPage, ExportRequest, ImportOptions, Job, JobPage, Org, Plan, Space } from './types';

const TOKEN_KEY = 'assetport.token';

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const storedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const storeToken = (token: string | null): void => (token ? sessionStorage.setItem(TOKEN_KEY, token) : sessionStorage.removeItem(TOKEN_KEY));

/** Called when the server says the token is no longer good (expired, revoked, user locked). */
let onUnauthenticated: () => void = () => undefined;
export const setUnauthenticatedHandler = (fn: () => void): void => {
  onUnauthenticated = fn;
};

async function problemOf(r: Response): Promise<ApiError> {
  try {
    const p = (await r.json()) as { code?: string; detail?: string; title?: string };
    return new ApiError(r.status, p.code ?? String(r.status), p.detail ?? p.title ?? r.statusText);
  } catch {
    return new ApiError(r.status, String(r.status), `The server answered ${r.status} ${r.statusText}.`);
  }
}

/** A call with the session's token; the answer's body when it succeeded, else an ApiError. */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const token = storedToken();
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  let r: Response;
  try {
    r = await fetch(`/api/v1${path}`, { ...init, headers });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached.');
  }
  if (r.ok) return r;
  const e = await problemOf(r);
  if (r.status === 401 && token) onUnauthenticated();
  throw e;
}

const json = async <T>(path: string, init?: RequestInit): Promise<T> => (await (await call(path, init)).json()) as T;
const post = <T>(path: string, body: unknown): Promise<T> => json<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

export const api = {
  signIn: (user: string, password: string) => post<{ token: string; expires_at: string }>('/tokens', { user, password }),
  whoami: () => json<{ user: string; id: string; admin: boolean }>('/whoami'),
  /** Revokes this session's token on the server. */
  revokeToken: () => call('/tokens/current', { method: 'DELETE' }),
  orgs: () => json<{ items: Org[] }>('/orgs'),
  spaces: (org?: string) => json<{ items: Space[] }>(`/spaces${org ? `?org=${encodeURIComponent(org)}` : ''}`),
  assets: (space: string, after: string | null) => json<AssetPage>(`/spaces/${space}/assets?limit=1000${after ? `&after=${encodeURIComponent(after)}` : ''}`),
  job: (id: string) => json<Job>(`/jobs/${id}`),
  jobs: (query: URLSearchParams) => json<JobPage>(`/jobs?${query.toString()}`),
  undo: (id: string) => post<{ job_id: string }>(`/jobs/${id}/undo`, {}),
  startExport: (space: string, body: ExportRequest) => post<{ job_id: string }>(`/spaces/${space}/exports`, body),

  /** Sends the package: a dry run answers the plan, an import the new job's id. */
  async upload(space: string, file: File, options: ImportOptions, dryRun: boolean): Promise<Plan | { job_id: string }> {
    const form = new FormData();
    form.append('package', file, file.name);
    form.append('options', new Blob([JSON.stringify(options)], { type: 'application/json' }), 'options.json');
    return json(`/spaces/${space}/imports${dryRun ? '?dry_run=true' : ''}`, { method: 'POST', body: form });
  },

  /** An export's archive as a file the browser saves. */
  async downloadArchive(job: Job): Promise<void> {
    if (!job.archive) throw new ApiError(404, 'not_found', 'This job has no archive.');
    const r = await call(job.archive.replace(/^\/api\/v1/, ''));
    const blob = await r.blob();
    const name = /filename="([^"]+)"/.exec(r.headers.get('content-disposition') ?? '')?.[1] ?? `export-${job.id}.zip`;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  },
};
