/**
 * Fastify's `inject` is light-my-request, whose `cookie` dependency package.json pins
 * (an override) to a version that supports Node 20: requests with cookies still work.
 *
 * The PostgreSQL pass leaves this file out: it uses no database.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';

describe('fastify inject', () => {
  it('sends the cookies it is given, encoded', async () => {
    const app = Fastify();
    app.get('/echo', async (req) => ({ cookie: req.headers.cookie ?? null }));
    try {
      const res = await app.inject({ method: 'GET', url: '/echo', cookies: { session: 'a b', lang: 'en' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ cookie: 'session=a%20b; lang=en' });
    } finally {
      await app.close();
    }
  });
});
