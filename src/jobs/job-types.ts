import type { JobState } from '../store/schema.js';

export type { JobState };
export const isFinished = (s: JobState): boolean => s === 'SUCCEEDED' || s === 'FAILED' || s === 'CANCELLED';

/** Why a job (or one asset of it) failed: a stable code and a sentence. */
export interface JobReason {
  code: string;
  message: string;
  resource_type?: string;
  resource_name?: string;
}

export interface JobRow {
  id: string;
  kind: string;
  state: JobState;
  asset_job: boolean;
  user_id: string | null;
  org_id: string | null;
  space_id: string | null;
  params: Record<string, unknown>;
  progress: number;
  result: unknown;
  reasons: JobReason[];
  input_blob_id: string | null;
  output_blob_id: string | null;
  archive_taken_at: Date | null;
  /** When the retention sweep removed the export's archive. */
  archive_expired_at: Date | null;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}
