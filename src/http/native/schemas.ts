/**
 * Route schemas of the native API (TypeBox): what each route takes in its path, query and
 * body. Fastify validates requests against them (a value given twice where one is expected,
 * an unknown query option or body field, a wrong type: 400 `invalid_request`). Names are
 * checked by the engine's name rules, which say what is wrong in a sentence, so name fields
 * are typed here without constraints of their own.
 */
import { Type, type TSchema } from '@sinclair/typebox';

/** A value the engine validates itself (names, secrets, asset bodies). */
const Checked = (description: string) => Type.Optional(Type.Unknown({ description }));

const Id32 = Type.String({ description: '32 hex characters' });
const AssetId = Type.String({ description: 'an asset id: 24 hex characters' });

const params = (...names: string[]) => Type.Object(Object.fromEntries(names.map((n) => [n, Type.String()])), { additionalProperties: false });
const strictObject = (props: Record<string, TSchema>) => Type.Object(props, { additionalProperties: false });
const opt = <T extends TSchema>(t: T) => Type.Optional(t);

export const S = {
  /** Routes that take nothing but their path. */
  none: { querystring: strictObject({}) },

  token: { body: strictObject({ user: Checked('user name'), password: Checked('password') }) },

  org: { params: params('org') },
  createOrg: { body: strictObject({ name: Checked('the org name') }) },

  createInstance: { params: params('org'), body: strictObject({ name: Checked('the instance name') }) },
  instance: { params: params('org', 'name') },

  createApi: { params: params('org'), body: strictObject({ name: Checked('the API name') }) },
  api: { params: params('org', 'api') },
  createVersion: { params: params('org', 'api'), body: strictObject({ name: Checked('the version name'), published: opt(Type.Boolean()) }) },
  version: { params: params('org', 'api', 'version') },

  createProject: { params: params('org'), body: strictObject({ project_space: Checked('the project space'), name: Checked('the project name') }) },
  project: { params: params('org', 'project_space', 'project') },

  listSpaces: { querystring: strictObject({ org: opt(Type.String()), kind: opt(Type.String({ description: 'instance, api_version or project' })) }) },

  space: { params: params('space') },
  listAssets: {
    params: params('space'),
    querystring: strictObject({ type: opt(Type.String()), after: opt(Type.String({ description: 'the cursor of the previous page' })), limit: opt(Type.String({ description: '1 to 1000; default 100' })) }),
  },
  assetInput: {
    params: params('space'),
    body: Type.Object(
      {
        type: Checked('the asset type'),
        name: Checked('the asset name'),
        body: Checked('the asset document (JSON types)'),
        refs: Checked('references: [{type, name}]'),
        status: Checked('enabled or disabled'),
        content_base64: Checked('the content of a file asset, base64'),
        revision: Checked('the revision the update is based on'),
      },
      { additionalProperties: false },
    ),
  },
  asset: { params: params('space', 'asset') },
  revisions: {
    params: params('space', 'asset'),
    querystring: strictObject({ limit: opt(Type.String({ description: '1 to 500; default 50' })), cursor: opt(Type.String({ description: 'the `next` of the previous page' })) }),
  },
  deleteSpace: { params: params('space'), querystring: strictObject({}) },
  assetUpdate: { params: params('space', 'asset') },

  imports: {
    params: params('space'),
    querystring: strictObject({
      dry_run: opt(Type.String({ description: 'true: plan only, nothing stored or written' })),
      policy: opt(Type.String({ description: 'a policy for every type, or Type:policy pairs' })),
      prefix: opt(Type.String()),
      prefix_types: opt(Type.String()),
      create_new: opt(Type.String()),
    }),
  },
  exports: {
    params: params('space'),
    body: Type.Union([
      Type.Null(),
      strictObject({ asset_ids: opt(Type.Array(AssetId)), types: opt(Type.Array(Type.String())), with_dependencies: opt(Type.Boolean()) }),
    ]),
  },
  job: { params: Type.Object({ job: Id32 }, { additionalProperties: false }) },
  listJobs: {
    querystring: strictObject({
      space: opt(Type.String({ description: 'only jobs of this space (its id)' })),
      state: opt(Type.String({ description: 'QUEUED, RUNNING, SUCCEEDED, FAILED or CANCELLED; several separated by commas' })),
      kind: opt(Type.String({ description: 'import, export, delete, undo or migrate; several separated by commas' })),
      author: opt(Type.String({ description: 'only jobs started by this user (a user name)' })),
      limit: opt(Type.String({ description: '1 to 500; default 50' })),
      cursor: opt(Type.String({ description: 'the `next` of the previous page' })),
    }),
  },
  jobEvents: { params: Type.Object({ job: Id32 }, { additionalProperties: false }), querystring: strictObject({ interval_ms: opt(Type.String()) }) },

  createUser: { body: strictObject({ name: Checked('user name'), password: Checked('at least 8 characters'), org_roles: Checked('[{org, role}]'), admin: Checked('true for a deployment admin') }) },
  accessKeys: { params: params('user'), body: Type.Union([Type.Null(), strictObject({})]) },
  /** Lock or unlock a user: the path names the user; no body (or {}). */
  userLock: { params: params('user'), body: Type.Union([Type.Null(), strictObject({})]) },
  grant: { params: params('space'), body: strictObject({ user: Checked('user name'), perms: Checked('R, RW or RWX') }) },
  apiGrant: { params: params('org', 'api'), body: strictObject({ user: Checked('user name'), perms: Checked('R, RW or RWX') }) },
} as const;
