import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { countFrames, frames, makeMaster, type FrameInfo } from '../support/media.ts';
import { downloadTrack, getTitle, ingest, parseMultivariant, waitForFinal } from '../support/api.ts';
import { startRedisServer } from '../../orchestrator/runtime/children.ts';
import { createQueue, producerConnection } from '../../pipeline/queue.ts';
import type { Job, Queue } from 'bullmq';
import { chunkSegmentsKey, type JobDataByName } from '../../pipeline/types.ts';
import { parseChunkSegments } from '../../packaging/chunk-segments.ts';
import { waitFor, waitUntil } from '../support/wait.ts';
import { tempDir } from '../support/temp-dirs.ts';

/** Short locks so a crashed worker's job is noticed in seconds, as BullMQ's own stall tests do. */
const FAST_STALL = { lockDurationMs: 2000, stalledIntervalMs: 1000, maxStalledCount: 3 };

let master: string;
let sourceFrames: number;

beforeAll(async () => {
  const dir = await tempDir('vf-res-');
  master = path.join(dir, 'master.mp4');
  await makeMaster(master, { width: 640, height: 360, fps: 25, durationS: 24 });
  sourceFrames = await countFrames(master);
});

async function expectCompleteOutput(stack: TestStack, id: string): Promise<void> {
  const t = await waitForFinal(stack.api.app, id, 240_000);
  expect(t.error).toBeUndefined();
  expect(t.state).toBe('ready');
  const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
  const { variants } = parseMultivariant(res.body);
  expect(variants).toHaveLength(2);
  const dir = await tempDir('vf-res-out-');
  for (const v of variants) {
    const track = await downloadTrack(stack.api.app, id, v.uri, dir);
    expect(await countFrames(track.joinedFile)).toBe(sourceFrames);
  }
}

/** The encode lane's queue (chunks) and the express lane's (package and the other short steps). */
function queueOf(stack: TestStack): { queue: Queue; express: Queue; close: () => Promise<void> } {
  const conn = producerConnection(stack.redis.url);
  const queue = createQueue(conn, stack.config.prefix);
  const express = createQueue(conn, stack.config.prefix, 'express');
  return {
    queue,
    express,
    close: async () => {
      await Promise.all([queue.close(), express.close()]);
      conn.disconnect();
    },
  };
}

/** Waits until an encode-chunk job is running and returns its id. */
async function runningChunk(queue: Queue): Promise<string> {
  let id = '';
  await waitFor('a chunk job to be running', async () => {
    id = (await queue.getActive()).find((j) => j.name === 'encode-chunk')?.id ?? '';
    return id !== '';
  });
  return id;
}

describe('recovery', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('a worker that dies mid-chunk: its job is taken over and the title completes with every frame', async () => {
    stack = await startTestStack({ storage: 'local', workers: 0, settings: { chunkSegments: 1 }, workerOptions: FAST_STALL });
    const crashing = await stack.addWorker();
    const id = await ingest(stack.api.app, master);
    const q = queueOf(stack);
    const crashedJob = await runningChunk(q.queue);
    // close(true) without cancelling: the worker stops renewing its lock mid-job, as a crash would.
    await Promise.all(Object.values(crashing.lanes).map((w) => w.close(true)));
    await stack.addWorker();
    await expectCompleteOutput(stack, id);
    // The job the crash interrupted was found stalled and finished by the other worker.
    const job = await q.queue.getJob(crashedJob);
    expect(job?.stalledCounter).toBeGreaterThanOrEqual(1);
    expect(await job?.getState()).toBe('completed');
    await q.close();
  }, 300_000);

  it('a worker stopped at once (second Ctrl-C) hands its chunk back: no attempt spent, title not failed, another worker finishes', async () => {
    // Default locks (60 s): a job merely abandoned would sit active for a minute, so a prompt
    // return to waiting can only be the hand-back.
    stack = await startTestStack({ storage: 'local', workers: 0, settings: { chunkSegments: 1 } });
    const stopping = await stack.addWorker();
    const id = await ingest(stack.api.app, master);
    const q = queueOf(stack);
    const chunkId = await runningChunk(q.queue);
    await stopping.close(true);
    const job = await q.queue.getJob(chunkId);
    // Back in the queue at its rank (chunks carry a priority: BullMQ's `prioritized` is their waiting).
    expect(await job?.getState()).toBe('prioritized');
    expect(job?.attemptsMade).toBe(0);
    expect((await getTitle(stack.api.app, id)).state).not.toBe('failed');
    await stack.addWorker();
    await expectCompleteOutput(stack, id);
    await q.close();
  }, 300_000);

  it('a forced stop while Redis is down still stops; once Redis is back the chunk is recovered and the title completes', async () => {
    stack = await startTestStack({ storage: 'local', workers: 0, settings: { chunkSegments: 1 }, workerOptions: FAST_STALL });
    const stopping = await stack.addWorker();
    const id = await ingest(stack.api.app, master);
    const q = queueOf(stack);
    await runningChunk(q.queue);
    await q.close();
    await stack.redis.stop();
    // Regression: the hand-back waited on Redis for ever and the stop never returned.
    await stopping.close(true);
    const restarted = await startRedisServer(stack.dir, stack.redis.port);
    try {
      await stack.addWorker();
      await expectCompleteOutput(stack, id);
    } finally {
      // Keep the stack's own close off a dead Redis: stop workers while this one still answers.
      await Promise.all(stack.workers.map((w) => w.close(true)));
      await restarted.stop();
    }
  }, 300_000);

  it('a chunk job delivered twice while the title encodes rewrites the same objects with the same frames, and the title completes intact', async () => {
    stack = await startTestStack({ storage: 'local', workers: 1, settings: { chunkSegments: 1 } });
    const id = await ingest(stack.api.app, master);
    const q = queueOf(stack);
    let first: Job<JobDataByName['encode-chunk']> | undefined;
    await waitFor('a chunk to be encoded', async () => {
      first = (await q.queue.getCompleted()).find((j) => j.name === 'encode-chunk' && j.data.layout.titleId === id);
      return first !== undefined;
    });
    const data = first?.data as JobDataByName['encode-chunk'];
    const recordKey = chunkSegmentsKey(data.layout, data.chunk.index);
    const record = parseChunkSegments(JSON.parse((await stack.api.store.get(recordKey)).toString('utf8')));
    const segmentKeys = record.rungs.map((r, i) => r.segments.map((s) => `${data.layout.outputPrefix}v${i}/${s.name}`));
    const dir = await tempDir('vf-dup-');
    /**
     * The frames of each rung's stretch of the chunk, as its init and stored segments decode
     * (timestamps and picture type). Not its bytes: x264's frame-threaded ABR is not
     * bit-reproducible (measured: the same command gives a different file run to run), so a
     * re-encode is the same chunk, not the same bytes.
     */
    const chunkFrames = async (tag: string): Promise<Pick<FrameInfo, 'ptsS' | 'key'>[][]> =>
      Promise.all(
        segmentKeys.map(async (rungKeys, i) => {
          const file = path.join(dir, `${tag}-${i}.mp4`);
          const parts = await Promise.all(rungKeys.map((k) => stack!.api.store.get(k)));
          await writeFile(file, Buffer.concat([Buffer.from(record.rungs[i]?.init ?? '', 'base64'), ...parts]));
          return (await frames(file)).map((f) => ({ ptsS: f.ptsS, key: f.key }));
        }),
      );
    /** Every stored object of this chunk (its record, and objects at its segments' names): a duplicate must add none. */
    const names = new Set(record.rungs.flatMap((r) => r.segments.map((s) => s.name)));
    const chunkObjects = async (): Promise<string[]> => {
      const found: string[] = [];
      for await (const o of stack!.api.store.list(`titles/${id}/`))
        if (o.key === recordKey || names.has(path.posix.basename(o.key))) found.push(o.key);
      return found.sort();
    };
    const keys = [recordKey, ...segmentKeys.flat()];
    const before = await chunkFrames('before');
    expect(before[0]?.length).toBeGreaterThan(0);
    expect(await chunkObjects()).toEqual([...keys].sort());
    // At the front of the queue (lifo), so it runs while the title's other chunks still wait.
    const again = await q.queue.add('encode-chunk', data, { jobId: `redelivered-${id}`, lifo: true });
    await waitFor('the duplicate to finish', async () => (await again.getState()) === 'completed');
    const rerun = await q.queue.getJob(again.id ?? '');
    // It really encoded again (a duplicate that arrives after publication is skipped instead).
    expect(rerun?.returnvalue).toMatchObject({ chunk: data.chunk.index });
    expect(await chunkObjects()).toEqual([...keys].sort());
    expect(await chunkFrames('after')).toEqual(before);
    await expectCompleteOutput(stack, id);
    await q.close();
  }, 300_000);

  it('a chunk that keeps failing fails its title with the reason, and its package parent fails too instead of waiting forever', async () => {
    stack = await startTestStack({ storage: 'local', workers: 1, settings: { chunkSegments: 1 } });
    const id = await ingest(stack.api.app, master);
    const q = queueOf(stack);
    await runningChunk(q.queue);
    // The running chunk keeps its open file; every chunk after it finds no master (retryable,
    // as an object store can lag behind a write: four attempts with backoff, then final).
    const sourceKey = (await getTitle(stack.api.app, id)).source!.key;
    expect(await stack.api.store.head(sourceKey)).toBeDefined();
    await stack.api.store.delete(sourceKey);
    const t = await waitForFinal(stack.api.app, id, 240_000);
    expect(t.state).toBe('failed');
    expect(t.error?.code).toBe('VF_STORAGE_NOT_FOUND');
    expect(t.error?.message).toContain(sourceKey);
    // The title is failed before BullMQ records the job failed (the worker throws after): waited for.
    const chunk = await waitUntil('the failing chunk to be recorded as failed', async () =>
      (await q.queue.getFailed()).find((j) => j.name === 'encode-chunk' && j.data.layout?.titleId === id),
    );
    expect(chunk.attemptsMade).toBe(4);
    // failParentOnFailure: the parent is failed with its child, not parked in waiting-children.
    await waitFor('the package job to fail', async () =>
      (await q.express.getFailed()).some((j) => j.name === 'package' && j.data.layout?.titleId === id),
    );
    expect((await q.express.getWaitingChildren()).filter((j) => j.data.layout?.titleId === id)).toEqual([]);
    // Nothing of the title was published.
    const published: string[] = [];
    for await (const o of stack.api.store.list(`titles/${id}/out/`)) published.push(o.key);
    expect(published).toEqual([]);
    await q.close();
  }, 300_000);

  it('survives CLIENT KILL of every connection mid-encode', async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, settings: { chunkSegments: 1 } });
    const id = await ingest(stack.api.app, master);
    const admin = new Redis(stack.redis.url);
    await waitFor('encoding to start', async () => (await getTitle(stack!.api.app, id)).state === 'encoding');
    const killed = (await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')) as number;
    expect(killed).toBeGreaterThan(2);
    admin.disconnect();
    await expectCompleteOutput(stack, id);
  }, 300_000);

  it('survives a full Redis restart mid-encode (AOF keeps the jobs); the API answers 503 meanwhile', async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, settings: { chunkSegments: 1 } });
    const id = await ingest(stack.api.app, master);
    await waitFor('encoding to start', async () => (await getTitle(stack!.api.app, id)).state === 'encoding');
    await stack.redis.stop();
    // It answers at all (a hang would end this test at its timeout), and says why.
    const down = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}` });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ code: 'VF_QUEUE_UNAVAILABLE' });
    const health = await stack.api.app.inject({ method: 'GET', url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ redis: { ok: false }, storage: { ok: true } });
    const restarted = await startRedisServer(stack.dir, stack.redis.port);
    try {
      await expectCompleteOutput(stack, id);
    } finally {
      await restarted.stop();
    }
  }, 300_000);

  it('deleting a title mid-encode cancels its running jobs and leaves none of its objects behind', async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, settings: { chunkSegments: 1 } });
    const id = await ingest(stack.api.app, master);
    const q = queueOf(stack);
    await runningChunk(q.queue);
    const del = await stack.api.app.inject({ method: 'DELETE', url: `/v1/titles/${id}` });
    expect(del.statusCode).toBe(204);
    const settled = async (): Promise<boolean> => {
      const busy = [];
      for (const lane of [q.queue, q.express])
        busy.push(
          ...(await lane.getActive()),
          ...(await lane.getWaiting()),
          ...(await lane.getPrioritized()),
          ...(await lane.getDelayed()),
        );
      return !busy.some((j) => JSON.stringify(j.data).includes(id));
    };
    await waitFor("the title's jobs to stop", settled, { timeoutMs: 120_000 });
    const left: string[] = [];
    for await (const o of stack.api.store.list(`titles/${id}/`)) left.push(o.key);
    expect(left).toEqual([]);
    // The chunk that was running was cancelled at once (not encoded to the end, not retried).
    const ended = (await q.queue.getCompleted()).filter((j) => j.data.layout?.titleId === id);
    expect(
      ended.some((j) => j.name === 'encode-chunk' && j.attemptsMade <= 1 && (j.returnvalue as { cancelled?: boolean }).cancelled === true),
    ).toBe(true);
    expect([...(await q.queue.getFailed()), ...(await q.express.getFailed())].filter((j) => j.data.layout?.titleId === id)).toEqual([]);
    expect(stack.workers.every((w) => Object.values(w.lanes).every((l) => l.isRunning()))).toBe(true);
    await q.close();
  }, 300_000);
});
