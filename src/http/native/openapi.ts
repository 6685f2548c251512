/**
 * The native API's reference: an OpenAPI 3.1 document generated from the route schemas
 * (`GET /openapi.json`) and an interactive page over it (`GET /docs`), both served without
 * credentials and without any external network (the page's assets are served from here,
 * and its Content-Security-Policy allows nothing else). Only the native routes (/api/v1)
 * appear: the ROMA and SnapLogic doors are described in docs/roma.md and docs/snaplogic.md.
 * Registered before the doors, so that it sees every route they add.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { ROUTE_DOCS } from './route-docs.js';

const NATIVE_PREFIX = '/api/v1';

/**
 * The page's own files (scripts, stylesheet, logo), where the package is installed: given
 * explicitly, since the server's code runs bundled (scripts/bundle.mjs), away from them.
 */
const UI_FILES = join(dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui')), 'static');

type Operation = { responses?: Record<string, unknown>; requestBody?: unknown; security?: unknown };
type Document = { paths?: Record<string, Record<string, Operation>> };

const DOCS_CSP = "default-src 'self'; base-uri 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'self'; img-src 'self' data:; object-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self'";

const PROBLEM = {
  type: 'object',
  description: 'An RFC 9457 problem: `code` is stable, `detail` is for people.',
  required: ['type', 'title', 'status', 'detail', 'code', 'instance', 'request_id'],
  properties: {
    type: { type: 'string', examples: ['urn:assetport:problem:not_found'] },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: ['string', 'null'] },
    request_id: { type: 'string' },
    field: { type: 'string', description: 'the offending input, when there is one' },
  },
};

const IMPORT_PARTS = {
  'multipart/form-data': {
    schema: {
      type: 'object',
      required: ['package'],
      properties: {
        package: { type: 'string', contentMediaType: 'application/zip', description: 'the package ZIP' },
        accounts: { type: 'string', contentMediaType: 'application/json', description: 'account overrides: the accounts template with plain-text values' },
        expressions: { type: 'string', contentMediaType: 'application/zip', description: 'a ZIP of .expr files added to the space' },
        options: { type: 'string', contentMediaType: 'application/json', description: 'the options as a JSON object (policy, prefix, prefix_types, create_new, dry_run)' },
      },
    },
  },
};

/** `/api/v1/spaces/:space` as OpenAPI writes it: `/api/v1/spaces/{space}`. */
const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Each route's summary, group and description; the token call needs no credentials. Other doors' routes are hidden. */
function describeRoute({ schema, url, route }: { schema: FastifySchema | undefined; url: string; route: { method: string | string[] } }) {
  if (!url.startsWith(`${NATIVE_PREFIX}/`)) return { schema: { ...schema, hide: true }, url };
  const method = Array.isArray(route.method) ? route.method[0]! : route.method;
  const doc = ROUTE_DOCS[`${method} ${url}`];
  if (!doc) return { schema: schema ?? {}, url };
  return {
    schema: { ...schema, summary: doc.summary, tags: [doc.tag], ...(doc.description ? { description: doc.description } : {}), ...(url === `${NATIVE_PREFIX}/tokens` ? { security: [] } : {}) },
    url,
  };
}

/** Each operation's success answer as the route docs say it, and every error as a problem. */
function describeAnswers(doc: Document): Document {
  for (const [key, d] of Object.entries(ROUTE_DOCS)) {
    const [method, url] = key.split(' ') as [string, string];
    const op = doc.paths?.[openApiPath(url)]?.[method.toLowerCase()];
    if (!op) continue;
    op.responses = {
      [String(d.ok[0])]: { description: d.ok[1] },
      '4XX': { description: 'A problem with the request', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    };
  }
  const imports = doc.paths?.[`${NATIVE_PREFIX}/spaces/{space}/imports`]?.post;
  if (imports) imports.requestBody = { required: true, content: IMPORT_PARTS };
  return doc;
}

/** The service's version, from its package.json (three levels up from src/http/native and dist/http/native alike). */
const serviceVersion = (): string => (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function registerApiReference(app: FastifyInstance): Promise<void> {
  const version = serviceVersion();
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'assetport native API',
        version,
        description: 'JSON in, JSON out; errors are RFC 9457 problems. Concepts, policies and the import vocabulary are explained in docs/api.md.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'a token from POST /api/v1/tokens' },
          basic: { type: 'http', scheme: 'basic' },
        },
        schemas: { Problem: PROBLEM as never },
      },
      security: [{ bearer: [] }, { basic: [] }],
    },
    transform: describeRoute as never,
    transformObject: (d) => describeAnswers(('openapiObject' in d ? d.openapiObject : d.swaggerObject) as Document) as never,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    baseDir: UI_FILES,
    logo: { type: 'image/svg+xml', content: readFileSync(join(UI_FILES, 'logo.svg')) },
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: true },
    theme: { title: 'assetport API reference' },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
