/** Spaces filled with every asset type of a side, through the native API. */
import { request } from './app.js';

type J = Record<string, unknown>;

export async function createOrgWithSpaces(url: string, token: string, org: string): Promise<{ instance: string; version: string; project: string }> {
  const call = (m: string, p: string, json?: unknown) => request(url, m, p, { token, ...(json !== undefined ? { json } : {}) });
  await call('POST', '/api/v1/orgs', { name: org });
  const instance = (await call('POST', `/api/v1/orgs/${org}/instances`, { name: 'main' })).body.space_id as string;
  await call('POST', `/api/v1/orgs/${org}/apis`, { name: 'Books' });
  const version = (await call('POST', `/api/v1/orgs/${org}/apis/Books/versions`, { name: '1.0' })).body.space_id as string;
  const project = (await call('POST', `/api/v1/orgs/${org}/projects`, { project_space: 'Team', name: 'etl' })).body.space_id as string;
  return { instance, version, project };
}

export const ROMA_ASSETS: J[] = [
  { type: 'application', name: 'orders', body: { description: 'Order processing', owner: 'team-a' } },
  { type: 'datasource', name: 'orders_db', body: { kind: 'mysql', property_map: { settings: { host: { value: 'db.internal' }, password: { value: 'ds-s3cret' } } } }, refs: [{ type: 'application', name: 'orders' }] },
  { type: 'function', name: 'normalize', body: { runtime: 'js', code: 'return x;' }, refs: [{ type: 'application', name: 'orders' }] },
  { type: 'api', name: 'get_orders', body: { method: 'GET', path: '/orders' }, refs: [{ type: 'application', name: 'orders' }, { type: 'function', name: 'normalize' }] },
  { type: 'topic', name: 'order_events', body: { partitions: 3 }, refs: [{ type: 'application', name: 'orders' }] },
  { type: 'product', name: 'orders_product', body: { tier: 'gold' }, refs: [{ type: 'application', name: 'orders' }, { type: 'api', name: 'get_orders' }] },
  { type: 'task', name: 'sync_orders', body: { schedule: '*/5 * * * *' }, refs: [{ type: 'datasource', name: 'orders_db' }], status: 'disabled' },
];

export const SNAPLOGIC_ASSETS: J[] = [
  { type: 'Account', name: 'books_db', body: { class_id: 'com.snaplogic.mysql', property_map: { info: { label: { value: 'books_db' } }, settings: { username: { value: 'app' }, password: { value: 'acc-s3cret' } } } } },
  { type: 'File', name: 'mapping.csv', content_base64: Buffer.from('id,name\n1,Dune\n2,Emma\n\u0000\u00ff').toString('base64') },
  { type: 'Expression', name: 'helpers.expr', content_base64: Buffer.from('{ upper: x => x.toUpperCase() }').toString('base64') },
  { type: 'Pipeline', name: 'Load books (v2)', body: { snap_map: { a: { class_id: 'x' } }, link_map: {} }, refs: [{ type: 'Account', name: 'books_db' }, { type: 'File', name: 'mapping.csv' }, { type: 'Expression', name: 'helpers.expr' }] },
  { type: 'Task', name: 'books', body: { run_policy: ['on_demand'] }, refs: [{ type: 'Pipeline', name: 'Load books (v2)' }] },
  { type: 'Policy', name: 'rate-limit', body: { limit: 100 } },
  { type: 'Flow', name: 'books flow', body: { steps: [1, 2, 3] }, refs: [{ type: 'Pipeline', name: 'Load books (v2)' }], status: 'disabled' },
];

export async function fill(url: string, token: string, space: string, assets: J[]): Promise<void> {
  for (const a of assets) {
    const r = await request(url, 'POST', `/api/v1/spaces/${space}/assets`, { token, json: a });
    if (r.status !== 201) throw new Error(`could not create ${String(a.type)} ${String(a.name)}: ${r.text}`);
  }
}

/** Every asset of a space with its content, keyed type/name, without ids and times. */
export async function snapshot(url: string, token: string, space: string): Promise<Record<string, J>> {
  const out: Record<string, J> = {};
  let after: string | null = null;
  do {
    const page: { body: { items: J[]; next: string | null } } = await request(url, 'GET', `/api/v1/spaces/${space}/assets?limit=1000${after ? `&after=${after}` : ''}`, { token });
    for (const a of page.body.items) {
      const entry: J = { type: a.type, name: a.name, body: a.body, refs: [...(a.refs as J[])].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))), status: a.status, sha256: a.sha256 };
      if (a.size !== undefined) {
        const r = await fetch(`${url}/api/v1/spaces/${space}/assets/${a.id as string}/content`, { headers: { authorization: `Bearer ${token}` } });
        entry.content = Buffer.from(await r.arrayBuffer()).toString('base64');
      }
      out[`${a.type as string}/${a.name as string}`] = entry;
    }
    after = page.body.next;
  } while (after);
  return out;
}
