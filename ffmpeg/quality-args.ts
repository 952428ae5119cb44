/**
 * ffmpeg command lines comparing encodes with the master, as data: PSNR-Y and SSIM at the
 * source's size with one fixed scaler, both sides paired by frame index. The sample jobs and
 * the published rungs' measurement both use them, so predicted and measured quality are read
 * the same way.
 */
import type { FrameSize } from './analysis-args.ts';
import { cropFilters } from './args.ts';
import { pickFilter } from './frame-pick.ts';
import type { ActiveArea, Rational } from './probe.ts';
import {
  SEEK_LEAD_S,
  sourceCutFilters,
  sourceGridFilters,
  sourceInputArgs,
  titlePictureFilters,
  type FrameRange,
  type FrameTimeline,
  type ReadStart,
} from './source-frames.ts';

const secs = (s: number): string => s.toFixed(6);

/** An encode under test: a whole file (a sample), or frames of a longer one (a published rung). */
export interface DistortedInput {
  readonly input: string;
  /**
   * Absent: every frame of the file is the window, in order. Present: the file is the whole
   * title at `frameRate` with frame 0 at `firstPtsS` (read from the file itself), and `frames`
   * are cut from it on that grid.
   */
  readonly window?: { readonly firstPtsS: number; readonly frameRate: Rational; readonly frames: Required<FrameRange> };
}

/** Per distorted input: where `psnr` and `ssim` write their per-frame statistics, and where its frames are listed. */
export interface QualityStatsFiles {
  readonly psnr: string;
  readonly ssim: string;
  readonly frames: string;
}

export interface MeasureQualityCommand {
  readonly kind: 'measure-quality';
  /** Encodes under test, each decoded and scaled back to the reference size. */
  readonly distorted: readonly DistortedInput[];
  /** The master, its frames counted by `timeline`; `frames` is the window compared. */
  readonly reference: { readonly input: string; readonly timeline: FrameTimeline; readonly frames: Required<FrameRange> & ReadStart };
  /** Size the comparison runs at: the reference's, after `referenceCrop`. */
  readonly referenceSize: FrameSize;
  /** The picture inside the master's black bars: bars are not compared (they are trivially perfect). */
  readonly referenceCrop?: ActiveArea;
  readonly statsFiles: readonly QualityStatsFiles[];
  /** Where the reference's frames are listed, to check both sides had the same number. */
  readonly referenceFramesFile: string;
  /** Compare a share of one in this many frames, the same of both inputs (`frame-pick.ts`). @defaultValue 1 */
  readonly frameStep?: number;
}

/**
 * A comparison's decoders and filter graph run on one thread each. The fleet already runs a
 * job per core, and a window of a few seconds is too short for threads to pay: frame threads
 * each hold a frame in flight and slice threads split frames the graph then waits on. Near-static's
 * two sample comparisons (bench:ladder) took 0.75 and 1.1 s of CPU with ffmpeg's default
 * threads, 0.67 and 0.79 s with one; vtest's were the same either way, within noise.
 */
const ONE_THREAD = ['-threads', '1'] as const;

/**
 * PSNR and SSIM of every distorted input against one decode of the reference, in one
 * process: the reference window is decoded once, not once per encode. Results go to per-pair
 * stats files so each figure is tied to its input without parsing log prefixes.
 *
 * The two sides are paired by frame index, never by timestamp: each side is cut to its window
 * by index (the reference on the title's frame grid, a distorted rung on its own), the frames
 * `frame-pick.ts` picks are kept, and each kept frame's timestamp becomes its index (`setpts=N` in a time base
 * of one frame), which is what `psnr` and `ssim` pair on. Each side lists its frames before
 * the pick, so a count that differs is caught instead of measured.
 */
export function buildMeasureQualityArgs(cmd: MeasureQualityCommand): string[] {
  const n = cmd.distorted.length;
  if (n === 0) throw new RangeError('measure-quality needs at least one distorted input');
  if (cmd.statsFiles.length !== n) throw new RangeError(`measure-quality has ${n} inputs but ${cmd.statsFiles.length} stats file sets`);
  const { timeline, frames } = cmd.reference;
  const c = chains(cmd, timeline);
  const cut = [...sourceGridFilters(timeline, frames), ...sourceCutFilters(timeline, frames)].join(',');
  const reference = `[${n}:v:0]${c.reference(cut, cmd.referenceFramesFile)}`;
  const graph = [
    `${reference}${c.referenceCopies(n)}`,
    ...cmd.statsFiles.flatMap((f, i) => [
      `[${i}:v:0]${c.distorted(cmd.distorted[i] ?? { input: '' }, f.frames)}${c.encodeCopies(i)}`,
      ...c.compared(f, i),
    ]),
  ];
  const inputs = [
    ...distortedInputs(cmd.distorted),
    ...ONE_THREAD,
    ...sourceInputArgs(cmd.reference.input, cmd.reference.timeline, cmd.reference.frames),
  ];
  return ['-filter_complex_threads', '1', ...inputs, '-filter_complex', graph.join(';'), ...sinks(n)];
}

/** Each distorted input on one thread, a rung sought to its window. */
function distortedInputs(distorted: readonly DistortedInput[]): string[] {
  return distorted.flatMap((d) => [
    ...ONE_THREAD,
    ...(d.window === undefined ? [] : ['-copyts', ...distortedSeek(d.window)]),
    '-i',
    d.input,
  ]);
}

/** Every psnr and ssim output to a null sink. */
function sinks(n: number): string[] {
  return Array.from({ length: n }, (_, i) => ['-map', `[o${i}a]`, '-f', 'null', '-', '-map', `[o${i}b]`, '-f', 'null', '-']).flat();
}

/** The pieces of a comparison's graph, for one size, frame step and frame rate. */
function chains(cmd: Pick<MeasureQualityCommand, 'referenceSize' | 'referenceCrop' | 'frameStep'>, timeline: FrameTimeline) {
  const { width, height } = cmd.referenceSize;
  const step = cmd.frameStep ?? 1;
  const rate = timeline.frameRate;
  // Listed before the pick, so each side's count is of every frame of its window.
  const listedAndPicked = (file: string): string =>
    [`metadata=mode=add:key=vodforge.frame:value=1,metadata=mode=print:file=${file}`, ...pickFilter(step)].join(',');
  const numbered = `settb=${rate.den}/${rate.num},setpts=N`;
  return {
    /**
     * The master's frames (a chain ending in the window's frames on its grid), listed, picked,
     * and only then made the title's picture (tone-mapped, or limited range) and cropped: a PQ
     * or HLG master's tone mapping is most of a comparison's work (`tone-map.ts`), and frames
     * not picked are not compared.
     */
    reference: (frames: string, listFile: string): string =>
      [
        frames,
        listedAndPicked(listFile),
        ...titlePictureFilters(timeline),
        ...cropFilters(cmd.referenceCrop),
        'format=yuv420p',
        'setsar=1',
      ].join(','),
    /** An encode cut to its window, listed, picked, and scaled back to the reference size. */
    distorted: (d: DistortedInput, listFile: string): string =>
      `${distortedWindow(d)}${listedAndPicked(listFile)},scale=${width}:${height}:flags=bicubic,setsar=1,format=yuv420p`,
    /** The reference numbered by index in a time base of one frame, in two copies per encode: `[r0]`, `[r1]`, ... */
    referenceCopies: (encodes: number): string =>
      `,${numbered},split=${2 * encodes}${Array.from({ length: 2 * encodes }, (_, k) => `[r${k}]`).join('')}`,
    /** Encode `i` numbered the same way, in two copies: `[d<i>a]`, `[d<i>b]`. */
    encodeCopies: (i: number): string => `,${numbered},split[d${i}a][d${i}b]`,
    /** Encode `i`'s two copies against two of the reference's: PSNR and SSIM to their stats files. */
    compared: (f: Pick<QualityStatsFiles, 'psnr' | 'ssim'>, i: number): string[] => [
      `[d${i}a][r${2 * i}]psnr=stats_file=${f.psnr}[o${i}a]`,
      `[d${i}b][r${2 * i + 1}]ssim=stats_file=${f.ssim}[o${i}b]`,
    ],
  };
}

/** Frame k of a distorted file with a window sits at `firstPtsS + k / fps`; cut half a frame early, as the reference is. */
function distortedWindow(d: DistortedInput): string {
  if (d.window === undefined) return '';
  const { firstPtsS, frameRate, frames } = d.window;
  const fps = frameRate.num / frameRate.den;
  return `trim=start=${secs(firstPtsS + (frames.startFrame - 0.5) / fps)}:end=${secs(firstPtsS + (frames.endFrame - 0.5) / fps)},`;
}

function distortedSeek(w: NonNullable<DistortedInput['window']>): string[] {
  const seekS = w.frames.startFrame / (w.frameRate.num / w.frameRate.den) - SEEK_LEAD_S;
  return seekS > 0 ? ['-ss', secs(seekS)] : [];
}
