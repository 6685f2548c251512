/**
 * The web console in a real browser: Debian's headless Chromium driven by playwright-core,
 * against `assetport serve` as it ships (bin/assetport.js, with the console built into
 * dist/console). One server, one worker process and one browser for the whole file.
 *
 * It runs in the PostgreSQL pass: the HTTP process runs without a worker (`serve
 * --no-worker`) and the jobs are run by a separate `assetport worker` process on the same
 * database, which the test starts only once the job page shows the import queued — so the
 * page is seen following the job live (queued → running → succeeded) over the event stream.
 *
 * With ASSETPORT_SCREENSHOTS=1 (`npm run screenshots`) it saves the main screens as PNG
 * under docs/screenshots/.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, request, waitJob } from '../helpers/app.js';
import { createPostgresDatabase, TEST_DB_KIND } from '../helpers/db.js';
import { fill, snapshot, SNAPLOGIC_ASSETS } from '../helpers/fixtures.js';
import { freePort, runCli, waitHealthy, type Child } from '../helpers/process.js';

const CHROMIUM = process.env.ASSETPORT_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const READY_MS = 300_000;
const WAIT_MS = 120_000;
const SHOTS = process.env.ASSETPORT_SCREENSHOTS === '1' ? join(process.cwd(), 'docs/screenshots') : undefined;
const PASSWORD = 'console-admin-pw';
const PROD_SECRET = 'prod-s3cret-value';

type J = Record<string, unknown>;

let url = '';
let token = '';
let server: Child | undefined;
let worker: Child | undefined;
let context: BrowserContext | undefined;
let db: { url: string; drop(): Promise<void> } | undefined;
let dev = '';
let prod = '';
let pkg: Buffer = Buffer.alloc(0);
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'assetport-console-'));
  dirs.push(d);
  return d;
};

const api = (method: string, path: string, json?: unknown) => request(url, method, path, { token, ...(json !== undefined ? { json } : {}) });

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate('document.activeElement?.blur()');
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
}

/** Two project spaces: dev with every SnapLogic type (and a task whose pipeline is nowhere), prod with some of them, one changed. */
async function seed(): Promise<void> {
  token = (await request<{ token: string }>(url, 'POST', '/api/v1/tokens', { json: { user: 'admin', password: PASSWORD } })).body.token;
  expect((await api('POST', '/api/v1/orgs', { name: 'acme' })).status).toBe(201);
  dev = (await api('POST', '/api/v1/orgs/acme/projects', { project_space: 'Team', name: 'dev' })).body.space_id as string;
  prod = (await api('POST', '/api/v1/orgs/acme/projects', { project_space: 'Team', name: 'prod' })).body.space_id as string;
  await fill(url, token, dev, [...SNAPLOGIC_ASSETS, { type: 'Task', name: 'nightly archive', body: { run_policy: ['scheduled'] }, refs: [{ type: 'Pipeline', name: 'archive' }] }]);
  const prodAssets = SNAPLOGIC_ASSETS.filter((a) => ['Account', 'Pipeline', 'Policy'].includes(a.type as string)).map((a) => {
    if (a.type === 'Account') return { ...a, body: { class_id: 'com.snaplogic.mysql', property_map: { info: { label: { value: 'books_db' } }, settings: { username: { value: 'prod' }, password: { value: PROD_SECRET } } } } };
    if (a.type === 'Pipeline') return { ...a, body: { snap_map: { a: { class_id: 'y' } }, link_map: {} } };
    return a;
  });
  await fill(url, token, prod, prodAssets);
  // The package to import: dev, exported through the API.
  const job = (await api('POST', `/api/v1/spaces/${dev}/exports`, {})).body.job_id as string;
  startWorker();
  const done = await waitJob(url, token, job, WAIT_MS);
  expect(done.state).toBe('SUCCEEDED');
  pkg = (await download(url, done.archive as string, token)).bytes;
  await stopWorker();
}

function startWorker(): void {
  worker = runCli(['worker'], { DATABASE_URL: db!.url, ASSETPORT_DATA_DIR: tempDir(), ASSETPORT_MASTER_KEY: 'c'.repeat(64), ASSETPORT_WORKER_POLL_MS: '100' });
}

async function stopWorker(): Promise<void> {
  if (!worker) return;
  worker.proc.kill('SIGTERM');
  await worker.exited;
  worker = undefined;
}

/** Drops a file on an element as a person dragging it from their desktop would. */
async function dropFile(page: Page, testId: string, name: string, bytes: Buffer): Promise<void> {
  const transfer = await page.evaluateHandle(
    `(() => { const b = Uint8Array.from(atob('${bytes.toString('base64')}'), (c) => c.charCodeAt(0)); const t = new DataTransfer(); t.items.add(new File([b], ${JSON.stringify(name)}, { type: 'application/zip' })); return t; })()`,
  );
  const zone = page.getByTestId(testId);
  await zone.dispatchEvent('dragover', { dataTransfer: transfer });
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: WAIT_MS }).toBe('Spaces');
}

const rowOf = (page: Page, name: string | RegExp) => page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });

/** The page is no wider than its window: nothing makes the whole page scroll sideways. */
async function fitsWidth(page: Page): Promise<boolean> {
  return (await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')) === true;
}

/** The type/name of every asset a package's manifest lists. */
function manifestNames(zip: Buffer): string[] {
  const file = join(tempDir(), 'downloaded.zip');
  writeFileSync(file, zip);
  const r = spawnSync('unzip', ['-p', file, 'manifest.json'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return (JSON.parse(r.stdout) as { assets: J[] }).assets.map((a) => `${a.type as string}/${a.name as string}`).sort();
}

describe.skipIf(TEST_DB_KIND !== 'postgres')('the web console in headless Chromium', () => {
  beforeAll(async () => {
    db = await createPostgresDatabase();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    server = runCli(['serve', '--no-worker'], { DATABASE_URL: db.url, PORT: String(port), ASSETPORT_DATA_DIR: tempDir(), ASSETPORT_MASTER_KEY: 'c'.repeat(64), ASSETPORT_ADMIN_PASSWORD: PASSWORD });
    await waitHealthy(url, READY_MS, server);
    await seed();
    context = await chromium.launchPersistentContext(tempDir(), { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, acceptDownloads: true, viewport: { width: 1280, height: 860 } });
  }, 2 * READY_MS);

  afterAll(async () => {
    await context?.close();
    await stopWorker();
    if (server) {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
    await db?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('at 1280 px: signs in, browses assets with secrets masked, plans and applies an import with live progress, sees the outcome, undoes it, exports and downloads', { timeout: 4 * WAIT_MS }, async () => {
    const page = await context!.newPage();
    const streams: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/events')) streams.push(r.url());
    });
    const before = await snapshot(url, token, prod);

    // A wrong password is refused on the page; the right one signs in.
    await page.goto(`${url}/console/`);
    await shot(page, 'sign-in');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: WAIT_MS }).toContain('Could not sign in');
    await signIn(page);
    await expect.poll(() => page.getByLabel('Organisation').inputValue()).not.toBe('');
    await shot(page, 'spaces');

    // Assets: a type filter, a search, a secret shown masked.
    await page.getByRole('link', { name: 'Team / prod', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: WAIT_MS }).toBe('Assets');
    await expect.poll(() => page.getByRole('rowheader').count(), { timeout: WAIT_MS }).toBe(3);
    await page.getByLabel('Type').selectOption('Account');
    expect(await page.getByRole('rowheader').allTextContents()).toEqual(['books_db']);
    await page.getByRole('button', { name: 'books_db' }).click();
    await expect.poll(() => page.getByLabel('Body of Account books_db').textContent()).toContain('••••••');
    await page.getByLabel('Type').selectOption('');
    await page.getByLabel('Search').fill('load');
    expect(await page.getByRole('rowheader').allTextContents()).toEqual(['Load books (v2)']);
    await page.getByLabel('Search').fill('');
    expect(await page.content()).not.toContain(PROD_SECRET);
    await page.getByLabel('Type').selectOption('Account');
    await shot(page, 'assets');

    // Import: drop the package, plan it (nothing written), then apply it.
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    await dropFile(page, 'dropzone', 'dev.zip', pkg);
    await expect.poll(() => page.getByTestId('dropzone').textContent()).toContain('dev.zip');
    await page.getByLabel('Pipeline', { exact: true }).selectOption('overwrite');
    await page.getByRole('button', { name: 'Plan import' }).click();
    const planTable = page.getByRole('table', { name: /Plan: what the import would do/ });
    await expect.poll(() => planTable.getByRole('row').count(), { timeout: WAIT_MS }).toBe(9);
    expect(await rowOf(page, 'Load books (v2)').getByText('update').count()).toBe(1);
    expect(await rowOf(page, 'books_db').getByText('keep').count()).toBe(1);
    expect(await rowOf(page, 'rate-limit').getByText('unchanged').count()).toBe(1);
    expect(await rowOf(page, 'nightly archive').textContent()).toContain('unresolved_reference');
    expect(await snapshot(url, token, prod)).toEqual(before);
    await shot(page, 'import-plan');

    await page.getByRole('button', { name: 'Apply import' }).click();
    await page.waitForURL(/\/console\/jobs\/[0-9a-f]+$/, { timeout: WAIT_MS });
    const importJob = page.url().split('/').pop()!;
    // Queued (no worker runs yet), followed live; the worker starts and the page follows the job to its end.
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Live' }).textContent(), { timeout: WAIT_MS }).toContain('queued');
    await shot(page, 'job-live');
    startWorker();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: WAIT_MS }).toContain('succeeded');
    expect(await page.getByRole('progressbar', { name: 'Progress of the import' }).getAttribute('value')).toBe('100');
    expect(streams.some((s) => s.includes(`/api/v1/jobs/${importJob}/events`))).toBe(true);
    const outcome = page.getByRole('table', { name: /Outcome: what the import did/ });
    expect(await outcome.getByRole('row').count()).toBe(9);
    expect(await rowOf(page, 'nightly archive').textContent()).toContain('disabled');
    expect(await rowOf(page, 'nightly archive').textContent()).toContain('was imported disabled');
    expect((await snapshot(url, token, prod))['Pipeline/Load books (v2)']).toEqual(expect.objectContaining({ body: (SNAPLOGIC_ASSETS[3] as J).body }));
    await shot(page, 'job-outcome');

    // Undo from the job page: the space is as it was.
    await page.getByRole('button', { name: 'Undo import…' }).click();
    await page.getByRole('button', { name: 'Undo the import' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: WAIT_MS }).toMatch(/undo job\s*succeeded/i);
    expect(await snapshot(url, token, prod)).toEqual(before);
    await page.getByRole('link', { name: 'The import job' }).click();
    await expect.poll(() => page.getByText('This import was undone by').count(), { timeout: WAIT_MS }).toBe(1);
    expect(await page.getByRole('button', { name: 'Undo import…' }).count()).toBe(0);

    // Export two chosen assets (and what they refer to) from dev; download the package.
    await page.goto(`${url}/console/spaces/${dev}/export`);
    await page.getByLabel('The assets I choose').check();
    await page.getByLabel('books', { exact: true }).check();
    await page.getByLabel('rate-limit').check();
    await shot(page, 'export');
    await page.getByRole('button', { name: 'Export 2 chosen assets' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: WAIT_MS }).toContain('succeeded');
    const [saved] = await Promise.all([page.waitForEvent('download', { timeout: WAIT_MS }), page.getByRole('button', { name: 'Download package' }).click()]);
    expect(saved.suggestedFilename()).toMatch(/\.zip$/);
    const zip = readFileSync(await saved.path());
    expect(zip.subarray(0, 4).toString('hex')).toBe('504b0304');
    // The task, the pipeline it runs and what that refers to; the policy.
    expect(manifestNames(zip)).toEqual(['Account/books_db', 'Expression/helpers.expr', 'File/mapping.csv', 'Pipeline/Load books (v2)', 'Policy/rate-limit', 'Task/books']);

    // The jobs list: kind, state, who.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Jobs' }).getByRole('row').count(), { timeout: WAIT_MS }).toBe(5);
    const kinds = await page.getByRole('table', { name: 'Jobs' }).getByRole('rowheader').allTextContents();
    expect(kinds.map((k) => k.replace(/[0-9a-f]{8}$/, ''))).toEqual(['export', 'undo', 'import', 'export']);
    await shot(page, 'jobs');

    // Signing out revokes the session's token on the server, then shows the sign-in form.
    const sessionToken = (await page.evaluate("sessionStorage.getItem('assetport.token')")) as string;
    expect((await request(url, 'GET', '/api/v1/whoami', { token: sessionToken })).status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Password').waitFor({ timeout: WAIT_MS });
    expect((await request(url, 'GET', '/api/v1/whoami', { token: sessionToken })).status).toBe(401);
    await page.close();
  });

  it('at 390 px: signs in with the keyboard, imports with a prefix through the file picker, and every screen fits the width', { timeout: 4 * WAIT_MS }, async () => {
    const page = await context!.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/console/`);
    expect(await fitsWidth(page)).toBe(true);
    // The user name field has the focus; Tab, type, Enter: no mouse needed.
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Tab');
    // The focused button shows it has the focus.
    expect(await page.evaluate("(() => { const s = getComputedStyle(document.activeElement); return document.activeElement.tagName + ':' + (s.outlineStyle !== 'none' || s.boxShadow !== 'none'); })()")).toBe('BUTTON:true');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: WAIT_MS }).toBe('Spaces');
    expect(await fitsWidth(page)).toBe(true);

    await page.getByRole('link', { name: 'Import into Team / prod' }).click();
    await page.getByLabel(/Choose a file/).setInputFiles({ name: 'dev.zip', mimeType: 'application/zip', buffer: pkg });
    await page.getByLabel('Name prefix').fill('hotfix_');
    await page.getByRole('button', { name: 'Plan import' }).click();
    const planTable = page.getByRole('table', { name: /Plan: what the import would do/ });
    await expect.poll(() => planTable.getByRole('row').count(), { timeout: WAIT_MS }).toBe(9);
    expect(await rowOf(page, /^hotfix_Load books \(v2\)/).textContent()).toContain('renamed from Load books (v2)');
    expect(await planTable.getByText('create', { exact: true }).count()).toBe(8);
    expect(await fitsWidth(page)).toBe(true);
    await shot(page, 'mobile-import-plan');

    await page.getByRole('button', { name: 'Apply import' }).click();
    await page.waitForURL(/\/console\/jobs\/[0-9a-f]+$/, { timeout: WAIT_MS });
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: WAIT_MS }).toContain('succeeded');
    expect(await page.getByRole('table', { name: /Outcome/ }).getByRole('row').count()).toBe(9);
    expect(await fitsWidth(page)).toBe(true);
    await shot(page, 'mobile-job');
    expect(Object.keys(await snapshot(url, token, prod)).filter((k) => k.includes('/hotfix_'))).toHaveLength(8);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Jobs' }).getByRole('row').count(), { timeout: WAIT_MS }).toBe(6);
    expect(await fitsWidth(page)).toBe(true);
    await page.close();
  });
});
