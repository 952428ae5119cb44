import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { createApi } from '../../orchestrator/runtime/services.ts';
import { watchTitle, type TitleState } from '../../orchestrator/cli/title-watch.ts';
import { startCuttingProxy } from '../support/cutting-proxy.ts';
import { createTitle, getTitle, ingest, waitForFinalEvent } from '../support/api.ts';
import { EventStreamParser, type StreamEvent } from '../../orchestrator/cli/event-stream.ts';
import { makeMaster } from '../support/media.ts';
import { TitleStore } from '../../titles/store.ts';

/**
 * A title's state as Server-Sent Events, over a real socket, on a real redis-server: the
 * store publishes each change with the change itself, the API streams it to every client
 * watching that title, and the stream ends when the title does.
 */
describe('title event streams', () => {
  let stack: TestStack;
  let base: string;
  let redis: Redis;
  let titles: TitleStore;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 1 });
    base = await stack.listen();
    redis = new Redis(stack.redis.url);
    titles = new TitleStore(redis, stack.config.prefix);
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await stack?.close();
  });

  /** Opens the title's stream and reads its events as they arrive. */
  async function open(
    id: string,
    key = stack.adminKey,
    at = base,
  ): Promise<{ status: number; next: () => Promise<StreamEvent | undefined> }> {
    const res = await fetch(`${at}/v1/titles/${id}/events`, { headers: { 'x-api-key': key } });
    if (res.status !== 200 || res.body === null) return { status: res.status, next: async () => undefined };
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = new EventStreamParser();
    const queued: StreamEvent[] = [];
    // The next event, or undefined once the server has ended the stream.
    const next = async (): Promise<StreamEvent | undefined> => {
      while (queued.length === 0) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        queued.push(...parser.push(decoder.decode(value, { stream: true })));
      }
      return queued.shift();
    };
    return { status: res.status, next };
  }

  it('sends the current state, then every change, and ends after ready', async () => {
    const t = await createTitle(stack.api.app, 'watched');
    const stream = await open(t.id);
    expect(await stream.next()).toEqual({ event: 'state', data: { id: t.id, state: 'uploading', progress: 0 } });
    const seen: unknown[] = [];
    for (const state of ['queued', 'analyzing', 'encoding', 'packaging', 'ready'] as const) {
      expect(await titles.transition(t.id, state)).toBe('ok');
      const e = await stream.next();
      seen.push(e?.data.state);
    }
    expect(seen).toEqual(['queued', 'analyzing', 'encoding', 'packaging', 'ready']);
    // A final state ends the stream.
    expect(await stream.next()).toBeUndefined();
  });

  it('sends progress as the jobs report it', async () => {
    const t = await createTitle(stack.api.app, 'progressing');
    await titles.transition(t.id, 'encoding', { chunkCount: 2 });
    const stream = await open(t.id);
    expect((await stream.next())?.data).toEqual({ id: t.id, state: 'encoding', progress: 0 });
    // Two chunks, the audio and the packaging count equally: half a chunk is 12%.
    await titles.setProgress(t.id, 'chunk-0', 0.5);
    expect((await stream.next())?.data).toEqual({ id: t.id, state: 'encoding', progress: 12 });
    await titles.setProgress(t.id, 'chunk-1', 1);
    expect((await stream.next())?.data).toEqual({ id: t.id, state: 'encoding', progress: 37 });
  });

  it('carries a failed title its error and ends', async () => {
    const t = await createTitle(stack.api.app, 'failing');
    const stream = await open(t.id);
    expect((await stream.next())?.data.state).toBe('uploading');
    const error = { code: 'VF_TEST', message: 'failed on purpose' };
    await titles.transition(t.id, 'failed', { error });
    expect(await stream.next()).toEqual({ event: 'state', data: { id: t.id, state: 'failed', progress: 0, error } });
    expect(await stream.next()).toBeUndefined();
    // Opened after the end, the stream is the final state alone.
    const late = await open(t.id);
    expect((await late.next())?.data.state).toBe('failed');
    expect(await late.next()).toBeUndefined();
  });

  it('ends with a deleted event when the title is deleted', async () => {
    const t = await createTitle(stack.api.app, 'doomed');
    const stream = await open(t.id);
    await stream.next();
    expect((await stack.api.app.inject({ method: 'DELETE', url: `/v1/titles/${t.id}` })).statusCode).toBe(204);
    expect(await stream.next()).toEqual({ event: 'deleted', data: { id: t.id } });
    expect(await stream.next()).toBeUndefined();
  });

  it('serves many streams from one subscription, and each only its own title', async () => {
    const [a, b] = [await createTitle(stack.api.app, 'a'), await createTitle(stack.api.app, 'b')];
    const streams = [await open(a.id), await open(a.id), await open(b.id)];
    for (const s of streams) await s.next();
    // However many streams are open, the API holds one subscription to the state channel.
    const [, subscribers] = (await redis.pubsub('NUMSUB', titles.stateChannel)) as [string, number];
    expect(subscribers).toBe(1);
    await titles.transition(a.id, 'queued');
    await titles.transition(b.id, 'analyzing');
    expect((await streams[0]?.next())?.data.state).toBe('queued');
    expect((await streams[1]?.next())?.data.state).toBe('queued');
    expect((await streams[2]?.next())?.data.state).toBe('analyzing');
  });

  it('answers 404 for an unknown title and 401 without a key', async () => {
    expect((await open('00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const t = await createTitle(stack.api.app, 'private');
    expect((await open(t.id, '')).status).toBe(401);
  });

  it('ends its open streams when the API shuts down, and the API closes', async () => {
    const other = await createApi(stack.config, stack.redis.url, false);
    try {
      await other.app.listen({ port: 0, host: '127.0.0.1' });
      const address = other.app.server.address();
      if (typeof address !== 'object' || address === null) throw new Error('not listening');
      const t = await createTitle(stack.api.app, 'in flight');
      const stream = await open(t.id, stack.adminKey, `http://127.0.0.1:${address.port}`);
      expect((await stream.next())?.data.state).toBe('uploading');
      // The title never ends, yet the close is not held up by its stream.
      await other.close();
      expect(await stream.next()).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('lets the CLI follow a title across a dropped connection', async () => {
    const t = await createTitle(stack.api.app, 'over a bad link');
    await titles.transition(t.id, 'encoding');
    const proxy = await startCuttingProxy(base);
    try {
      const seen: TitleState[] = [];
      let heard: () => void = () => undefined;
      const first = new Promise<void>((resolve) => {
        heard = resolve;
      });
      const watched = watchTitle(
        proxy.url,
        t.id,
        { 'x-api-key': stack.adminKey },
        (s) => {
          seen.push(s);
          heard();
        },
        [0, 50, 100, 200, 400, 800],
      );
      await first;
      // The link goes down; the title ends while nobody listens.
      proxy.dropAll();
      await titles.transition(t.id, 'ready');
      expect(await watched).toEqual({ state: 'ready', progress: 100 });
      expect(seen.map((s) => s.state)).toEqual(['encoding', 'ready']);
    } finally {
      await proxy.close();
    }
  });

  it('follows a real ingest to ready', async () => {
    const file = path.join(stack.dir, 'events.mp4');
    await makeMaster(file, { width: 320, height: 180, fps: 25, durationS: 2 });
    const id = await ingest(stack.api.app, file);
    const done = await waitForFinalEvent(stack.api.app, id);
    expect(done.state).toBe('ready');
    expect((await getTitle(stack.api.app, id)).renditions?.length).toBeGreaterThan(0);
  }, 120_000);
});
