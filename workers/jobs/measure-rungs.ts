/**
 * The `measure-rungs` job: PSNR-Y and SSIM of every published video rung against the master,
 * over the whole title (a share of one frame in {@link rungFrameStep}), written onto the title's
 * renditions. A figure taken on a few stretches is not the rung's: on real clips the sample
 * windows alone read up to 1.1 dB above the whole rung by a plain ffmpeg psnr (launch, its top
 * rung: 44.1 against 43.0 dB), where a viewer and the BD-rate see the whole.
 *
 * It runs after the title is `ready`, not inside the package job: players need the segments,
 * not the figures, and measuring (a decode of every rung and of the master, each rung scaled
 * back to the master's size) took a third of the package job, all of it on the title's
 * critical path (bench:pipeline). The title says where the figures stand in `rungQuality`
 * (`pending`, `measured`, `failed`). A failed measurement never touches the published title.
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { peakSegmentBps, targetDuration, type Presentation, type VideoTrack } from '../../packaging/model.ts';
import type { Rendition } from '../../titles/model.ts';
import { measureQualityFrames } from '../measure/quality.ts';
import { summariseFrames, type QualityFrames, type QualitySummary } from '../measure/parse.ts';
import { measureRungsJob } from '../../pipeline/graph.ts';
import { failureOf, isFinalAttempt, type Handler, type WorkerDeps } from './context.ts';
import { withScratch } from '../../storage/scratch.ts';
import type { MeasureRungsJobData, SampledWindow, TimeWindow } from '../../pipeline/types.ts';
import { mapLimit } from '../../storage/transfer.ts';
import { firstFrameTimeS } from '../measure/keyframes.ts';
import { framesOf, type FrameRange } from '../../ffmpeg/source-frames.ts';
import { frameRateValue, type Rational } from '../../ffmpeg/probe.ts';
import { pooledPsnrDb } from '../../ladder/pooled-psnr.ts';
import { standInPsnr } from '../../ladder/aggregate.ts';
import { predictionMisses, predictionWarning, worstMiss } from '../../ladder/prediction-check.ts';
import { segmentOfFrame, segmentsOverCap, type CapSplit } from '../../ladder/peak-cap.ts';
import type { Rung } from '../../ladder/types.ts';
import { pickedFrames } from '../../ffmpeg/frame-pick.ts';

/** Idempotent: one job per title and published version. */
export async function enqueueMeasureRungs(deps: WorkerDeps, data: MeasureRungsJobData): Promise<void> {
  await deps.flow.add(measureRungsJob(deps.queueName, data));
}

/** What is compared: every pictured frame of the title, as one stretch from its first frame. */
export function wholeTitle(pictureS: number): TimeWindow[] {
  return [{ startS: 0, durationS: pictureS }];
}

/**
 * Least time a prediction is checked on, in seconds of frames away from the sample windows:
 * a sample window's own least length (one 2 s GOP), so the check stands on no less than the
 * prediction did. A title sampled (nearly) whole has nothing to check it against.
 */
export const CHECK_MIN_S = 2;

/**
 * Frames of a title compared per rung: all of them in a title that has no more, else about
 * this many spread over it without a period (`frame-pick.ts`; every frame is still decoded). What sampling frames costs, as the
 * pooled PSNR-Y of a 234p rung over one frame in N against every frame, at its worst over the
 * first 50 phases of N, on six real titles of 73 s to 463 s (the lecture from
 * texlive-latex-extra-doc, the cutscene from cytadela-data, cartoon, film-montage, intro-3d and
 * vtest of the corpus): 0.002-0.050 dB over 1800-2300 frames, 0.002-0.088 over 900-1160, up to
 * 0.18 over 450-580 and up to 0.64 over about 60. One frame in three of kodi-pvr-mythtv's 4 s
 * slate, 34 frames, read 0.91 dB above every frame of one rung. At 900 the comparisons of a
 * rung cost what a 30 s title's every frame does, however long the title. A stride's phase
 * is not all it risks: it can fall in step with the encode's frame types, which a pick
 * without a period cannot (life's 60 s title, 1500 frames, read 1.0-1.1 dB above every frame on
 * its top rungs by its even frames).
 */
export const MAX_COMPARED_FRAMES = 900;

/** A share of one frame in how many of `frames` is compared: every frame, or fewer past {@link MAX_COMPARED_FRAMES}. Pure. */
export function rungFrameStep(frames: number): number {
  return Math.max(1, Math.ceil(frames / MAX_COMPARED_FRAMES));
}

/** One rung's per-frame figures over the stretches compared, each frame tagged with its index in the title. */
interface RungFrames extends QualityFrames {
  readonly titleFrames: readonly number[];
}

/** One rung's published init and segments joined back into one fragmented MP4, as a player reads them. */
async function joinTrack(deps: WorkerDeps, prefix: string, track: VideoTrack, file: string): Promise<void> {
  const names = [track.initName, ...track.segments.map((s) => s.name)];
  await pipeline(async function* () {
    for (const name of names) yield* await deps.store.stream(`${prefix}${track.dir}/${name}`);
  }, createWriteStream(file));
}

/**
 * Every rung measured over every stretch, one ffmpeg per stretch for all rungs, so the master
 * is decoded once, not once per rung: per rung, its compared frames' figures in title order.
 */
async function measurePublished(
  deps: WorkerDeps,
  d: MeasureRungsJobData,
  frames: readonly Required<FrameRange>[],
  video: readonly VideoTrack[],
  step: number,
  dir: string,
  signal: AbortSignal,
): Promise<RungFrames[]> {
  const joined = await mapLimit(video, 4, async (track, i) => {
    const file = path.join(dir, `r${i}.mp4`);
    await joinTrack(deps, d.layout.outputPrefix, track, file);
    // Frame 0 of the rung is frame 0 of the title; where it sits is read from the rung itself.
    return { file, firstPtsS: await firstFrameTimeS(file, signal) };
  });
  const reference = await deps.store.readableLocation(d.layout.sourceKey);
  const picture = { ...d.sourceSize, ...(d.crop === undefined ? {} : { crop: d.crop }) };
  const rungs = video.map(() => ({ titleFrames: [] as number[], mseY: [] as number[], ssimY: [] as number[] }));
  for (const window of frames) {
    const perRung = await measureQualityFrames(
      {
        reference: { input: reference, timeline: d.timeline, frames: window },
        picture,
        distorted: joined.map((j) => ({
          input: j.file,
          window: { firstPtsS: j.firstPtsS, frameRate: d.timeline.frameRate, frames: window },
        })),
        frameStep: step,
      },
      dir,
      signal,
    );
    const picked = pickedFrames(window.endFrame - window.startFrame, step);
    for (const [i, q] of perRung.entries()) {
      const r = rungs[i];
      if (r === undefined) continue;
      q.mseY.forEach((mse, k) => {
        r.titleFrames.push(window.startFrame + (picked[k] ?? NaN));
        r.mseY.push(mse);
        r.ssimY.push(q.ssimY[k] ?? NaN);
      });
    }
  }
  await Promise.all(joined.map((j) => rm(j.file, { force: true })));
  return rungs;
}

/** Where the prediction is checked: whether a frame of the title lies outside every sample window. */
type Checked = (titleFrame: number) => boolean;

function outsideWindows(sampled: readonly Required<FrameRange>[]): Checked {
  return (frame) => !sampled.some((w) => frame >= w.startFrame && frame < w.endFrame);
}

/**
 * Each rung's figures over its frames that no sample window holds, where its prediction is
 * checked; undefined when those frames span less than {@link CHECK_MIN_S}. Pure.
 */
export function beside(
  rungs: readonly RungFrames[],
  sampled: readonly Required<FrameRange>[],
  frameRate: number,
  step: number,
): (QualitySummary | undefined)[] | undefined {
  const outside = outsideWindows(sampled);
  const first = rungs[0];
  if (first === undefined) return undefined;
  // Each compared frame stands for `step` of the title's, as the pick takes one in `step` of every stretch.
  const checkedS = (first.titleFrames.filter(outside).length * step) / frameRate;
  if (checkedS < CHECK_MIN_S - 1e-9) return undefined;
  return rungs.map((r) => summariseFrames(r, (k) => outside(r.titleFrames[k] ?? -1)));
}

/**
 * A rung's figure from its own frames inside the sample windows, each window weighted and its
 * MSE scaled as the prediction pooled the samples (`aggregate.ts`): what the samples would have
 * predicted had they measured the rung itself. Its gap to the prediction is what the rung's
 * encode (its peak cap, the chunk it was coded in) took on the very frames the samples measured;
 * its gap to the frames away from the windows is what those added (the windows' stand-in for
 * them, or the cap there). Undefined when a window has no weight or no compared frame. Pure.
 */
export function ownSampledPsnrDb(frames: RungFrames, windows: readonly SampledWindow[], rate: Rational): number | undefined {
  const parts: { psnrDb: number; weight: number }[] = [];
  for (const w of windows) {
    if (!(w.weight > 0)) return undefined;
    const { startFrame, endFrame } = framesOf(w, rate);
    const q = summariseFrames(frames, (k) => {
      const f = frames.titleFrames[k] ?? -1;
      return f >= startFrame && f < endFrame;
    });
    if (q === undefined) return undefined;
    parts.push(standInPsnr(q.psnrY, w));
  }
  return parts.length === 0 ? undefined : pooledPsnrDb(parts);
}

/** The renditions with each video rung's figures set (video renditions are in rung order, as packaged). */
export function withMeasuredQuality(renditions: readonly Rendition[], quality: readonly (QualitySummary | undefined)[]): Rendition[] {
  let v = 0;
  return renditions.map((r) => {
    if (r.kind !== 'video') return r;
    const q = quality[v++];
    return q === undefined
      ? r
      : { ...r, measuredPsnrDb: Math.round(q.psnrY * 100) / 100, measuredSsim: Math.round(q.ssim * 10000) / 10000 };
  });
}

/**
 * How a rung measured, over its checked frames, in its segments over its peak cap and in the
 * rest; undefined when no checked frame lies in a segment over the cap, or, with none over it,
 * when it checked no frame. Pure.
 */
export function capSplit(
  frames: RungFrames,
  track: Pick<VideoTrack, 'segments'>,
  rung: Pick<Rung, 'bitrateKbps'>,
  maxrateRatio: number,
  frameRate: number,
  checked: Checked,
): CapSplit | undefined {
  // Segments of at least half the target duration, as the RFC's peak counts them.
  const over = segmentsOverCap(track.segments, rung.bitrateKbps, maxrateRatio, targetDuration(track) / 2);
  const segmentOf = segmentOfFrame(track.segments, frameRate);
  const part = (wanted: boolean) =>
    summariseFrames(frames, (k) => {
      const f = frames.titleFrames[k] ?? -1;
      return checked(f) && over[segmentOf(f)] === wanted;
    });
  const count = over.filter(Boolean).length;
  const [overQ, restQ] = [part(true), part(false)];
  // Segments over the cap that no checked frame lies in say nothing of how they measured.
  if (count > 0 ? overQ === undefined : restQ === undefined) return undefined;
  return {
    over: count,
    segments: over.length,
    maxrateRatio,
    peakRatio: peakSegmentBps(track) / (rung.bitrateKbps * 1000),
    overPsnrDb: overQ?.psnrY,
    restPsnrDb: restQ?.psnrY,
  };
}

/** The title's warning when a rung measured well under its prediction away from the sample windows. */
function predictionCheck(
  ladder: readonly Rung[],
  checked: readonly (QualitySummary | undefined)[],
  d: MeasureRungsJobData,
  durationS: number,
  splitOf: (rung: number) => CapSplit | undefined,
  ownSampledOf: (rung: number) => number | undefined,
): { code: string; message: string } | undefined {
  const misses = predictionMisses(
    ladder.map((r, i) => ({ width: r.width, height: r.height, predictedPsnrDb: r.predictedPsnrDb, checkedPsnrDb: checked[i]?.psnrY })),
  );
  const worst = worstMiss(misses);
  if (worst === undefined) return undefined;
  const sampledS = (d.sampleWindows ?? []).reduce((s, w) => s + w.durationS, 0);
  return predictionWarning(misses, sampledS, durationS, splitOf(worst.rung), ownSampledOf(worst.rung));
}

export const measureRungsHandler: Handler<'measure-rungs'> = async (job, { deps, signal }) => {
  const d = job.data;
  const titleId = d.layout.titleId;
  try {
    const title = await deps.titles.get(titleId);
    // Only the version this job was queued for: a re-encode has its own job.
    if (title?.state !== 'ready' || title.outputPrefix !== d.layout.outputPrefix) return { skipped: title?.state ?? 'deleted' };
    if (title.rungQuality?.status === 'measured') return { skipped: 'measured' };
    const presentation = JSON.parse((await deps.store.get(`${d.layout.outputPrefix}presentation.json`)).toString('utf8')) as Presentation;
    // The title's frames compared: measured, and recorded on the title for anyone to check.
    const rate = d.timeline.frameRate;
    const frames = d.windows.map((w) => framesOf(w, rate));
    const step = rungFrameStep(frames.reduce((n, w) => n + w.endFrame - w.startFrame, 0));
    const perRung = await withScratch(deps.tmpDir, job.id ?? `measure-${titleId}`, (dir) =>
      measurePublished(deps, d, frames, presentation.video, step, dir, signal),
    );
    const quality = perRung.map((r) => summariseFrames(r));
    const renditions = withMeasuredQuality(title.renditions ?? [], quality);
    // Only where the samples did not look: a fixed ladder, or a title sampled (nearly) whole, has no check.
    const sampled = (d.sampleWindows ?? []).map((w) => framesOf(w, rate));
    const checked = d.sampleWindows === undefined ? undefined : beside(perRung, sampled, frameRateValue(rate), step);
    const ladder = title.ladder ?? [];
    const outside = outsideWindows(sampled);
    const splitOf = (i: number): CapSplit | undefined => {
      const [frames, track, rung] = [perRung[i], presentation.video[i], ladder[i]];
      if (frames === undefined || track === undefined || rung === undefined) return undefined;
      return capSplit(frames, track, rung, deps.settings.maxrateRatio, frameRateValue(rate), outside);
    };
    const ownSampledOf = (i: number): number | undefined => {
      const frames = perRung[i];
      return frames === undefined || d.sampleWindows === undefined ? undefined : ownSampledPsnrDb(frames, d.sampleWindows, rate);
    };
    const warning =
      checked === undefined ? undefined : predictionCheck(ladder, checked, d, title.probe?.durationS ?? NaN, splitOf, ownSampledOf);
    const done = await deps.titles.updatePublished(titleId, d.layout.outputPrefix, {
      renditions,
      rungQuality: { status: 'measured', frames, frameStep: step },
      ...(warning === undefined ? {} : { warnings: [...(title.warnings ?? []), warning] }),
    });
    if (warning !== undefined) deps.log.warn({ titleId, warning: warning.message }, 'per-title prediction missed');
    deps.log.info(
      { titleId, done, psnr: quality.map((q) => (q === undefined ? null : Math.round(q.psnrY * 100) / 100)) },
      'rung quality measured',
    );
    return { measured: done, rungs: quality.length };
  } catch (err) {
    if (signal.aborted || !isFinalAttempt(job, err)) throw err;
    const { error: e, code } = failureOf(err, 'VF_MEASURE_FAILED', deps.redact);
    deps.log.error({ titleId, err: e.message, code }, 'rung quality could not be measured; the title is not affected');
    await deps.titles.updatePublished(titleId, d.layout.outputPrefix, {
      rungQuality: { status: 'failed', reason: `${code}: ${e.message}` },
    });
    return { measured: false, code };
  }
};
