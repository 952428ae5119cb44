/**
 * Publication that duplicates and losses cannot break, on real Redis, local storage and
 * ffmpeg: a chunk job delivered twice at once (at-least-once delivery allows it), and a chunk's
 * segment that disappears between its encode and the packaging, each end with a ready title
 * that decodes to every frame of the master.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { ingest, waitForFinal, downloadTrack, parseMultivariant } from '../support/api.ts';
import { countFrames, makeMaster } from '../support/media.ts';
import pino from 'pino';
import type { Job } from 'bullmq';
import { connectedProducer, createFlowProducer, createQueue, QUEUE_NAME } from '../../pipeline/queue.ts';
import { encodeChunkHandler } from '../../workers/jobs/encode-chunk.ts';
import { TitleStore } from '../../titles/store.ts';
import type { WorkerDeps } from '../../workers/jobs/context.ts';
import type { JobDataByName } from '../../pipeline/types.ts';
import { waitUntil } from '../support/wait.ts';

const FPS = 25;
const DURATION_S = 16;

describe('packaging with a chunk segment missing', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    // One worker, one segment per chunk: the first chunk lands long before the last.
    stack = await startTestStack({ storage: 'local', workers: 1, settings: { chunkSegments: 1 } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-missing-'));
  });
  afterAll(async () => {
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('re-encodes the missing chunk under the package job and publishes a whole title', async () => {
    const master = path.join(dir, 'master.mp4');
    await makeMaster(master, { width: 640, height: 360, fps: FPS, durationS: DURATION_S });
    const id = await ingest(stack.api.app, master);
    // The first segment of the lowest rung, stored by the first chunk, deleted as soon as it lands.
    const deleted = await waitUntil(
      'the first segment of the lowest rung to be stored',
      async () => {
        for await (const o of stack.api.store.list(`titles/${id}/out/`)) if (/\/v0\/seg_00000\.m4s$/.test(o.key)) return o.key;
        return undefined;
      },
      { intervalMs: 20 },
    );
    await stack.api.store.delete(deleted);
    const done = await waitForFinal(stack.api.app, id, 300_000);
    expect(done.state, JSON.stringify(done.error)).toBe('ready');

    // The chunk went back to encoding as a child of the package job.
    const conn = await connectedProducer(stack.redis.url);
    const queue = createQueue(conn, stack.config.prefix);
    const redone = (await queue.getCompleted(0, 1000)).filter(
      (j) => j.name === 'encode-chunk' && (j.id ?? '').includes('-redo-') && (j.id ?? '').includes(id),
    );
    await queue.close();
    conn.disconnect();
    expect(redone.map((j) => (j.data as { chunk: { index: number } }).chunk.index)).toEqual([0]);

    // Played as a player would: every rung has every frame of the master.
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
    for (const v of parseMultivariant(res.body).variants) {
      const track = await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id));
      expect(await countFrames(track.joinedFile)).toBe(DURATION_S * FPS);
    }
  }, 400_000);
});

describe('a chunk job delivered twice at once', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 0, settings: { chunkSegments: 1 } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-duplicate-'));
  });
  afterAll(async () => {
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('runs both deliveries in scratch of their own and publishes a whole title', async () => {
    const master = path.join(dir, 'master.mp4');
    await makeMaster(master, { width: 640, height: 360, fps: FPS, durationS: DURATION_S });
    const id = await ingest(stack.api.app, master);
    const conn = await connectedProducer(stack.redis.url);
    const queue = createQueue(conn, stack.config.prefix);
    const flow = createFlowProducer(conn, stack.config.prefix);
    await stack.addWorker();
    // The first chunk's job, once the worker has it: a second delivery of it starts beside it,
    // as a redelivered stalled job would on another worker of the same machine.
    const job: Job = await waitUntil(
      'the first chunk job to be active',
      async () =>
        (await queue.getJobs(['active'])).find(
          (j) => j.name === 'encode-chunk' && (j.data as JobDataByName['encode-chunk']).chunk.index === 0,
        ),
      { intervalMs: 10 },
    );
    const deps: WorkerDeps = {
      store: stack.api.store,
      titles: new TitleStore(conn, stack.config.prefix),
      flow,
      queue,
      queueName: QUEUE_NAME,
      settings: stack.config.settings,
      ladderPolicy: 'fixed',
      tmpDir: stack.config.tmpDir,
      log: pino({ level: 'silent' }),
    };
    const duplicate = await encodeChunkHandler(job as Job<JobDataByName['encode-chunk'], unknown, 'encode-chunk'>, {
      deps,
      signal: new AbortController().signal,
    });
    expect(duplicate).toMatchObject({ chunk: 0 });
    const done = await waitForFinal(stack.api.app, id, 300_000);
    expect(done.state, JSON.stringify(done.error)).toBe('ready');
    await flow.close();
    await queue.close();
    conn.disconnect();
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
    for (const v of parseMultivariant(res.body).variants) {
      const track = await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id));
      expect(await countFrames(track.joinedFile)).toBe(DURATION_S * FPS);
    }
  }, 400_000);
});
