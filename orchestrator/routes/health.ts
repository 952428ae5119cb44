import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from '../deps.ts';
import { ErrorBody } from '../schemas.ts';

const Check = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) });
const Health = Type.Object({ ok: Type.Boolean(), redis: Check, storage: Check });

async function check(fn: () => Promise<unknown>, timeoutMs = 2000): Promise<{ ok: boolean; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export const healthRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['ops'],
        summary: 'Redis and storage reachability; 503 when either is down, or when the API sheds load (an error body, VF_OVERLOADED)',
        response: { 200: Health, 503: Type.Union([Health, ErrorBody]) },
      },
    },
    async (_req, reply) => {
      const [redis, storage] = await Promise.all([check(() => deps.redis.ping()), check(() => deps.store.ping())]);
      const ok = redis.ok && storage.ok;
      return reply.status(ok ? 200 : 503).send({ ok, redis, storage });
    },
  );
};
