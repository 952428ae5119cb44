import { timelineOf } from '../../ffmpeg/source-frames.ts';
import path from 'node:path';
import pino from 'pino';
import { Redis } from 'ioredis';
import type { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { countFrames, makeMaster } from '../support/media.ts';
import { ingest, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { TitleStore } from '../../titles/store.ts';
import { createObjectStore } from '../../storage/index.ts';
import { createFlowProducer, createQueue, QUEUE_NAME } from '../../pipeline/queue.ts';
import { measureRungsHandler } from '../../workers/jobs/measure-rungs.ts';
import type { WorkerDeps } from '../../workers/jobs/context.ts';
import type { MeasureRungsJobData } from '../../pipeline/types.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * The rungs' quality is measured after `ready`, by its own job: a measurement that cannot be
 * made is recorded on the title and never touches what players are being served.
 */
describe('measure-rungs after publication', () => {
  let stack: TestStack;
  let redis: Redis;
  let deps: WorkerDeps;
  let queue: Queue | undefined;
  let titleId: string;
  let outputPrefix: string;
  let firstMeasured: unknown;
  let masterFrames: number;

  /** The job as BullMQ hands it over: its data and how many attempts it has made. */
  const jobOf = (data: MeasureRungsJobData, attemptsMade: number) =>
    ({
      id: `measure-test-${attemptsMade}`,
      name: 'measure-rungs',
      data,
      attemptsMade,
      opts: { attempts: 4 },
      updateProgress: async () => undefined,
    }) as unknown as Job<MeasureRungsJobData, unknown, 'measure-rungs'>;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 1 });
    const dir = await tempDir('vf-rq-');
    const master = path.join(dir, 'master.mp4');
    await makeMaster(master, { width: 640, height: 360, fps: 25, durationS: 8 });
    titleId = await ingest(stack.api.app, master);
    expect((await waitForFinal(stack.api.app, titleId)).state).toBe('ready');
    const t = await waitForRungQuality(stack.api.app, titleId);
    expect(t.rungQuality?.status).toBe('measured');
    firstMeasured = t.rungQuality;
    masterFrames = await countFrames(master);
    redis = new Redis(stack.redis.url);
    const titles = new TitleStore(redis, stack.config.prefix);
    outputPrefix = (await titles.get(titleId))?.outputPrefix ?? '';
    queue = createQueue(redis, stack.config.prefix);
    deps = {
      store: await createObjectStore(stack.config.storage),
      titles,
      flow: createFlowProducer(redis, stack.config.prefix),
      queue,
      queueName: QUEUE_NAME,
      settings: stack.config.settings,
      ladderPolicy: 'fixed',
      tmpDir: stack.dir,
      log: pino({ level: 'silent' }),
    };
  }, 180_000);

  afterAll(async () => {
    await deps?.flow.close();
    await queue?.close();
    redis?.disconnect();
    await stack?.close();
  });

  const dataFor = async (sourceKey: string): Promise<MeasureRungsJobData> => {
    const t = await deps.titles.get(titleId);
    return {
      layout: { titleId, sourceKey, workPrefix: `titles/${titleId}/work/x/`, outputPrefix },
      timeline: t?.probe === undefined ? { frameRate: { num: 25, den: 1 }, videoStartS: 0, videoOffsetS: 0 } : timelineOf(t.probe),
      sourceSize: { width: 640, height: 360 },
      windows: [{ startS: 2, durationS: 2 }],
    };
  };

  it('compares every frame of the title, as ffprobe counts them', () => {
    expect(masterFrames).toBe(200);
    expect(firstMeasured).toEqual({ status: 'measured', frames: [{ startFrame: 0, endFrame: masterFrames }], frameStep: 1 });
  });

  it('measures again what a lost result left pending, rung by rung, from the published segments', async () => {
    const before = await deps.titles.get(titleId);
    const stripped = (before?.renditions ?? []).map(({ measuredPsnrDb: _p, measuredSsim: _s, ...r }) => r);
    expect(await deps.titles.updatePublished(titleId, outputPrefix, { renditions: stripped, rungQuality: { status: 'pending' } })).toBe(
      true,
    );
    const result = await measureRungsHandler(jobOf(await dataFor(before?.source?.key ?? ''), 0), {
      deps,
      signal: new AbortController().signal,
    });
    expect(result).toMatchObject({ measured: true });
    const after = await deps.titles.get(titleId);
    expect(after?.rungQuality?.status).toBe('measured');
    // The window 2-4 s of a 25 fps title, every frame: the title says what was compared.
    expect(after?.rungQuality).toMatchObject({ frames: [{ startFrame: 50, endFrame: 100 }], frameStep: 1 });
    const psnr = (after?.renditions ?? []).filter((r) => r.kind === 'video').map((r) => r.measuredPsnrDb);
    expect(psnr.length).toBeGreaterThan(1);
    for (const p of psnr) expect(p).toBeGreaterThan(25);
  }, 120_000);

  it('retries a measurement that fails, then records the reason on its last attempt; the title stays ready and served', async () => {
    await deps.titles.updatePublished(titleId, outputPrefix, { rungQuality: { status: 'pending' } });
    const data = await dataFor(`titles/${titleId}/no-such-master.mp4`);
    const signal = new AbortController().signal;
    // Not the last attempt: thrown, so BullMQ tries again.
    await expect(measureRungsHandler(jobOf(data, 0), { deps, signal })).rejects.toThrow();
    expect((await deps.titles.get(titleId))?.rungQuality?.status).toBe('pending');
    // The last one: recorded, not thrown, and nothing published is touched.
    expect(await measureRungsHandler(jobOf(data, 3), { deps, signal })).toMatchObject({ measured: false });
    const t = await deps.titles.get(titleId);
    expect(t?.state).toBe('ready');
    expect(t?.rungQuality?.status).toBe('failed');
    expect(t?.rungQuality?.reason).toMatch(/no-such-master|not found|No such file/i);
    const m3u8 = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/master.m3u8` });
    expect(m3u8.statusCode).toBe(200);
    const view = (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}` })).json<{ rungQuality?: { status: string } }>();
    expect(view.rungQuality?.status).toBe('failed');
  }, 120_000);

  it('never annotates another version of the title, nor brings a deleted title back', async () => {
    expect(await deps.titles.updatePublished(titleId, `${outputPrefix}other/`, { rungQuality: { status: 'measured' } })).toBe(false);
    expect((await deps.titles.get(titleId))?.rungQuality?.status).toBe('failed');
    const del = await stack.api.app.inject({ method: 'DELETE', url: `/v1/titles/${titleId}` });
    expect(del.statusCode).toBeLessThan(300);
    expect(await deps.titles.updatePublished(titleId, outputPrefix, { rungQuality: { status: 'measured' } })).toBe(false);
    expect(await redis.exists(`${stack.config.prefix}:title:${titleId}`)).toBe(0);
    // A job delivered after the deletion skips.
    expect(await measureRungsHandler(jobOf(await dataFor('x'), 0), { deps, signal: new AbortController().signal })).toEqual({
      skipped: 'deleted',
    });
  }, 60_000);
});
