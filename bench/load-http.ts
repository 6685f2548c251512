/**
 * The load harness's own HTTP client, made cheap because its CPU competes with the
 * service's on the same cores: node:http with kept-alive connections, each upload's
 * multipart body built before the timing starts, and event streams read as raw text.
 */
import { Agent, request, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';

const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

export interface PreparedUpload {
  body: Buffer;
  contentType: string;
}

/** The multipart/form-data body of an import of `zip` (the `package` part). */
export function prepareUpload(zip: Buffer): PreparedUpload {
  const boundary = `----load${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="package"; filename="package.zip"\r\nContent-Type: application/zip\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { body: Buffer.concat([head, zip, tail]), contentType: `multipart/form-data; boundary=${boundary}` };
}

function send(url: string, method: string, headers: Record<string, string | number>, body?: Buffer): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, resolve);
    req.on('error', reject);
    req.end(body);
  });
}

async function text(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8');
  let out = '';
  for await (const chunk of res) out += chunk as string;
  return out;
}

/** Uploads a prepared import into the space: the job id, or why not. */
export async function uploadPrepared(base: string, token: string, spaceId: string, up: PreparedUpload): Promise<{ status: number; jobId?: string; body: unknown }> {
  const res = await send(`${base}/api/v1/spaces/${spaceId}/imports`, 'POST', { authorization: `Bearer ${token}`, 'content-type': up.contentType, 'content-length': up.body.length }, up.body);
  const t = await text(res);
  const body = (t ? JSON.parse(t) : null) as { job_id?: string } | null;
  const status = res.statusCode ?? 0;
  return { status, ...(status === 202 && body?.job_id ? { jobId: body.job_id } : {}), body };
}

/**
 * Follows the job's event stream to its end (the service ends it after the `done` event,
 * so the connection is kept for the next request): the job's final state, or undefined
 * when the stream ended without one.
 */
export async function followEvents(base: string, token: string, jobId: string): Promise<string | undefined> {
  const res = await send(`${base}/api/v1/jobs/${jobId}/events`, 'GET', { authorization: `Bearer ${token}` });
  if (res.statusCode !== 200) {
    res.resume();
    return undefined;
  }
  const all = await text(res);
  const m = /event: done\ndata: (.*)\n/.exec(all);
  return m ? (JSON.parse(m[1]!) as { state: string }).state : undefined;
}
