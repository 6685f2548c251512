-- Large file contents, stored once per content (keyed by SHA-256) as chunks and written
-- before the import's transaction in small transactions of their own; assets and
-- revisions refer to them. Small contents stay in assets.content.
CREATE TABLE content_blobs (
  sha256      char(64) PRIMARY KEY,
  size        bigint NOT NULL,
  complete    boolean NOT NULL DEFAULT false,
  -- The job writing it while incomplete; another job takes over only once that one stopped.
  writer      char(32),
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE content_blob_chunks (
  sha256  char(64) NOT NULL REFERENCES content_blobs(sha256) ON DELETE CASCADE,
  seq     integer NOT NULL,
  data    bytea NOT NULL,
  PRIMARY KEY (sha256, seq)
);
-- File bytes rarely compress: don't try.
ALTER TABLE content_blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Which job staged which content: a staged blob is kept while its job may still use it.
CREATE TABLE content_blob_stages (
  job_id      char(32) NOT NULL,
  sha256      char(64) NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, sha256)
);
CREATE INDEX content_blob_stages_sha256 ON content_blob_stages (sha256);

ALTER TABLE assets ADD COLUMN content_blob char(64) REFERENCES content_blobs(sha256);
ALTER TABLE asset_revisions ADD COLUMN content_blob char(64) REFERENCES content_blobs(sha256);
CREATE INDEX assets_content_blob ON assets (content_blob) WHERE content_blob IS NOT NULL;
CREATE INDEX asset_revisions_content_blob ON asset_revisions (content_blob) WHERE content_blob IS NOT NULL;
