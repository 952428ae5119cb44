/**
 * The `sample` job: a window of the title encoded at every candidate size × CRF and measured
 * against the master, the points `build-ladder` makes the ladder from.
 */
import { framesOf } from '../../ffmpeg/source-frames.ts';
import type { SampleJobData } from '../../pipeline/types.ts';
import { failureOf, isFinalAttempt, type Handler } from './context.ts';
import { withScratch } from '../../storage/scratch.ts';
import { oneReadSamples } from './one-read-samples.ts';
import { sampleWindow, type SampleResult } from './sample-window.ts';

/** What a sample job returns when its last attempt failed: the ladder job goes on without it. */
export interface SampleFailure {
  readonly failed: string;
}

/**
 * Encodes the job's window (or windows: `followingWindows`) at every candidate size × CRF and
 * measures each against the master. A sample is an optimisation, never a reason to lose a
 * title: once its retries are spent it returns its failure (the worker would otherwise fail
 * the title), and `build-ladder` carries on with the other windows, or falls back to the fixed
 * ladder with the reason recorded.
 */
export const sampleHandler: Handler<'sample'> = async (job, ctx) => {
  try {
    const d = job.data;
    if (await ctx.deps.titles.isFinalOrGone(d.source.titleId)) return { skipped: true };
    const input = await ctx.deps.store.readableLocation(d.source.sourceKey);
    const result = await withScratch(ctx.deps.tmpDir, job.id ?? 'sample', (dir) =>
      d.followingWindows === undefined ? ownRead(d, input, dir, ctx.signal) : oneReadSamples(d, input, dir, ctx.signal),
    );
    await job.updateProgress(100);
    return result;
  } catch (err) {
    if (ctx.signal.aborted || !isFinalAttempt(job, err)) throw err;
    const message = `window ${job.data.index} at ${job.data.window.startS.toFixed(1)} s: ${failureOf(err, 'VF_SAMPLE_FAILED', ctx.deps.redact).error.message}`;
    ctx.deps.log.warn({ titleId: job.data.source.titleId, jobId: job.id, err: message }, 'sample failed; the ladder goes on without it');
    return { failed: message } satisfies SampleFailure;
  }
};

/** One window, read on its own from its keyframe (or a lead ahead of it). */
async function ownRead(d: SampleJobData, input: string, dir: string, signal: AbortSignal): Promise<SampleResult> {
  const frames = {
    ...framesOf(d.window, d.timeline.frameRate),
    ...(d.window.keyframeS === undefined ? {} : { fromKeyframeS: d.window.keyframeS }),
  };
  const sampled = await sampleWindow(d, { input, timeline: d.timeline, frames, ...(d.crop === undefined ? {} : { crop: d.crop }) }, dir, {
    selfCheck: d.selfCheck !== false,
    signal,
  });
  return {
    windows: [{ weight: d.window.weight, rateScale: d.window.rateScale ?? 1, mseScale: d.window.mseScale ?? 1, points: sampled.points }],
    encodeS: sampled.encodeS,
    ...sampled.checked,
  };
}
