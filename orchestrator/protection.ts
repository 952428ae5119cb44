import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { HttpErrors } from './errors.ts';
import { presentedKey } from './auth/plugin.ts';

export interface ProtectionOptions {
  /** Requests per minute one API key (or, without one, one address) may make to keyed routes, fleet-wide. @defaultValue 1200 */
  readonly ratePerMinute?: number;
  /** Event-loop delay past which requests are shed with 503, ms. @defaultValue 1000 */
  readonly maxEventLoopDelayMs?: number;
  /** Heap use past which requests are shed. @defaultValue 85% of V8's heap limit */
  readonly maxHeapUsedBytes?: number;
  /** Resident set past which requests are shed; 0: not checked. @defaultValue 0 */
  readonly maxRssBytes?: number;
}

/** Seconds a shed client is told to wait. */
const SHED_RETRY_AFTER_S = 10;

/** What a shed request is answered with (the app's error handler adds `Retry-After`). */
class OverloadedError extends HttpErrors.Overloaded {
  readonly retryAfterS = SHED_RETRY_AFTER_S;
}

/**
 * What every response and every keyed request goes through before a route runs:
 *
 * - **Headers** (`@fastify/helmet`): a deny-all CSP with `frame-ancestors 'none'` for the API's
 *   JSON, HSTS, nosniff, no referrer; the console and player pages set their own CSP. Media is
 *   `Cross-Origin-Resource-Policy: cross-origin`: players on other origins fetch it.
 * - **Rate limits** (`@fastify/rate-limit`, counted in Redis so every API replica shares them):
 *   per API key (a hash of it), or per address for requests without one, on every route but
 *   players' and public ones (a region's players share addresses behind carrier NAT).
 * - **Load shedding** (`@fastify/under-pressure`): past the event-loop delay or heap limit,
 *   503 `VF_OVERLOADED` with `Retry-After` before the process falls over.
 */
export async function installProtection(app: FastifyInstance, redis: Redis, options: ProtectionOptions = {}): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
  });

  await app.register(rateLimit, {
    global: true,
    max: options.ratePerMinute ?? 1200,
    timeWindow: 60_000,
    redis,
    nameSpace: 'vf-rate-',
    // Redis away: requests are not refused for it (the routes answer 503 themselves if they need it).
    skipOnError: true,
    keyGenerator: (req) => {
      const key = presentedKey(req);
      return key === undefined ? `ip:${req.ip}` : `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
    },
    allowList: (req) => {
      const audience = req.routeOptions.config.audience;
      return audience === undefined || audience === 'player' || audience === 'public';
    },
    errorResponseBuilder: (_req, context) =>
      Object.assign(new HttpErrors.RateLimited(context.max, Math.ceil(context.ttl / 1000)), { statusCode: 429 }),
  });

  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs ?? 1000,
    maxHeapUsedBytes: options.maxHeapUsedBytes ?? Math.floor(0.85 * v8.getHeapStatistics().heap_size_limit),
    maxRssBytes: options.maxRssBytes ?? 0,
    retryAfter: SHED_RETRY_AFTER_S,
    customError: OverloadedError,
  });
}
