/** Kysely table types, mirroring migrations/*.sql. */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = unknown> = ColumnType<T, string, string>;

export interface OrgsTable { id: string; name: string; created_at: Timestamp }
export interface UsersTable { id: string; name: string; password_hash: string; is_admin: Generated<boolean>; locked: Generated<boolean>; created_at: Timestamp }
export interface OrgRolesTable { org_id: string; user_id: string; role: 'admin' | 'member' }
export interface TokensTable { token_hash: string; user_id: string; org_id: string | null; expires_at: Timestamp; created_at: Timestamp }
export interface AccessKeysTable { access_key: string; user_id: string; secret_enc: string; created_at: Timestamp }
export interface ApisTable { id: string; org_id: string; name: string; created_at: Timestamp }
export type SpaceKind = 'instance' | 'api_version' | 'project';
export interface SpacesTable {
  id: string;
  org_id: string;
  kind: SpaceKind;
  name: string;
  api_id: string | null;
  project_space: string | null;
  published: Generated<boolean>;
  created_at: Timestamp;
}
export type Perms = 'R' | 'RW' | 'RWX';
export interface GrantsTable { space_id: string; user_id: string; perms: Perms }
export interface ApiGrantsTable { api_id: string; user_id: string; perms: Perms }
export interface AssetRefRow { type: string; name: string }
export interface AssetsTable {
  id: string;
  space_id: string;
  type: string;
  name: string;
  body: Json | null;
  content: Buffer | null;
  /** Large content: the SHA-256 of its content blob (content is then null). */
  content_blob: ColumnType<string | null, string | null | undefined, string | null>;
  refs: Json<AssetRefRow[]>;
  sha256: string;
  status: 'enabled' | 'disabled';
  revision: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  created_by: string | null;
  updated_by: string | null;
}
export interface AssetRevisionsTable {
  id: Generated<string>;
  asset_id: string;
  space_id: string;
  job_id: string | null;
  revision: number;
  existed: boolean;
  type: string;
  name: string;
  body: Json | null;
  content: Buffer | null;
  content_blob: ColumnType<string | null, string | null | undefined, string | null>;
  refs: Json<AssetRefRow[]> | null;
  sha256: string | null;
  status: string | null;
  recorded_at: Timestamp;
  recorded_by: string | null;
}
export interface BlobsTable { id: string; size: ColumnType<string, number | string | undefined, number | string>; sha256: string | null; complete: Generated<boolean>; created_at: Timestamp }
export interface BlobChunksTable { blob_id: string; seq: number; data: Buffer }
export interface ContentBlobsTable { sha256: string; size: ColumnType<string, number, number>; complete: Generated<boolean>; writer: string | null; created_at: Generated<Timestamp> }
export interface ContentBlobChunksTable { sha256: string; seq: number; data: Buffer }
export interface ContentBlobStagesTable { job_id: string; sha256: string; created_at: Generated<Timestamp> }
export type JobState = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export interface JobsTable {
  id: string;
  kind: string;
  state: Generated<JobState>;
  asset_job: Generated<boolean>;
  user_id: string | null;
  org_id: string | null;
  space_id: string | null;
  params: Json<Record<string, unknown>>;
  progress: Generated<number>;
  result: Json | null;
  reasons: Json<unknown[]>;
  input_blob_id: string | null;
  output_blob_id: string | null;
  archive_taken_at: Timestamp | null;
  archive_expired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  lease_owner: string | null;
  lease_expires_at: Timestamp | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  updated_at: Timestamp;
}
export interface AuditEventsTable {
  id: Generated<string>;
  at: Timestamp;
  actor: string | null;
  action: string;
  org_id: string | null;
  space_id: string | null;
  job_id: string | null;
  details: Json<Record<string, unknown>>;
}
export interface RateCountersTable { key: string; window_start: Timestamp; count: number }
export interface SchemaMigrationsTable { version: number; name: string; applied_at: Timestamp }

export interface DB {
  orgs: OrgsTable;
  users: UsersTable;
  org_roles: OrgRolesTable;
  tokens: TokensTable;
  access_keys: AccessKeysTable;
  apis: ApisTable;
  spaces: SpacesTable;
  grants: GrantsTable;
  api_grants: ApiGrantsTable;
  assets: AssetsTable;
  asset_revisions: AssetRevisionsTable;
  blobs: BlobsTable;
  blob_chunks: BlobChunksTable;
  content_blobs: ContentBlobsTable;
  content_blob_chunks: ContentBlobChunksTable;
  content_blob_stages: ContentBlobStagesTable;
  jobs: JobsTable;
  audit_events: AuditEventsTable;
  rate_counters: RateCountersTable;
  schema_migrations: SchemaMigrationsTable;
}
