import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeQueues, connectedProducer, createQueues } from '../../pipeline/queue.ts';
import { getTitle, ingest } from '../support/api.ts';
import { makeMaster } from '../support/media.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { waitUntil } from '../support/wait.ts';

/**
 * One worker process, busy encoding a chunk of a long title: a title uploaded meanwhile is
 * probed and analysed beside that chunk (the express lane), instead of waiting for it to end.
 * A title's sound needs no ladder: the probe queues it.
 */
describe('the express lane', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    // veryfast 720p chunks of 36 s (6 segments of 6 s): each runs many times longer than a short
    // title's probe and analysis, on a machine loaded by other tests too.
    stack = await startTestStack({
      storage: 'local',
      workers: 1,
      ladderPolicy: 'per-title',
      settings: { preset: 'veryfast', chunkSegments: 6 },
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-express-'));
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("probes and analyses a title while another title's chunk encodes, on a worker that runs one chunk at a time", async () => {
    const long = path.join(dir, 'long.mp4');
    const short = path.join(dir, 'short.mp4');
    await makeMaster(long, { width: 1280, height: 720, fps: 25, durationS: 72 });
    await makeMaster(short, { width: 640, height: 360, fps: 25, durationS: 5 });
    const conn = await connectedProducer(stack.redis.url);
    const lanes = createQueues(conn, stack.config.prefix);
    try {
      const longId = await ingest(stack.api.app, long);
      const chunk: Job = await waitUntil(
        'a chunk of the long title to be running',
        async () => (await lanes.encode.getActive()).find((j) => j.name === 'encode-chunk' && (j.id ?? '').includes(longId)),
        { timeoutMs: 120_000 },
      );
      const shortId = await ingest(stack.api.app, short);
      // Its probe, samples and ladder all ran to the end while the chunk was still running.
      const ran = await waitUntil("the short title's ladder to be built", async () => {
        const done = (await lanes.express.getCompleted(0, -1)).filter((j) => (j.id ?? '').includes(shortId)).map((j) => j.name);
        return done.includes('build-ladder') ? done : undefined;
      });
      expect(await chunk.getState()).toBe('active');
      expect(ran).toEqual(expect.arrayContaining(['probe', 'sample', 'build-ladder']));
      expect(['encoding', 'packaging', 'ready']).toContain((await getTitle(stack.api.app, shortId)).state);
    } finally {
      await closeQueues(lanes);
      conn.disconnect();
    }
  }, 300_000);

  it('queues the sound from the probe, before the ladder is chosen, and attaches it to the encode', async () => {
    const master = path.join(dir, 'sound.mp4');
    await makeMaster(master, { width: 640, height: 360, fps: 25, durationS: 8 });
    const conn = await connectedProducer(stack.redis.url);
    const lanes = createQueues(conn, stack.config.prefix);
    try {
      const id = await ingest(stack.api.app, master);
      // The encode is queued once the ladder is built: package waits for its children there.
      const pkg: Job = await waitUntil("the title's encode to be queued", async () =>
        (await lanes.express.getJobs(['waiting-children', 'wait', 'active', 'completed'])).find(
          (j) => j.name === 'package' && (j.id ?? '').includes(id),
        ),
      );
      const jobs = await lanes.express.getJobs(['completed', 'active', 'wait', 'prioritized', 'waiting-children', 'delayed']);
      const named = (name: string): Job => {
        const job = jobs.find((j) => j.name === name && (j.id ?? '').includes(id));
        if (job === undefined) throw new Error(`no ${name} job`);
        return job;
      };
      const [probe, ladder, audio] = [named('probe'), named('build-ladder'), named('encode-audio')];
      // Created by the probe, just after the analysis it queued (an idle worker takes the samples
      // first), before the encode existed; the encode made it package's child.
      expect(audio.timestamp).toBeGreaterThanOrEqual(ladder.timestamp);
      expect(audio.timestamp).toBeLessThanOrEqual(probe.finishedOn ?? 0);
      expect(pkg.timestamp).toBeGreaterThan(audio.timestamp);
      expect((await lanes.express.getJob(audio.id ?? ''))?.parentKey).toBe(`${stack.config.prefix}:${pkg.queueName}:${pkg.id}`);
    } finally {
      await closeQueues(lanes);
      conn.disconnect();
    }
  }, 300_000);
});
