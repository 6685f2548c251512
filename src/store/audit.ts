import type { Kysely } from 'kysely';
import type { DB } from './schema.js';

export interface AuditEvent {
  actor: string | null;
  action: string;
  org_id?: string | null;
  space_id?: string | null;
  job_id?: string | null;
  details?: Record<string, unknown>;
}

export const recordAudit = (db: Kysely<DB>, e: AuditEvent): Promise<unknown> =>
  db
    .insertInto('audit_events')
    .values({ actor: e.actor, action: e.action, org_id: e.org_id ?? null, space_id: e.space_id ?? null, job_id: e.job_id ?? null, details: JSON.stringify(e.details ?? {}) })
    .execute();
