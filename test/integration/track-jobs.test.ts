import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { QueueEvents, UnrecoverableError, Worker, type FlowProducer, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../orchestrator/runtime/children.ts';
import { connectedProducer, createFlowProducer, laneQueueName, QUEUE_NAME, workerConnection } from '../../pipeline/queue.ts';
import { encodeFlow } from '../../pipeline/graph.ts';
import { encodeLayout, tracksLayout, type EncodeAudioJobData, type PackageJobData } from '../../pipeline/types.ts';
import { enqueueTracks, retryFailedTracks, type TrackPlan } from '../../workers/jobs/enqueue-tracks.ts';
import type { WorkerDeps } from '../../workers/jobs/context.ts';

/**
 * The sound and subtitles are queued by the probe and attached to `package` by the encode, on
 * real Redis and BullMQ: a job already done gives the parent its result, one still to run
 * reports to it when it ends, and one that had failed for good runs again instead of holding
 * the parent forever. The handlers are stand-ins: what is under test is the attachment.
 */
describe("a title's sound and subtitles, queued before its encode", () => {
  const prefix = 'vf-tracks';
  let dir: string;
  let redis: RedisServer;
  let conn: Redis;
  let flow: FlowProducer;
  let events: QueueEvents;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-tracks-'));
    redis = await startRedisServer(dir);
    conn = await connectedProducer(redis.url);
    flow = createFlowProducer(conn, prefix);
    events = new QueueEvents(laneQueueName(QUEUE_NAME, 'express'), { connection: workerConnection(redis.url), prefix });
    await events.waitUntilReady();
  }, 60_000);

  afterAll(async () => {
    await events?.close();
    await flow?.close();
    conn?.disconnect();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('attaches done, failed and waiting jobs to package, which runs once each has a result', async () => {
    const titleId = randomUUID();
    const layout = tracksLayout(titleId, `masters/${titleId}`, 'v1');
    const audio = [0, 1, 2].map((streamIndex) => ({ layout, track: { streamIndex }, trackCount: 3 }) as unknown as EncodeAudioJobData);
    const plan = { layout, jobs: { audio } } as unknown as TrackPlan;
    const deps = { flow, queueName: QUEUE_NAME, log: { info: () => {}, warn: () => {}, error: () => {} } } as unknown as WorkerDeps;
    const runs: string[] = [];
    // Stream 0 is encoded, stream 1 fails for good on its first run, stream 2 waits for the encode.
    const worker = new Worker(
      laneQueueName(QUEUE_NAME, 'express'),
      async (job: Job) => {
        if (job.name === 'package') return Object.values(await job.getChildrenValues());
        const { streamIndex } = (job.data as EncodeAudioJobData).track;
        runs.push(`${streamIndex}${job.parentKey === undefined ? '' : ' under package'}`);
        if (streamIndex === 1 && job.parentKey === undefined) throw new UnrecoverableError('the worker went down twice');
        return { streamIndex, renditions: [] };
      },
      { connection: workerConnection(redis.url), prefix, autorun: false },
    );
    try {
      await enqueueTracks(deps, { ...plan, jobs: { audio: audio.slice(0, 2) } });
      // Queued twice (a probe delivered again): the same two jobs.
      await enqueueTracks(deps, { ...plan, jobs: { audio: audio.slice(0, 2) } });
      const [done, failed] = await Promise.all(
        [0, 1].map(async (i) => {
          const job = await flow.getFlow({ id: `audio-${titleId}-tracks-v1-${i}`, queueName: laneQueueName(QUEUE_NAME, 'express') });
          return job.job;
        }),
      );
      if (done === undefined || failed === undefined) throw new Error('the probe did not queue both streams');
      void worker.run();
      await done.waitUntilFinished(events);
      await expect(failed.waitUntilFinished(events)).rejects.toThrow(/went down twice/);
      await worker.pause();

      const encode = encodeLayout(titleId, `masters/${titleId}`, 'e1');
      const pkg = { layout: encode, tracks: layout, chunkCount: 0 } as unknown as PackageJobData;
      const added = await flow.add(encodeFlow(QUEUE_NAME, pkg, [], { audio }));
      expect(await added.job.getState()).toBe('waiting-children');
      await retryFailedTracks(deps, plan);
      worker.resume();
      const results = (await added.job.waitUntilFinished(events)) as { streamIndex: number }[];
      expect(results.map((r) => r.streamIndex).sort()).toEqual([0, 1, 2]);
      // Stream 0 ran once, before the encode; stream 1 again under it; stream 2 only under it.
      expect(runs.sort()).toEqual(['0', '1', '1 under package', '2 under package']);
    } finally {
      await worker.close();
    }
  }, 60_000);
});
