import type { FastifyInstance } from 'fastify';

/**
 * Request logging with the title on every line. Fastify's own request logging writes
 * "incoming request" before any hook can bind the title id, so it is switched off
 * (`LogController` with `disableRequestLogging`) and both lines are written here, after the binding. Routing has
 * happened by onRequest, so a route's `:id` is known; a route that creates a title binds its
 * new id itself (`bindTitle`).
 */
export function installRequestLogging(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    const id = (req.params as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && id !== '') bindTitle(req, reply, id);
    req.log.info({ req }, 'incoming request');
  });
  app.addHook('onResponse', async (_req, reply) => {
    reply.log.info({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  });
}

/** Puts `titleId` on every later log line of this request. */
export function bindTitle(req: { log: FastifyInstance['log'] }, reply: { log: FastifyInstance['log'] }, titleId: string): void {
  const log = req.log.child({ titleId });
  req.log = log;
  reply.log = log;
}
