import { buildMeasureQualityArgs, buildMeasureWindowsArgs, type DistortedInput } from '../../ffmpeg/quality-args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { countListedFrames, parseQualityStats, type QualitySummary } from './parse.ts';
import type { ActiveArea } from '../../ffmpeg/probe.ts';
import type { FrameRange, FrameTimeline, ReadStart } from '../../ffmpeg/source-frames.ts';
import { AlignmentCheckError, FrameCountMismatchError } from './errors.ts';
import { pooledPsnrDb } from '../../ladder/pooled-psnr.ts';

/**
 * Frames compared with the master: one in this many, for the samples and for the packaged
 * rungs alike, so predicted and measured quality are read the same way. Neighbouring frames
 * score alike; scaling back to the source size plus SSIM on every frame cost half as much as
 * the sample encodes themselves, and the rungs' measurement sits on the title's critical path.
 */
export const QUALITY_FRAME_STEP = 3;

/** What of the reference is compared: its active picture. */
export interface ReferencePicture {
  /** Coded size of the active picture, in pixels: encodes are scaled back to it. */
  readonly width: number;
  readonly height: number;
  /** Where that picture sits in the reference's frame when the master has black bars; absent, the whole frame is compared. */
  readonly crop?: ActiveArea;
}

/** One window of the master and the encodes compared with it, frame by frame. */
export interface QualityComparison {
  readonly reference: { readonly input: string; readonly timeline: FrameTimeline; readonly frames: Required<FrameRange> & ReadStart };
  readonly picture: ReferencePicture;
  readonly distorted: readonly DistortedInput[];
  /** Compare one frame in this many. @defaultValue 1 */
  readonly frameStep?: number;
}

/** Lower bounds of the alignment self-check: a lossless copy of the master's window measured against it. */
export const SELF_CHECK_MIN = { psnrY: 60, ssim: 0.999 } as const;

/**
 * PSNR-Y and SSIM of each distorted input against the reference window, at the size of the
 * reference's active picture, in one ffmpeg run, frames paired by index. A distorted input
 * with another number of frames than the reference raises {@link FrameCountMismatchError}
 * instead of a figure. `scratchDir` holds the per-frame stats files.
 */
export async function measureQuality(cmp: QualityComparison, scratchDir: string, signal?: AbortSignal): Promise<QualitySummary[]> {
  const statsFiles = cmp.distorted.map((_, i) => ({
    psnr: path.join(scratchDir, `q${i}.psnr`),
    ssim: path.join(scratchDir, `q${i}.ssim`),
    frames: path.join(scratchDir, `q${i}.frames`),
  }));
  const referenceFramesFile = path.join(scratchDir, 'ref.frames');
  const frameStep = cmp.frameStep ?? 1;
  const { crop } = cmp.picture;
  await runFfmpeg(
    buildMeasureQualityArgs({
      kind: 'measure-quality',
      distorted: cmp.distorted,
      reference: cmp.reference,
      referenceSize: { width: cmp.picture.width, height: cmp.picture.height },
      ...(crop === undefined ? {} : { referenceCrop: crop }),
      statsFiles,
      referenceFramesFile,
      frameStep,
    }),
    signal === undefined ? {} : { signal },
  );
  const referenceFrames = countListedFrames(await readFile(referenceFramesFile, 'utf8'));
  const results = await Promise.all(
    statsFiles.map(async (f, i) => {
      const [psnr, ssim, frames] = await Promise.all([readFile(f.psnr, 'utf8'), readFile(f.ssim, 'utf8'), readFile(f.frames, 'utf8')]);
      await Promise.all([rm(f.psnr, { force: true }), rm(f.ssim, { force: true }), rm(f.frames, { force: true })]);
      return { q: parseQualityStats(psnr, ssim), distortedFrames: countListedFrames(frames), input: cmp.distorted[i]?.input ?? '' };
    }),
  );
  await rm(referenceFramesFile, { force: true });
  const paired = Math.ceil(referenceFrames / frameStep);
  for (const r of results) {
    if (referenceFrames === 0 || r.distortedFrames !== referenceFrames || r.q.frames !== paired) {
      throw new FrameCountMismatchError(cmp.reference.frames, referenceFrames, r.distortedFrames, inputName(r.input));
    }
  }
  return results.map((r) => ({ psnrY: r.q.psnrY, ssim: r.q.ssim }));
}

/** Several windows of the master, each with every rung's read of it, measured in one read of the master from its start. */
export interface WindowsComparison {
  readonly reference: { readonly input: string; readonly timeline: FrameTimeline };
  readonly picture: ReferencePicture;
  /** Not overlapping, in any order; each reads the same rungs, in the same order. */
  readonly windows: readonly { readonly frames: Required<FrameRange>; readonly distorted: readonly DistortedInput[] }[];
  /** Compare one frame in this many. @defaultValue 1 */
  readonly frameStep?: number;
}

/**
 * {@link measureQuality} of every window, in one ffmpeg that decodes the master once from its
 * start (`buildMeasureWindowsArgs`): for a master every read of which decodes from its start.
 * Each window's figures, in the order given, are those its own {@link measureQuality} gives,
 * and a rung with another number of frames than the master in a window raises
 * {@link FrameCountMismatchError} naming that window.
 */
export async function measureWindows(cmp: WindowsComparison, scratchDir: string, signal?: AbortSignal): Promise<QualitySummary[][]> {
  const step = cmp.frameStep ?? 1;
  const rungs = cmp.windows[0]?.distorted.length ?? 0;
  // In title order for the one read, each remembering where it was given.
  const windows = cmp.windows
    .map((w, given) => ({ ...w, given }))
    .sort((a, b) => a.frames.startFrame - b.frames.startFrame)
    .map((w, j) => ({
      ...w,
      distortedFramesFiles: w.distorted.map((_, i) => path.join(scratchDir, `w${j}-q${i}.frames`)),
      referenceFramesFile: path.join(scratchDir, `w${j}-ref.frames`),
    }));
  const statsFiles = Array.from({ length: rungs }, (_, i) => ({
    psnr: path.join(scratchDir, `q${i}.psnr`),
    ssim: path.join(scratchDir, `q${i}.ssim`),
  }));
  const { crop } = cmp.picture;
  await runFfmpeg(
    buildMeasureWindowsArgs({
      kind: 'measure-windows',
      reference: cmp.reference,
      windows,
      statsFiles,
      referenceSize: { width: cmp.picture.width, height: cmp.picture.height },
      ...(crop === undefined ? {} : { referenceCrop: crop }),
      frameStep: step,
    }),
    signal === undefined ? {} : { signal },
  );
  // Every window's frame counts first: the stats run on from one window into the next.
  const paired: number[] = [];
  for (const w of windows) {
    const referenceFrames = countListedFrames(await readFile(w.referenceFramesFile, 'utf8'));
    for (const [i, file] of w.distortedFramesFiles.entries()) {
      const distortedFrames = countListedFrames(await readFile(file, 'utf8'));
      if (referenceFrames === 0 || distortedFrames !== referenceFrames)
        throw new FrameCountMismatchError(w.frames, referenceFrames, distortedFrames, inputName(w.distorted[i]?.input ?? ''));
    }
    paired.push(Math.ceil(referenceFrames / step));
  }
  const span = { startFrame: windows[0]?.frames.startFrame ?? 0, endFrame: windows.at(-1)?.frames.endFrame ?? 0 };
  const byRung = await Promise.all(statsFiles.map((f) => figuresByWindow(f, paired, span)));
  await Promise.all(
    [...statsFiles.flatMap((f) => [f.psnr, f.ssim]), ...windows.flatMap((w) => [w.referenceFramesFile, ...w.distortedFramesFiles])].map(
      (f) => rm(f, { force: true }),
    ),
  );
  const results: QualitySummary[][] = [];
  for (const [j, w] of windows.entries()) results[w.given] = byRung.map((r) => r[j] as QualitySummary);
  return results;
}

/**
 * One rung's per-frame stats over consecutive windows, split back into each window's figures
 * (`paired`: frames compared in each); a stats file of another length than their sum raises
 * {@link FrameCountMismatchError} over `span`, the windows' whole stretch.
 */
async function figuresByWindow(
  f: { psnr: string; ssim: string },
  paired: readonly number[],
  span: Required<FrameRange>,
): Promise<QualitySummary[]> {
  const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const [psnr, ssim] = await Promise.all([lines(f.psnr), lines(f.ssim)]);
  const total = paired.reduce((a, b) => a + b, 0);
  if (psnr.length !== total || ssim.length !== total)
    throw new FrameCountMismatchError(span, total, Math.min(psnr.length, ssim.length), path.basename(f.psnr));
  let at = 0;
  return paired.map((n) => {
    const q = parseQualityStats(psnr.slice(at, at + n).join('\n'), ssim.slice(at, at + n).join('\n'));
    at += n;
    return { psnrY: q.psnrY, ssim: q.ssim };
  });
}

/** A distorted input's file name, without a presigned URL's query. */
const inputName = (input: string): string => path.basename(input.split('?')[0] ?? input);

/** Throws {@link AlignmentCheckError} unless `q`, a lossless copy measured against its own source, is identical to it. */
export function assertAligned(q: QualitySummary, window: Required<FrameRange>): void {
  if (!(q.psnrY > SELF_CHECK_MIN.psnrY && q.ssim > SELF_CHECK_MIN.ssim)) throw new AlignmentCheckError(window, q.psnrY, q.ssim);
}

/** Duration-weighted mean over windows, PSNR pooled in MSE as one run over all their frames would give it. */
export function meanQuality(results: readonly { q: QualitySummary; weight: number }[]): QualitySummary {
  const w = results.reduce((s, r) => s + r.weight, 0);
  if (!(w > 0)) throw new Error('no quality measurements to average');
  return {
    psnrY: pooledPsnrDb(results.map((r) => ({ psnrDb: r.q.psnrY, weight: r.weight }))),
    ssim: results.reduce((s, r) => s + r.q.ssim * r.weight, 0) / w,
  };
}
