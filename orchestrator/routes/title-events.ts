import { PassThrough, type Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from '../deps.ts';
import { HttpErrors } from '../errors.ts';
import { ErrorBody, IdParams } from '../schemas.ts';
import type { TitleEventHub } from '../title-events.ts';
import type { Title } from '../../titles/model.ts';

/**
 * How often an open stream sends a comment, so proxies do not close it as idle, and reads its
 * title again: a change published while the API's Redis connection was away is not heard.
 */
const KEEPALIVE_MS = 15_000;

/** One event of a title's stream, `data` as JSON. */
interface TitleEvent {
  readonly event: 'state' | 'deleted';
  readonly data: { readonly id: string; readonly state?: Title['state']; readonly progress?: number; readonly error?: Title['error'] };
}

const isFinal = (state: Title['state']): boolean => state === 'ready' || state === 'failed';

/**
 * `GET /v1/titles/:id/events`: the title's state as Server-Sent Events, so a client watches a
 * title become ready without asking again and again. The current state first, then one event
 * per change of state or progress; the stream ends after `ready` or `failed`,
 * or with a `deleted` event. Changes are published by the title store with the change itself.
 */
export const titleEventRoutes: FastifyPluginAsyncTypebox<Pick<RouteDeps, 'titles'> & { hub: TitleEventHub }> = async (app, deps) => {
  const { titles, hub } = deps;
  app.get(
    '/v1/titles/:id/events',
    {
      // A HEAD would open a stream and never read it.
      exposeHeadRoute: false,
      schema: {
        tags: ['titles'],
        summary: 'Title state changes as Server-Sent Events, until the title is ready, failed or deleted',
        description:
          'Events: `state` with `{id, state, progress, error?}`, first the current state, then one per change of state or progress; ' +
          '`deleted` with `{id}`. The stream ends after `ready`, `failed` or `deleted`. Comments keep it alive.',
        params: IdParams,
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      // Read first: an unknown title is a 404 and Redis being away a 503, before any stream opens.
      const first = await titles.get(id);
      if (first === undefined) throw new HttpErrors.TitleNotFound(id);
      if (isFinal(first.state)) {
        return sendStream(reply, formatEvent(await stateEvent(titles, first)));
      }
      const out = new PassThrough();
      let ended = false;
      let sent = '';
      let unwatch: (() => void) | undefined;
      let keepalive: NodeJS.Timeout | undefined;
      let queue = Promise.resolve();
      const finish = (): void => {
        if (ended) return;
        ended = true;
        clearInterval(keepalive);
        unwatch?.();
        out.end();
      };
      const send = (e: TitleEvent): void => {
        const text = formatEvent(e);
        if (text !== sent) out.write(text);
        sent = text;
      };
      // One read at a time, in the order the changes were heard: an older state never follows a newer one.
      // A read that fails (Redis away) is skipped: the next message or keep-alive reads again.
      const refresh = (): void => {
        queue = queue
          .then(async () => {
            if (ended) return;
            const t = await titles.get(id);
            if (ended) return;
            if (t === undefined) {
              send({ event: 'deleted', data: { id } });
              finish();
              return;
            }
            const e = await stateEvent(titles, t);
            if (ended) return;
            send(e);
            if (isFinal(t.state)) finish();
          })
          .catch(() => undefined);
      };
      // The response closes when the client goes away (or the stream ended): stop listening.
      reply.raw.once('close', finish);
      const stop = await hub.watch(id, refresh, finish);
      if (ended) {
        stop();
        return sendStream(reply, out);
      }
      unwatch = stop;
      keepalive = setInterval(() => {
        out.write(': keep-alive\n\n');
        refresh();
      }, KEEPALIVE_MS);
      // Read after the subscription is in place: a change between the first read and now is seen here.
      refresh();
      return sendStream(reply, out);
    },
  );
};

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // nginx buffers responses unless told not to: events would arrive in bursts.
  'x-accel-buffering': 'no',
} as const;

/** The stream's body, past the route's typed replies: its 200 is text/event-stream, not JSON. */
function sendStream(reply: FastifyReply, body: string | Readable): FastifyReply {
  return reply.headers(STREAM_HEADERS).send(body);
}

async function stateEvent(titles: RouteDeps['titles'], t: Title): Promise<TitleEvent> {
  return {
    event: 'state',
    data: { id: t.id, state: t.state, progress: await titles.progress(t), ...(t.error === undefined ? {} : { error: t.error }) },
  };
}

/** One event in the text/event-stream format (`data` on one line: JSON has no raw newlines). */
function formatEvent(e: TitleEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
