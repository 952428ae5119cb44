import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpErrors } from '../errors.ts';
import { allows, audienceOf, type RouteAudience } from './roles.ts';
import type { ApiKeyRecord, ApiKeyStore } from './keys.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set from orchestrator/auth/roles.ts for every route when it is registered. */
    audience?: RouteAudience;
  }
  interface FastifyRequest {
    apiKey?: ApiKeyRecord;
  }
  interface FastifyInstance {
    /** Every route registered, with the audience it was given: what the access test walks. */
    routeAudiences: { method: string; url: string; audience: RouteAudience }[];
  }
}

/** The API key a request presents (`Authorization: Bearer` or `x-api-key`), unchecked. */
export function presentedKey(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const header = req.headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/**
 * Access control: every route gets its audience from the rule table when it is registered
 * (an unclassified route fails start-up), and each request is checked against it before
 * its body is read. 401 without a valid key, 403 with a key of the wrong role.
 */
export const authPlugin = fp<{ keys: ApiKeyStore }>(async (app: FastifyInstance, { keys }) => {
  const seen: { method: string; url: string; audience: RouteAudience }[] = [];
  app.decorate('routeAudiences', seen);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const audiences = new Set(methods.map((m) => audienceOf(m, route.url)));
    if (audiences.size !== 1) throw new Error(`${route.url} serves methods with different audiences; register them separately`);
    const audience = [...audiences][0];
    route.config = { ...(route.config ?? {}), audience };
    if (audience !== undefined) for (const method of methods) seen.push({ method, url: route.url, audience });
  });
  app.addHook('onRequest', async (req) => {
    const audience = req.routeOptions.config.audience;
    // 404s for unknown URLs have no route config; they need no key.
    if (audience === undefined || audience === 'public' || audience === 'player') return;
    const key = presentedKey(req);
    if (key === undefined) throw new HttpErrors.Unauthenticated();
    const record = await keys.verify(key);
    if (record === undefined) throw new HttpErrors.Unauthenticated();
    if (!allows(record.role, audience)) throw new HttpErrors.Forbidden(record.role, audience);
    req.apiKey = record;
  });
});
