/**
 * The JSON body parser of every route: UTF-8 only, and a body holding a key `__proto__`
 * (or `constructor` with a `prototype`) is refused saying so — such keys are valid JSON,
 * but they are what prototype-poisoning attempts look like and no call takes them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError } from '../core/errors.js';

class ForbiddenKey extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

function refuseForbiddenKeys(key: string, value: unknown): unknown {
  if (key === '__proto__') throw new ForbiddenKey('__proto__');
  if (key === 'constructor' && typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, 'prototype')) throw new ForbiddenKey('constructor.prototype');
  return value;
}

/** Parses a JSON request body; throws a DomainError (or the framework's malformed-JSON error) saying what is wrong. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw Object.assign(new Error('empty JSON body'), { code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 });
  let value: unknown;
  try {
    // The reviver costs time; only bodies that could hold such a key pay it.
    value = /__proto__|constructor/.test(text) ? JSON.parse(text, refuseForbiddenKeys) : JSON.parse(text);
  } catch (e) {
    if (e instanceof ForbiddenKey) {
      throw new DomainError('invalid_request', e.key === '__proto__' ? 'The body has the key __proto__, which is not allowed in any JSON body.' : 'The body has a key constructor holding a key prototype, which is not allowed in any JSON body.', { field: e.key });
    }
    throw Object.assign(new Error('invalid JSON body'), { code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
  }
  return value;
}

const charsetOf = (request: FastifyRequest): string | undefined => /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();

export function registerJsonBodyParser(app: FastifyInstance, bodyLimit: number): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (request, body, done) => {
    const charset = charsetOf(request);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(new DomainError('unsupported_media_type', `This call takes application/json in UTF-8; the body says charset=${charset.slice(0, 40)}.`), undefined);
      return;
    }
    try {
      done(null, parseJsonBody(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}
