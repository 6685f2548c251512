-- assetport schema v1. Forward-only; applied under an advisory lock.

CREATE TABLE orgs (
  id          char(32) PRIMARY KEY,
  name        text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id             char(32) PRIMARY KEY,
  name           text NOT NULL UNIQUE,
  password_hash  text NOT NULL,
  is_admin       boolean NOT NULL DEFAULT false,
  locked         boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE org_roles (
  org_id   char(32) NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  user_id  char(32) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role     text NOT NULL CHECK (role IN ('admin', 'member')),
  PRIMARY KEY (org_id, user_id)
);

CREATE TABLE tokens (
  token_hash  char(64) PRIMARY KEY,
  user_id     char(32) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE access_keys (
  access_key  text PRIMARY KEY,
  user_id     char(32) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  secret_enc  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE apis (
  id          char(32) PRIMARY KEY,
  org_id      char(32) NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, name)
);

CREATE TABLE spaces (
  id             char(32) PRIMARY KEY,
  org_id         char(32) NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  kind           text NOT NULL CHECK (kind IN ('instance', 'api_version', 'project')),
  name           text NOT NULL,
  api_id         char(32) REFERENCES apis(id) ON DELETE CASCADE,
  project_space  text,
  published      boolean NOT NULL DEFAULT false,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'api_version') = (api_id IS NOT NULL)),
  CHECK ((kind = 'project') = (project_space IS NOT NULL))
);
CREATE UNIQUE INDEX spaces_instance_name ON spaces (org_id, name) WHERE kind = 'instance';
CREATE UNIQUE INDEX spaces_version_name ON spaces (api_id, name) WHERE kind = 'api_version';
CREATE UNIQUE INDEX spaces_project_name ON spaces (org_id, project_space, name) WHERE kind = 'project';

CREATE TABLE grants (
  space_id  char(32) NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
  user_id   char(32) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  perms     text NOT NULL CHECK (perms IN ('R', 'RW', 'RWX')),
  PRIMARY KEY (space_id, user_id)
);

CREATE TABLE assets (
  id          char(24) PRIMARY KEY,
  space_id    char(32) NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
  type        text NOT NULL,
  name        text NOT NULL,
  body        jsonb,
  content     bytea,
  refs        jsonb NOT NULL DEFAULT '[]',
  sha256      char(64) NOT NULL,
  status      text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
  revision    integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  created_by  text,
  updated_by  text,
  UNIQUE (space_id, type, name)
);

-- The state an asset had before each write (and a tombstone row for a creation), so one
-- import, or one edit, can be undone.
CREATE TABLE asset_revisions (
  id           bigserial PRIMARY KEY,
  asset_id     char(24) NOT NULL,
  space_id     char(32) NOT NULL REFERENCES spaces(id) ON DELETE CASCADE,
  job_id       char(32),
  revision     integer NOT NULL,
  existed      boolean NOT NULL,
  type         text NOT NULL,
  name         text NOT NULL,
  body         jsonb,
  content      bytea,
  refs         jsonb,
  sha256       char(64),
  status       text,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  recorded_by  text
);
CREATE INDEX asset_revisions_asset ON asset_revisions (asset_id, revision);
CREATE INDEX asset_revisions_job ON asset_revisions (job_id) WHERE job_id IS NOT NULL;

CREATE TABLE blobs (
  id          char(32) PRIMARY KEY,
  size        bigint NOT NULL DEFAULT 0,
  sha256      char(64),
  complete    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE blob_chunks (
  blob_id  char(32) NOT NULL REFERENCES blobs(id) ON DELETE CASCADE,
  seq      integer NOT NULL,
  data     bytea NOT NULL,
  PRIMARY KEY (blob_id, seq)
);

CREATE TABLE jobs (
  id                char(32) PRIMARY KEY,
  kind              text NOT NULL,
  state             text NOT NULL DEFAULT 'QUEUED'
                    CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
  asset_job         boolean NOT NULL DEFAULT false,
  user_id           char(32) REFERENCES users(id) ON DELETE SET NULL,
  org_id            char(32) REFERENCES orgs(id) ON DELETE CASCADE,
  space_id          char(32) REFERENCES spaces(id) ON DELETE SET NULL,
  params            jsonb NOT NULL DEFAULT '{}',
  progress          double precision NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
  result            jsonb,
  reasons           jsonb NOT NULL DEFAULT '[]',
  input_blob_id     char(32) REFERENCES blobs(id) ON DELETE SET NULL,
  output_blob_id    char(32) REFERENCES blobs(id) ON DELETE SET NULL,
  attempts          integer NOT NULL DEFAULT 0,
  max_attempts      integer NOT NULL DEFAULT 3,
  lease_owner       text,
  lease_expires_at  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
-- One QUEUED/RUNNING asset job per user, across every process.
CREATE UNIQUE INDEX jobs_one_active_asset_job ON jobs (user_id)
  WHERE asset_job AND state IN ('QUEUED', 'RUNNING');
CREATE INDEX jobs_claimable ON jobs (created_at) WHERE state IN ('QUEUED', 'RUNNING');
CREATE INDEX jobs_user ON jobs (user_id, created_at);

CREATE TABLE audit_events (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text,
  action      text NOT NULL,
  org_id      char(32),
  space_id    char(32),
  job_id      char(32),
  details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events (at);
