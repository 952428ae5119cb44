/**
 * Per-title analysis is an optimisation: when it fails, the title is encoded with the fixed
 * ladder and the reason is recorded, never failed. Here a sample job fails for real (x264
 * refuses an odd frame size) on every attempt, in a build-ladder flow on the real queue, and
 * the title still becomes ready, saying why in a warning. A failure to enqueue the encode is
 * not the analysis's: the job fails, and its retry enqueues the same per-title ladder.
 */
import { timelineOf } from '../../ffmpeg/source-frames.ts';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { makeMaster } from '../support/media.ts';
import { waitForFinal } from '../support/api.ts';
import { TitleStore } from '../../titles/store.ts';
import { createFlowProducer, createQueue, DEFAULT_JOB_OPTIONS, producerConnection, QUEUE_NAME } from '../../pipeline/queue.ts';
import { queueOf } from '../../pipeline/graph.ts';
import { activeCodedSize, activeDisplaySize, probeMaster } from '../../ffmpeg/probe.ts';
import { appleLadder } from '../../ladder/fixed.ts';
import { jobIds, type JobDataByName, type SourceRef } from '../../pipeline/types.ts';
import { buildLadderHandler } from '../../workers/jobs/ladder-analysis.ts';
import type { WorkerDeps } from '../../workers/jobs/context.ts';
import type { RdPoint } from '../../ladder/types.ts';
import type { Job } from 'bullmq';
import pino from 'pino';

describe('per-title analysis that fails', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 1, ladderPolicy: 'per-title' });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-fallback-'));
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** A 640x360 master of `durationS` stored under a new title's key and probed, as the probe job leaves it. */
  const storedMaster = async (name: string, durationS: number) => {
    const file = path.join(dir, name);
    await makeMaster(file, { width: 640, height: 360, fps: 25, durationS });
    const bytes = await readFile(file);
    const id = randomUUID();
    const key = `titles/${id}/source/master`;
    await stack.api.store.put(key, bytes);
    const source: SourceRef = { titleId: id, sourceKey: key, sha256: createHash('sha256').update(bytes).digest('hex') };
    return { id, key, bytes, source, probe: await probeMaster(file) };
  };

  it('a sample failing on every attempt is returned as its reason; build-ladder falls back to the fixed ladder and the title becomes ready', async () => {
    // The title as the probe job leaves it: master stored and probed, state analyzing.
    const { id, key, bytes, source, probe } = await storedMaster('master.mp4', 6);
    const redis = producerConnection(stack.redis.url);
    await new Promise((resolve) => redis.once('ready', resolve));
    const flow = createFlowProducer(redis, stack.config.prefix);
    const queue = createQueue(redis, stack.config.prefix, 'express');
    try {
      await new TitleStore(redis, stack.config.prefix).create(id, 'fallback', 'analyzing', {
        source: { key, sizeBytes: bytes.length, sha256: source.sha256 },
        probe,
      });
      const window = { startS: 1, durationS: 2, weight: 1 };
      const sample: JobDataByName['sample'] = {
        source,
        index: 0,
        window,
        timeline: timelineOf(probe),
        sourceSize: activeCodedSize(probe.video),
        // 4:2:0 has no odd sizes: libx264 refuses to open, on every attempt.
        sizes: [{ width: 321, height: 181 }],
        crfs: [27],
        settings: stack.config.settings,
      };
      const fixed = appleLadder(activeDisplaySize(probe.video));
      await flow.add({
        name: 'build-ladder',
        queueName: queueOf(QUEUE_NAME, 'build-ladder'),
        data: { source, probe, fixed, windows: [window], startedAtMs: Date.now() } satisfies JobDataByName['build-ladder'],
        opts: { ...DEFAULT_JOB_OPTIONS, jobId: jobIds.buildLadder(source) },
        children: [
          {
            name: 'sample',
            queueName: queueOf(QUEUE_NAME, 'sample'),
            data: sample,
            opts: {
              ...DEFAULT_JOB_OPTIONS,
              attempts: 2,
              backoff: { type: 'fixed', delay: 100 },
              ignoreDependencyOnFailure: true,
              jobId: jobIds.sample(source, 0),
            },
          },
        ],
      });

      const t = await waitForFinal(stack.api.app, id, 240_000);
      expect(t.error).toBeUndefined();
      expect(t.state).toBe('ready');
      expect(t.ladderAnalysis?.policy).toBe('fixed');
      expect(t.ladderAnalysis?.fallbackReason).toMatch(
        /^per-title analysis failed, fixed ladder used: no sample window could be measured \(1 planned\): window 0 at 1\.0 s: ffmpeg exited/,
      );
      expect(t.warnings).toContainEqual({ code: 'VF_LADDER_FALLBACK', message: t.ladderAnalysis?.fallbackReason });
      expect((t.ladder ?? []).map((r) => `${r.width}x${r.height}`)).toEqual(fixed.map((r) => `${r.width}x${r.height}`));
      // Both attempts ran and failed; the job then completed with its reason instead of failing the title.
      const job = await queue.getJob(jobIds.sample(source, 0));
      expect(await job?.getState()).toBe('completed');
      expect(job?.attemptsMade).toBeGreaterThanOrEqual(1);
      expect(job?.returnvalue).toMatchObject({ failed: expect.stringMatching(/^window 0 at 1\.0 s: /) });
    } finally {
      await queue.close();
      await flow.close();
      redis.disconnect();
    }
  }, 300_000);

  it('an encode that cannot be enqueued fails the job and keeps the per-title choice; the retry ships it', async () => {
    const { id, key, bytes, source, probe } = await storedMaster('enqueue.mp4', 4);
    const redis = producerConnection(stack.redis.url);
    await new Promise((resolve) => redis.once('ready', resolve));
    // A flow producer whose connection is lost for good: every add fails at once.
    const lost = producerConnection(stack.redis.url, { retryStrategy: () => null });
    await new Promise((resolve) => lost.once('ready', resolve));
    const titles = new TitleStore(redis, stack.config.prefix);
    const queue = createQueue(redis, stack.config.prefix);
    const deps = (flow: WorkerDeps['flow']): WorkerDeps => ({
      store: stack.api.store,
      titles,
      flow,
      queue,
      queueName: QUEUE_NAME,
      settings: stack.config.settings,
      ladderPolicy: 'per-title',
      tmpDir: dir,
      log: pino({ level: 'silent' }),
    });
    const deadFlow = createFlowProducer(lost, stack.config.prefix);
    await deadFlow.waitUntilReady();
    lost.disconnect();
    const liveFlow = createFlowProducer(redis, stack.config.prefix);
    try {
      await titles.create(id, 'enqueue', 'analyzing', { source: { key, sizeBytes: bytes.length, sha256: source.sha256 }, probe });
      // Two sizes at the sample CRFs, as the samples measure them: width, height, CRF, kbit/s, PSNR-Y, SSIM.
      const measured: [number, number, number, number, number, number][] = [
        [416, 234, 20, 400, 42, 0.985],
        [416, 234, 27, 180, 37.5, 0.965],
        [416, 234, 34, 80, 33, 0.93],
        [640, 360, 20, 900, 44, 0.99],
        [640, 360, 27, 380, 39.5, 0.975],
        [640, 360, 34, 160, 35, 0.945],
      ];
      const points = measured.map(
        ([width, height, crf, bitrateKbps, psnrY, ssim]): RdPoint => ({ width, height, crf, bitrateKbps, psnrY, ssim }),
      );
      const window = { startS: 1, durationS: 2, weight: 1 };
      const data: JobDataByName['build-ladder'] = {
        source,
        probe,
        fixed: appleLadder(activeDisplaySize(probe.video)),
        windows: [window],
        startedAtMs: Date.now(),
      };
      const job = {
        id: jobIds.buildLadder(source),
        data,
        getChildrenValues: async () => ({ [`sample:${id}:0`]: { weight: 1, points } }),
      } as unknown as Job<JobDataByName['build-ladder'], unknown, 'build-ladder'>;
      const signal = new AbortController().signal;

      await expect(buildLadderHandler(job, { deps: deps(deadFlow), signal })).rejects.toThrow();
      const after = await titles.get(id);
      expect(after?.ladderAnalysis?.policy).toBe('per-title');
      expect(after?.ladderAnalysis?.fallbackReason).toBeUndefined();
      const chosen = after?.ladder?.map((r) => `${r.width}x${r.height}@${r.bitrateKbps}`);
      expect(chosen?.length).toBeGreaterThanOrEqual(2);

      expect(await buildLadderHandler(job, { deps: deps(liveFlow), signal })).toMatchObject({ rungs: chosen?.length });
      const t = await waitForFinal(stack.api.app, id, 240_000);
      expect(t.state).toBe('ready');
      expect(t.ladderAnalysis?.policy).toBe('per-title');
      expect(t.ladder?.map((r) => `${r.width}x${r.height}@${r.bitrateKbps}`)).toEqual(chosen);
      expect((t.warnings ?? []).map((w) => w.code)).not.toContain('VF_LADDER_FALLBACK');
    } finally {
      await liveFlow.close();
      await deadFlow.close();
      await queue.close();
      redis.disconnect();
    }
  }, 300_000);
});
