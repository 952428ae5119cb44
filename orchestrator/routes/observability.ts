import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { App, AppDeps } from '../deps.ts';
import { createMetrics, type MetricsOptions } from '../prometheus.ts';

/** Where the BullMQ dashboard lives (admin-only once access control lands). */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * Metrics and the queue dashboard (request logging: `request-log.ts`). Installed on the root instance, not
 * registered as a plugin: hooks added inside a plugin would only see that plugin's routes
 * (Fastify's encapsulation), and these must see every route.
 */
export async function installObservability(app: App, deps: AppDeps, options: MetricsOptions = {}): Promise<void> {
  const metrics = createMetrics(deps, options);

  app.addHook('onResponse', async (req, reply) => {
    // The route pattern, never the URL: one series per route, whatever the ids.
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics (text exposition format)' } }, async (_req, reply) =>
    reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  const board = new FastifyAdapter();
  // @bull-board/fastify 9.10.1 pins its own @bull-board/api 9.10.1 beside ours (9.10.2): the
  // same classes declared twice, so the types disagree on private fields though they work together.
  createBullBoard({
    queues: Object.values(deps.queues).map((q) => new BullMQAdapter(q)),
    serverAdapter: board as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
  });
  board.setBasePath(QUEUE_DASHBOARD_PATH);
  await app.register(board.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
}
