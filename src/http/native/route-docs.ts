/**
 * What the API reference (/docs, /openapi.json) says of each native route beyond its
 * schema: a summary, a group, and the answer it gives on success. Keyed by method and
 * path as Fastify registers them; a route missing here is caught by the reference's test.
 */
type Tag = 'tokens' | 'orgs' | 'spaces' | 'assets' | 'imports and exports' | 'jobs' | 'users and grants';

export interface RouteDoc {
  summary: string;
  tag: Tag;
  /** The status of a successful answer and what it carries. */
  ok: [status: number, what: string];
  description?: string;
}

const job = 'the job: `{id, kind, state, progress, space_id, attempts, created_at, started_at, finished_at, result, reasons, archive}`';

export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'POST /api/v1/tokens': { summary: 'Get a token for a user name and password', tag: 'tokens', ok: [201, '`{token, expires_at}`'], description: 'The only call that needs no credentials.' },
  'DELETE /api/v1/tokens/current': { summary: 'Revoke the Bearer token of this call (log out)', tag: 'tokens', ok: [204, 'no body'] },
  'GET /api/v1/whoami': { summary: 'Who the credentials belong to', tag: 'tokens', ok: [200, '`{user, id, admin}`'] },

  'POST /api/v1/orgs': { summary: 'Create an org (deployment admin)', tag: 'orgs', ok: [201, 'the org: `{id, name, created_at}`'] },
  'GET /api/v1/orgs': { summary: 'The orgs you may see', tag: 'orgs', ok: [200, '`{items: [org]}`'] },
  'GET /api/v1/orgs/:org': { summary: 'One org, by id (32 hex) or name', tag: 'orgs', ok: [200, 'the org'] },

  'POST /api/v1/orgs/:org/instances': { summary: 'Create an instance (org admin)', tag: 'spaces', ok: [201, 'the space: `{id, space_id, name, kind, org, created_at}`'] },
  'GET /api/v1/orgs/:org/instances': { summary: 'The instances of an org you may see', tag: 'spaces', ok: [200, '`{items: [space]}`'] },
  'GET /api/v1/orgs/:org/instances/:name': { summary: 'One instance', tag: 'spaces', ok: [200, 'the space'] },
  'POST /api/v1/orgs/:org/apis': { summary: 'Create an API (org admin)', tag: 'spaces', ok: [201, '`{id, name, org, versions: [], created_at}`'] },
  'GET /api/v1/orgs/:org/apis/:api': { summary: 'An API with the versions you may see', tag: 'spaces', ok: [200, '`{id, name, org, versions, created_at}`'] },
  'POST /api/v1/orgs/:org/apis/:api/versions': { summary: 'Create a version of an API (org admin); unpublished unless asked', tag: 'spaces', ok: [201, 'the space: `{space_id, name, published, api, kind, org, created_at}`'] },
  'GET /api/v1/orgs/:org/apis/:api/versions/:version': { summary: 'One API version', tag: 'spaces', ok: [200, 'the space'] },
  'POST /api/v1/orgs/:org/apis/:api/grants': { summary: 'Grant a user R, RW or RWX on an API and all its versions (org admin)', tag: 'users and grants', ok: [201, '`{org, api, user, perms}`'] },
  'POST /api/v1/orgs/:org/projects': { summary: 'Create a project (org admin)', tag: 'spaces', ok: [201, 'the space: `{space_id, project_space, name, kind, org, created_at}`'] },
  'GET /api/v1/orgs/:org/projects/:project_space/:project': { summary: 'One project', tag: 'spaces', ok: [200, 'the space'] },
  'GET /api/v1/spaces': { summary: 'The spaces you may see, by org and kind', tag: 'spaces', ok: [200, '`{items: [space]}`'] },
  'DELETE /api/v1/spaces/:space': {
    summary: 'Delete an empty space (org admin)',
    tag: 'spaces',
    ok: [204, 'deleted'],
    description: 'A space that holds assets is refused with 409 `space_not_empty`, one with a job queued or running on it with 409 `conflict`. Its grants and the history of the assets it once held go with it; its jobs stay.',
  },

  'GET /api/v1/spaces/:space/assets': { summary: 'A page of the assets of a space, by type then name', tag: 'assets', ok: [200, '`{items: [asset], next}`: pass `next` as `after` for the next page'] },
  'POST /api/v1/spaces/:space/assets': { summary: 'Create an asset', tag: 'assets', ok: [201, 'the asset, secrets masked'] },
  'GET /api/v1/spaces/:space/assets/:asset': { summary: 'One asset, secrets masked', tag: 'assets', ok: [200, 'the asset: `{id, space_id, type, name, body, refs, status, revision, sha256, size?, created_at, updated_at}`'] },
  'GET /api/v1/spaces/:space/assets/:asset/content': { summary: 'The bytes of a File or Expression asset', tag: 'assets', ok: [200, 'the content (application/octet-stream)'] },
  'GET /api/v1/spaces/:space/assets/:asset/revisions': {
    summary: 'The revisions of an asset, newest first',
    tag: 'assets',
    ok: [200, '`{asset_id, space_id, deleted, items: [revision], next}`: pass `next` as `cursor` for the next page'],
    description:
      'The current state first (unless the asset was deleted), then every state it had before a write, secrets masked. Each revision: `{revision, current, type, name, status, refs, body, sha256, size?, replaced_at, replaced_by, replaced_by_job}`.',
  },
  'PUT /api/v1/spaces/:space/assets/:asset': { summary: 'Change an asset (optionally only at a given revision)', tag: 'assets', ok: [200, 'the asset, its revision + 1'] },
  'DELETE /api/v1/spaces/:space/assets/:asset': { summary: 'Delete an asset (its last state is kept as a revision)', tag: 'assets', ok: [204, 'deleted'] },

  'POST /api/v1/spaces/:space/imports': { summary: 'Import a package, or plan it (dry run)', tag: 'imports and exports', ok: [202, '`{job_id}` (a dry run: 200 with the plan)'] },
  'POST /api/v1/spaces/:space/exports': { summary: 'Export assets of a space as a package', tag: 'imports and exports', ok: [202, '`{job_id}`'] },

  'GET /api/v1/jobs': {
    summary: 'The jobs you may see, newest first',
    tag: 'jobs',
    ok: [200, '`{items: [job], next}`: pass `next` as `cursor` for the next page'],
    description:
      'Your own jobs, the jobs of spaces you can read, and those of orgs you administer (all for a deployment admin). Each item: `{id, kind, state, progress, org_id, space_id, author, attempts, created_at, started_at, finished_at, summary, first_reason, undone_by, href}` — never the job\'s parameters, result or archive.',
  },
  'GET /api/v1/jobs/:job': { summary: 'One job', tag: 'jobs', ok: [200, job] },
  'DELETE /api/v1/jobs/:job': {
    summary: 'Delete a finished job with its stored package and archive',
    tag: 'jobs',
    ok: [204, 'deleted'],
    description: 'For the user who started it, whoever may write its space, and admins. A QUEUED or RUNNING job is refused with 409 `job_not_finished`. A deleted import can no longer be undone.',
  },
  'GET /api/v1/jobs/:job/archive': { summary: 'The ZIP an export made', tag: 'jobs', ok: [200, 'the package (application/zip)'] },
  'POST /api/v1/jobs/:job/cancel': { summary: 'Cancel a job that has not started', tag: 'jobs', ok: [200, job] },
  'POST /api/v1/jobs/:job/undo': { summary: 'Undo a succeeded import', tag: 'jobs', ok: [202, '`{job_id}` of the undo job'] },
  'GET /api/v1/jobs/:job/events': { summary: 'Live progress as Server-Sent Events', tag: 'jobs', ok: [200, 'text/event-stream: `state`, `progress`, then `done` with the job'] },

  'POST /api/v1/users': { summary: 'Create a user (admins)', tag: 'users and grants', ok: [201, '`{id, name, admin, org_roles}`'] },
  'POST /api/v1/users/:user/lock': { summary: 'Lock a user (deployment admin)', tag: 'users and grants', ok: [200, '`{user, locked: true, revoked_tokens}`'] },
  'POST /api/v1/users/:user/unlock': { summary: 'Unlock a user (deployment admin)', tag: 'users and grants', ok: [200, '`{user, locked: false, revoked_tokens: 0}`'] },
  'POST /api/v1/users/:user/access-keys': { summary: 'Create an access key (AK/SK) for the ROMA door', tag: 'users and grants', ok: [201, 'the key and its secret, shown once'] },
  'POST /api/v1/spaces/:space/grants': { summary: 'Grant a user R, RW or RWX on a space', tag: 'users and grants', ok: [201, '`{space_id, user, perms}`'] },
};
