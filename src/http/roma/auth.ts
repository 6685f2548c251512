/**
 * ROMA authentication: `X-Auth-Token` (a project token from POST /v3/auth/tokens, or a
 * native token), or an AK/SK signature (`SDK-HMAC-SHA256`, as the official SDKs sign). A
 * project token is good for its project (org) only.
 */
import type { FastifyRequest } from 'fastify';
import { UNSIGNED_PAYLOAD, verifySdkSignature } from '../../auth/aksk-signature.js';
import type { Principal } from '../../auth/principal.js';
import type { KeyRing } from '../../secrets/key-ring.js';
import { accessKeySecret, authenticateScopedToken, noteSignatureFailure, principalById } from '../../service/credentials.js';
import type { ServiceContext } from '../../service/context.js';
import { RomaError } from './errors.js';

/** The database handle the use cases take. */
type Db = ServiceContext['db'];

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact body bytes of a JSON request (for AK/SK signatures over the body). */
    rawBody?: Buffer;
  }
}

const header = (r: FastifyRequest, name: string): string | undefined => {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The access key a signed request names (only asked once the key is known to exist). */
const accessKeyOf = (r: FastifyRequest): string | undefined => /Access=([^,\s]+)/i.exec(header(r, 'authorization') ?? '')?.[1];

export async function authenticateRoma(db: Db, keyring: KeyRing, r: FastifyRequest, projectId: string | undefined): Promise<Principal> {
  const auth = header(r, 'authorization');
  if (auth && /^SDK-HMAC-SHA256\s/i.test(auth)) return authenticateSignature(db, keyring, r);
  const token = header(r, 'x-auth-token');
  if (!token) throw new RomaError('ROMA.1000', 'The request carries no X-Auth-Token (or AK/SK signature).');
  const who = await authenticateScopedToken(db, token, { address: r.ip });
  if (!who) throw new RomaError('ROMA.1002', 'The token is unknown or has expired.');
  if (projectId !== undefined && who.orgId !== null && who.orgId !== projectId) throw new RomaError('ROMA.1006', 'The token is for another project.');
  return who.principal;
}

async function authenticateSignature(db: Db, keyring: KeyRing, r: FastifyRequest): Promise<Principal> {
  let owner: string | undefined;
  const body = r.isMultipart() ? UNSIGNED_PAYLOAD : (r.rawBody ?? Buffer.alloc(0));
  const result = await verifySdkSignature({
    method: r.method,
    url: r.url,
    headers: r.headers,
    body,
    now: new Date(),
    lookupSecret: async (ak) => {
      const k = await accessKeySecret(db, keyring, ak);
      owner = k?.userId;
      return k?.secret ?? null;
    },
  });
  if (!result.ok) {
    // Counted per address, and per access key when it exists; past the limit this throws too_many_requests.
    await noteSignatureFailure(db, { address: r.ip }, owner === undefined ? undefined : accessKeyOf(r));
    const why = { missing: 'no signature', malformed: 'a malformed signature', unknown_key: 'an unknown access key', expired: 'an X-Sdk-Date more than 15 minutes off', bad_signature: 'a signature that does not match' }[result.reason];
    throw new RomaError('ROMA.1002', `The request carries ${why}.`);
  }
  // A multipart body signed by its hash can't be checked while it streams: sign it UNSIGNED-PAYLOAD.
  if (result.payloadSha256 !== undefined) throw new RomaError('ROMA.1002', 'Sign a multipart upload with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD.');
  const p = owner ? await principalById(db, owner) : null;
  if (!p) throw new RomaError('ROMA.1002', 'The access key belongs to no active user.');
  return p;
}
