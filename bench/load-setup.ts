/**
 * What the load and chaos harnesses share: orgs with a user each (an org admin: a user may
 * have one asset job at a time, so the load comes from many users), spaces to import into,
 * small packages, and checks of the outcome straight in the database.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import pg from 'pg';
import { newId32 } from '../src/core/ids.js';
import { buildPackage } from '../test/helpers/packages.js';
import { BENCH_ADMIN } from './server-process.js';

export interface Tenant {
  org: string;
  orgId: string;
  user: string;
  token: string;
}

/** A stored password hashed with the least work the verifier accepts (setting up 100 users with full hashes would take ~40 s of CPU). */
function cheapHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 1 << 10, r: 8, p: 1 });
  return `scrypt$${1 << 10}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

async function api<T = Record<string, unknown>>(base: string, method: string, path: string, token: string | undefined, json?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: json !== undefined ? JSON.stringify(json) : undefined,
  });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
}

const must = <T>(r: { status: number; body: T }, what: string): T => {
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

/** `count` orgs, each with a user who administers it (made in the database with a cheap hash, then logged in through `base`). */
export async function makeTenants(base: string, databaseUrl: string, count: number): Promise<Tenant[]> {
  const admin = must(await api<{ token: string }>(base, 'POST', '/api/v1/tokens', undefined, BENCH_ADMIN), 'admin login').token;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tenants: Tenant[] = [];
    for (let i = 0; i < count; i++) {
      const org = `org${i}`;
      const orgId = must(await api<{ id: string }>(base, 'POST', '/api/v1/orgs', admin, { name: org }), 'create org').id;
      const user = `user${i}`;
      const userId = newId32();
      const password = `pw-${randomBytes(8).toString('hex')}`;
      await client.query('INSERT INTO users (id, name, password_hash) VALUES ($1, $2, $3)', [userId, user, cheapHash(password)]);
      await client.query("INSERT INTO org_roles (org_id, user_id, role) VALUES ($1, $2, 'admin')", [orgId, userId]);
      const token = must(await api<{ token: string }>(base, 'POST', '/api/v1/tokens', undefined, { user, password }), 'user login').token;
      tenants.push({ org, orgId, user, token });
    }
    return tenants;
  } finally {
    await client.end();
  }
}

/** A new instance space in the tenant's org. */
export async function makeSpace(base: string, t: Tenant, name: string): Promise<string> {
  return must(await api<{ space_id: string }>(base, 'POST', `/api/v1/orgs/${t.org}/instances`, t.token, { name }), 'create space').space_id;
}

/** A package of `n` functions with names no other package has; the names come back with it. */
export async function smallPackage(n: number): Promise<{ zip: Buffer; names: string[] }> {
  const tag = randomBytes(5).toString('hex');
  const names = Array.from({ length: n }, (_, i) => `f-${tag}-${i}`);
  const zip = await buildPackage(
    'instance',
    names.map((name, i) => ({ type: 'function' as const, name, body: { i, tag } })),
  );
  return { zip, names };
}

/** Uploads a package as an import into the space: the job id, or why not. */
export async function upload(base: string, token: string, spaceId: string, zip: Buffer): Promise<{ status: number; jobId?: string; body: unknown }> {
  const form = new FormData();
  form.append('package', new Blob([zip], { type: 'application/zip' }), 'package.zip');
  const r = await fetch(`${base}/api/v1/spaces/${spaceId}/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await r.text();
  const body = (text ? JSON.parse(text) : null) as { job_id?: string } | null;
  return { status: r.status, ...(r.status === 202 && body?.job_id ? { jobId: body.job_id } : {}), body };
}

/** Follows the job's event stream to its `done` event; the job's final state (undefined: the stream broke first). */
export async function followJob(base: string, token: string, jobId: string, onFirstEvent?: () => void): Promise<string | undefined> {
  const r = await fetch(`${base}/api/v1/jobs/${jobId}/events`, { headers: { authorization: `Bearer ${token}` } });
  if (r.status !== 200 || !r.body) return undefined;
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of r.body) {
    if (!text) onFirstEvent?.();
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    const m = /event: done\ndata: (.*)\n/.exec(text);
    if (m) return (JSON.parse(m[1]!) as { state: string }).state;
  }
  return undefined;
}

/** The names of the assets in each of the spaces, from the database. */
export async function spaceContents(databaseUrl: string, spaceIds: string[]): Promise<Map<string, Set<string>>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const r = await client.query<{ space_id: string; name: string }>('SELECT space_id, name FROM assets WHERE space_id = ANY($1)', [spaceIds]);
    const out = new Map<string, Set<string>>(spaceIds.map((s) => [s, new Set()]));
    for (const row of r.rows) out.get(row.space_id)!.add(row.name);
    return out;
  } finally {
    await client.end();
  }
}

export interface JobOutcome {
  id: string;
  state: string;
  attempts: number;
  /** From its (last) claim to its end, as the database's clock saw it. */
  run_ms: number;
}

export async function jobOutcomes(databaseUrl: string, ids: string[]): Promise<Map<string, JobOutcome>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const r = await client.query<JobOutcome>('SELECT id, state, attempts, extract(epoch FROM finished_at - started_at) * 1000 AS run_ms FROM jobs WHERE id = ANY($1)', [ids]);
    return new Map(r.rows.map((j) => [j.id, { ...j, attempts: Number(j.attempts), run_ms: Number(j.run_ms) }]));
  } finally {
    await client.end();
  }
}

export const percentile = (sorted: number[], q: number): number => Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0);
