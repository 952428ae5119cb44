/**
 * The `measure-rungs` job: PSNR-Y and SSIM of every published video rung against the master,
 * on sampled windows, written onto the title's renditions.
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
import type { Presentation, VideoTrack } from '../../packaging/model.ts';
import type { Rendition } from '../../titles/model.ts';
import { measureQuality, measureWindows, meanQuality, QUALITY_FRAME_STEP } from '../measure/quality.ts';
import type { QualitySummary } from '../measure/parse.ts';
import { measureRungsJob } from '../../pipeline/graph.ts';
import { failureOf, isFinalAttempt, type Handler, type WorkerDeps } from './context.ts';
import { withScratch } from '../../storage/scratch.ts';
import type { MeasureRungsJobData, TimeWindow } from '../../pipeline/types.ts';
import { mapLimit } from '../../storage/transfer.ts';
import { firstFrameTimeS, readsFromStart } from '../measure/keyframes.ts';
import { framesOf, type FrameRange } from '../../ffmpeg/source-frames.ts';
import { predictionMisses, predictionWarning } from '../../ladder/prediction-check.ts';
import type { Rung } from '../../ladder/types.ts';

/** Idempotent: one job per title and published version. */
export async function enqueueMeasureRungs(deps: WorkerDeps, data: MeasureRungsJobData): Promise<void> {
  await deps.flow.add(measureRungsJob(deps.queueName, data));
}

/** Windows the final quality is measured on when the analysis did not choose them: two short stretches. */
export function defaultQualityWindows(durationS: number): TimeWindow[] {
  const len = Math.min(2, durationS);
  const starts = durationS <= 4 ? [0] : [durationS * 0.25, durationS * 0.6];
  return starts.map((startS) => ({ startS: Math.min(startS, Math.max(0, durationS - len)), durationS: len }));
}

/** The default windows that do not overlap the sample windows: where a per-title prediction is checked. */
export function checkWindowsBeside(durationS: number, sampled: readonly TimeWindow[]): TimeWindow[] {
  const overlaps = (a: TimeWindow, b: TimeWindow): boolean => a.startS < b.startS + b.durationS && b.startS < a.startS + a.durationS;
  return defaultQualityWindows(durationS).filter((w) => !sampled.some((s) => overlaps(w, s)));
}

/** One rung's published init and segments joined back into one fragmented MP4, as a player reads them. */
async function joinTrack(deps: WorkerDeps, prefix: string, track: VideoTrack, file: string): Promise<void> {
  const names = [track.initName, ...track.segments.map((s) => s.name)];
  await pipeline(async function* () {
    for (const name of names) yield* await deps.store.stream(`${prefix}${track.dir}/${name}`);
  }, createWriteStream(file));
}

/**
 * Every rung measured over every window, one ffmpeg per window for all rungs, so the master's
 * window is decoded once, not once per rung. A master every read of which decodes from its
 * start (`readsFromStart`) is decoded once for all windows instead (`measureWindows`): a read
 * per window decoded the title up to each one.
 */
async function measurePublished(
  deps: WorkerDeps,
  d: MeasureRungsJobData,
  frames: readonly Required<FrameRange>[],
  video: readonly VideoTrack[],
  dir: string,
  oneRead: boolean,
  signal: AbortSignal,
): Promise<{ q: QualitySummary[]; weight: number }[]> {
  const joined = await mapLimit(video, 4, async (track, i) => {
    const file = path.join(dir, `r${i}.mp4`);
    await joinTrack(deps, d.layout.outputPrefix, track, file);
    // Frame 0 of the rung is frame 0 of the title; where it sits is read from the rung itself.
    return { file, firstPtsS: await firstFrameTimeS(file, signal) };
  });
  const reference = await deps.store.readableLocation(d.layout.sourceKey);
  const picture = { ...d.sourceSize, ...(d.crop === undefined ? {} : { crop: d.crop }) };
  const distorted = (window: Required<FrameRange>) =>
    joined.map((j) => ({ input: j.file, window: { firstPtsS: j.firstPtsS, frameRate: d.timeline.frameRate, frames: window } }));
  const perWindow: { q: QualitySummary[]; weight: number }[] = [];
  if (oneRead) {
    const q = await measureWindows(
      {
        reference: { input: reference, timeline: d.timeline },
        picture,
        windows: frames.map((w) => ({ frames: w, distorted: distorted(w) })),
        frameStep: QUALITY_FRAME_STEP,
      },
      dir,
      signal,
    );
    for (const [k, window] of frames.entries()) perWindow.push({ q: q[k] ?? [], weight: window.endFrame - window.startFrame });
  } else {
    for (const window of frames) {
      const q = await measureQuality(
        {
          reference: { input: reference, timeline: d.timeline, frames: window },
          picture,
          distorted: distorted(window),
          frameStep: QUALITY_FRAME_STEP,
        },
        dir,
        signal,
      );
      perWindow.push({ q, weight: window.endFrame - window.startFrame });
    }
  }
  await Promise.all(joined.map((j) => rm(j.file, { force: true })));
  return perWindow;
}

/** Each rung's figures over the given windows, weighted by their frames. */
function rungMeans(perWindow: readonly { q: QualitySummary[]; weight: number }[], rungs: number): QualitySummary[] {
  return Array.from({ length: rungs }, (_, i) =>
    meanQuality(perWindow.flatMap(({ q, weight }) => (q[i] === undefined ? [] : [{ q: q[i], weight }]))),
  );
}

/** The renditions with each video rung's figures set (video renditions are in rung order, as packaged). */
export function withMeasuredQuality(renditions: readonly Rendition[], quality: readonly QualitySummary[]): Rendition[] {
  let v = 0;
  return renditions.map((r) => {
    if (r.kind !== 'video') return r;
    const q = quality[v++];
    return q === undefined
      ? r
      : { ...r, measuredPsnrDb: Math.round(q.psnrY * 100) / 100, measuredSsim: Math.round(q.ssim * 10000) / 10000 };
  });
}

/** The title's warning when a rung measured well under its prediction away from the sample windows. */
function predictionCheck(
  ladder: readonly Rung[],
  checked: readonly QualitySummary[],
  d: MeasureRungsJobData,
  durationS: number,
): { code: string; message: string } | undefined {
  const misses = predictionMisses(
    ladder.map((r, i) => ({ width: r.width, height: r.height, predictedPsnrDb: r.predictedPsnrDb, checkedPsnrDb: checked[i]?.psnrY })),
  );
  if (misses.length === 0) return undefined;
  const sampledS = d.windows.reduce((s, w) => s + w.durationS, 0);
  return predictionWarning(misses, sampledS, durationS);
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
    const windows = [...d.windows, ...(d.checkWindows ?? [])];
    const frames = windows.map((w) => framesOf(w, d.timeline.frameRate));
    const oneRead = title.probe !== undefined && readsFromStart(title.probe.video, title.probe.durationS);
    const perWindow = await withScratch(deps.tmpDir, job.id ?? `measure-${titleId}`, (dir) =>
      measurePublished(deps, d, frames, presentation.video, dir, oneRead, signal),
    );
    const quality = rungMeans(perWindow, presentation.video.length);
    const renditions = withMeasuredQuality(title.renditions ?? [], quality);
    // Only where the samples did not look: a title with no such stretch (fixed ladder, short) has no check.
    const checked = perWindow.slice(d.windows.length);
    const warning =
      checked.length === 0
        ? undefined
        : predictionCheck(title.ladder ?? [], rungMeans(checked, presentation.video.length), d, title.probe?.durationS ?? NaN);
    const done = await deps.titles.updatePublished(titleId, d.layout.outputPrefix, {
      renditions,
      rungQuality: { status: 'measured', frames, frameStep: QUALITY_FRAME_STEP },
      ...(warning === undefined ? {} : { warnings: [...(title.warnings ?? []), warning] }),
    });
    if (warning !== undefined) deps.log.warn({ titleId, warning: warning.message }, 'per-title prediction missed');
    deps.log.info(
      { titleId, done, reads: oneRead ? 'one' : 'per window', psnr: quality.map((q) => Math.round(q.psnrY * 100) / 100) },
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
