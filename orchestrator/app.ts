import Fastify, { LogController } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import os from 'node:os';
import { redactError, redactor, storageRoots } from '../observability/redact.ts';
import type { App, AppDeps, RouteDeps } from './deps.ts';
import { titleRoutes } from './routes/titles.ts';
import { titleEventRoutes } from './routes/title-events.ts';
import { TitleEventHub } from './title-events.ts';
import { subtitleRoutes } from './routes/subtitles.ts';
import { playbackRoutes } from './routes/playback.ts';
import { artworkRoutes } from './routes/artwork.ts';
import { healthRoutes } from './routes/health.ts';
import { playerRoutes } from './routes/player.ts';
import { installObservability } from './routes/observability.ts';
import { HttpErrors } from './errors.ts';
import { installRequestLogging } from './routes/request-log.ts';
import { validatorCompiler } from './validation.ts';
import { authPlugin } from './auth/plugin.ts';
import { keyRoutes } from './routes/keys.ts';
import { createFillPlanServices } from './fill-plans/steering.ts';
import { installProtection } from './protection.ts';
import { PAGES, type Page } from './pages.ts';
import { DEFAULT_MAX_UPLOAD_BYTES } from './config.ts';
import { createUploadService } from './uploads/service.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { directUploadRoutes } from './routes/direct-uploads.ts';
import { laneJobs } from './lane-jobs.ts';

/** Largest JSON body of any route without its own limit. */
export const JSON_BODY_LIMIT = 64 * 1024;

/** Redis command failures that mean "Redis is down", as opposed to a bug. */
function isRedisUnavailable(err: unknown): boolean {
  const msg = (err as Error | undefined)?.message ?? '';
  return /Stream isn't writeable|enableOfflineQueue|Connection is closed|ECONNREFUSED|Reached the max retries/.test(msg);
}

/** Builds the API without listening: tests use `inject`, `vodforge up` calls `listen`. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const app = Fastify({
    logger: deps.logger ?? false,
    // JSON bodies are small (a title's name, a pin, a key's name): 64 KiB, so a flood of
    // large bodies costs parsing nothing. Masters and images stream through their own
    // parsers, fill plans have their own limit.
    bodyLimit: JSON_BODY_LIMIT,
    // Logged by installRequestLogging instead, once the title id is bound to the request's logger.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler());
  // Before the key check, so a refused request is logged with its title too.
  installRequestLogging(app);
  // Headers on every response; shedding and rate limits before any key is looked up in Redis.
  await installProtection(app, deps.redis, deps.protection);
  // Before any route: it classifies every route as it is registered (unclassified ones stop
  // start-up) and checks keys before bodies are read.
  await app.register(authPlugin, { keys: deps.keys });

  await app.register(swagger, {
    openapi: {
      info: { title: 'vodforge API', version: '1' },
      tags: [{ name: 'titles' }, { name: 'playback' }, { name: 'ops' }],
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
      security: [{ apiKey: [] }],
    },
  });
  // Its own CSP with hashes of its inline code, in place of the API's deny-all one.
  const pages = new Set<Page>(deps.pages ?? PAGES);
  if (pages.has('docs')) await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  // Presigned URLs, credentials and storage paths never reach a response body or a log line.
  const redact = redactor(storageRoots(deps.store.describe, deps.tmpDir ?? os.tmpdir()));
  app.setErrorHandler((raw: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    const err = redactError(raw, redact);
    if (isRedisUnavailable(err)) {
      const e = new HttpErrors.QueueUnavailable();
      return reply.status(503).send({ statusCode: 503, code: e.code, error: 'Service Unavailable', message: e.message });
    }
    const status = err.statusCode ?? 500;
    const retryAfterS = (err as { retryAfterS?: unknown }).retryAfterS;
    if (typeof retryAfterS === 'number') reply.header('retry-after', String(retryAfterS));
    else if (status >= 500) req.log.error({ err }, 'request failed');
    const code = err.validation !== undefined ? 'VF_INVALID_REQUEST' : stableCode(err.code, status);
    return reply.status(status).send({
      statusCode: status,
      code,
      error: httpReason(status),
      message: status >= 500 && err.code === undefined ? 'Internal error' : err.message,
    });
  });

  app.setNotFoundHandler((req, reply) => {
    const e = new HttpErrors.RouteNotFound(req.method, req.url.split('?')[0] ?? req.url);
    return reply.status(404).send({ statusCode: 404, code: e.code, error: 'Not Found', message: e.message });
  });

  const jobs = laneJobs(deps.queues);
  const uploads = await createUploadService({
    redis: deps.redis,
    titles: deps.titles,
    store: deps.store,
    jobs,
    maxUploadBytes: deps.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
    ...(deps.uploadExpiryS === undefined ? {} : { expiryS: deps.uploadExpiryS }),
    spoolDir: deps.tmpDir ?? os.tmpdir(),
    log: app.log,
  });
  app.addHook('onClose', () => uploads.close());
  const routeDeps: RouteDeps = {
    ...deps,
    jobs,
    fillPlans: createFillPlanServices(deps.store, deps.applianceOrigins ?? []),
    uploads,
  };
  // First: its hooks (request latency, log bindings) must cover every route.
  await installObservability(app, deps);
  await app.register(healthRoutes, routeDeps);
  await app.register(titleRoutes, routeDeps);
  // Its own connection, subscribed: it waits out a Redis restart instead of failing the streams.
  const hub = new TitleEventHub(
    () => deps.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null }),
    deps.titles.stateChannel,
  );
  // Before the server closes: it waits for open responses, and a stream stays open until its title ends.
  app.addHook('preClose', async () => hub.close());
  await app.register(titleEventRoutes, { titles: deps.titles, hub });
  await app.register(uploadRoutes, { uploads });
  await app.register(directUploadRoutes, routeDeps);
  await app.register(subtitleRoutes, routeDeps);
  await app.register(playbackRoutes, routeDeps);
  await app.register(artworkRoutes, routeDeps);
  if (pages.has('player')) await app.register(playerRoutes, routeDeps);
  if (pages.has('console')) await app.register((await import('./routes/console.ts')).consoleRoutes, routeDeps);
  await app.register((await import('./routes/fill-plans.ts')).fillPlanRoutes, routeDeps);
  await app.register(keyRoutes, routeDeps);
  return app;
}

/**
 * Fastify's own errors (body parsing, content types, limits) carry `FST_*` codes that are
 * Fastify's, not ours, and change between its majors: clients get the catalogue's codes.
 */
const FASTIFY_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: new HttpErrors.InvalidJson('').code,
  FST_ERR_CTP_EMPTY_JSON_BODY: new HttpErrors.InvalidJson('').code,
  FST_ERR_CTP_BODY_TOO_LARGE: new HttpErrors.BodyTooLarge().code,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: new HttpErrors.UnsupportedMediaType('').code,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VF_INVALID_REQUEST',
};

function stableCode(code: string | undefined, status: number): string {
  if (code === undefined) return status >= 500 ? 'VF_INTERNAL' : 'VF_INVALID_REQUEST';
  if (code.startsWith('FST_')) return FASTIFY_CODES[code] ?? (status >= 500 ? 'VF_INTERNAL' : 'VF_INVALID_REQUEST');
  return code;
}

function httpReason(status: number): string {
  const reasons: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    409: 'Conflict',
    410: 'Gone',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Entity',
    423: 'Locked',
    429: 'Too Many Requests',
    501: 'Not Implemented',
    503: 'Service Unavailable',
  };
  return reasons[status] ?? 'Error';
}
