/**
 * The official Huawei Cloud SDKs themselves against a started server: their own AK/SK
 * signer, their own multipart form, their own response parsing. Opt-in, since the SDKs
 * are not part of this project:
 *
 * - Python (`huaweicloudsdkroma`): HUAWEICLOUD_SDK_PYTHON = a checkout of
 *   huaweicloud-sdk-python-v3 (the driver puts its `huaweicloud-sdk-core` and
 *   `huaweicloud-sdk-roma` folders on the path); the interpreter is PYTHON (default
 *   `python3`) and needs the SDK core's dependencies (requests, requests-toolbelt,
 *   simplejson, pymongo's bson, defusedxml, PyYAML, six).
 * - Go (`services/roma/v2`): ROMA_GO_SDK_FLOW = the binary built from
 *   test/roma/sdk/go-sdk-flow/main.go against huaweicloud-sdk-go-v3 (docs/roma.md says how).
 *
 * Each driver exports an application and a task, downloads the archive, imports it into
 * another instance (then again, refused under AddNew), asks for an unknown job, and deletes
 * the application; the test checks what each step answered and what the server holds.
 * test/roma/roma-sdk-vectors.test.ts replays the SDKs' recorded requests byte for byte
 * and runs without them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type TestApp } from '../helpers/app.js';

type J = Record<string, unknown>;

const PYTHON_SDK = process.env.HUAWEICLOUD_SDK_PYTHON;
const GO_FLOW = process.env.ROMA_GO_SDK_FLOW;
const PYTHON_DRIVER = fileURLToPath(new URL('./sdk/python-sdk-flow.py', import.meta.url));

const drivers: Array<{ name: string; argv: string[] }> = [
  ...(PYTHON_SDK ? [{ name: 'python', argv: [process.env.PYTHON ?? 'python3', PYTHON_DRIVER] }] : []),
  ...(GO_FLOW ? [{ name: 'go', argv: [GO_FLOW] }] : []),
];

/** Runs a driver to its end; its steps, one JSON object a line. */
function runDriver(argv: string[], env: Record<string, string>): Promise<{ code: number | null; steps: Record<string, J>; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const steps: Record<string, J> = {};
      for (const line of out.split('\n').filter(Boolean)) {
        const step = JSON.parse(line) as J;
        steps[step.step as string] = step;
      }
      resolve({ code, steps, stderr });
    });
  });
}

describe.skipIf(drivers.length === 0)('the official SDKs against the ROMA door', () => {
  let s: TestApp;
  let org: string;
  let access: string;
  let secret: string;
  const admin = (method: string, path: string, json?: unknown) => request(s.url, method, path, { token: s.adminToken, ...(json !== undefined ? { json } : {}) });
  const names = async (space: string) => ((await admin('GET', `/api/v1/spaces/${space}/assets?limit=100`)).body.items as J[]).map((a) => a.name as string).sort();

  beforeAll(async () => {
    s = await startTestApp({}, { worker: true });
    org = (await admin('POST', '/api/v1/orgs', { name: 'acme' })).body.id as string;
    const k = await admin('POST', '/api/v1/users/admin/access-keys', {});
    ({ access, secret } = k.body as { access: string; secret: string });
  });
  afterAll(() => s.close());

  for (const driver of drivers) {
    it(`${driver.name}: export, archive, import (twice), unknown job, delete`, async () => {
      const dev = (await admin('POST', '/api/v1/orgs/acme/instances', { name: `${driver.name}-dev` })).body.space_id as string;
      const prod = (await admin('POST', '/api/v1/orgs/acme/instances', { name: `${driver.name}-prod` })).body.space_id as string;
      const ids: Record<string, string> = {};
      for (const [type, name, refs] of [
        ['application', 'app1', []],
        ['datasource', 'ds1', [{ type: 'application', name: 'app1' }]],
        ['datasource', 'ds2', []],
        ['task', 'task1', [{ type: 'datasource', name: 'ds2' }]],
      ] as const) {
        const r = await admin('POST', `/api/v1/spaces/${dev}/assets`, { type, name, refs, body: { about: name } });
        expect(r.status, r.text).toBe(201);
        ids[name] = r.body.id as string;
      }
      const work = mkdtempSync(join(tmpdir(), 'assetport-sdk-'));
      try {
        const run = await runDriver(driver.argv, {
          ...(PYTHON_SDK ? { HUAWEICLOUD_SDK_PYTHON: PYTHON_SDK } : {}),
          ENDPOINT: s.url,
          AK: access,
          SK: secret,
          PROJECT_ID: org,
          SOURCE_INSTANCE: dev,
          TARGET_INSTANCE: prod,
          APP_ID: ids.app1!,
          TASK_ID: ids.task1!,
          WORK_DIR: work,
        });
        expect(run.code, run.stderr).toBe(0);
        const st = run.steps;
        expect(st.export).toMatchObject({ status: 200, job_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
        expect(st.export_job).toMatchObject({ type: 'exportAsset', status: 'SUCCEEDED', progress: 1, reasons: [], archive_id: expect.stringMatching(/^[0-9a-f]+$/) });
        expect(st.archive).toMatchObject({ status: 200, bytes: expect.any(Number) });
        expect(st.archive!.bytes as number).toBeGreaterThan(22);
        expect(st.import).toMatchObject({ status: 200, job_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
        expect(st.import_job).toMatchObject({ type: 'importAsset', status: 'SUCCEEDED', progress: 1, reasons: [] });
        expect(st.import_again_job).toMatchObject({ type: 'importAsset', status: 'FAILED' });
        expect((st.import_again_job!.reasons as J[]).map((r) => `${r.resource_name as string} ${r.error_code as string}`).sort()).toEqual(['app1 ROMA.00000409', 'task1 ROMA.00000409']);
        expect(st.missing_job).toMatchObject({ answer: { status: 404, error_code: 'ROMA.00000404' } });
        expect(st.delete).toMatchObject({ status: 200 });
        expect(st.delete_job).toMatchObject({ type: 'deleteAsset', status: 'SUCCEEDED' });
        expect(await names(prod)).toEqual(['app1', 'ds1', 'ds2', 'task1']);
        expect(await names(dev)).toEqual(['ds2', 'task1']);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
});
