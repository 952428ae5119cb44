/**
 * The I/O half of artwork: decode candidate frames from the master with ffmpeg and hand them to
 * the pure core (`artwork/`) analysed, and re-extract chosen frames at full resolution.
 */
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { analyseFrame, analysisFrameFromRaw } from '../../artwork/index.ts';
import type { AnalysedCandidate, RawPixels } from '../../artwork/index.ts';
import { buildArtworkArgs, parseFrameLog, type ArtworkSamplingPlan, type LoggedFrame } from '../ffmpeg/artwork-args.ts';
import { FfmpegExitError } from '../ffmpeg/errors.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import type { ProbeResult } from '../ffmpeg/probe.ts';

/** What the extraction needs to know about the master's video, from the probe. */
export interface ArtworkVideo {
  readonly durationS: number;
  /** First video timestamp, seconds: candidate times are relative to it. */
  readonly startTimeS: number;
  readonly frameRate: { readonly num: number; readonly den: number };
  readonly displayWidth: number;
  readonly displayHeight: number;
}

/** What the artwork job needs of a probed master. */
export function artworkVideoOf(probe: ProbeResult): ArtworkVideo {
  const v = probe.video;
  return { durationS: probe.durationS, startTimeS: v.startTimeS, frameRate: v.frameRate, displayWidth: v.displayWidth, displayHeight: v.displayHeight };
}

export interface ExtractedCandidates {
  /** Every decoded candidate, in time order, with its scene index. */
  readonly analysed: readonly AnalysedCandidate[];
  /** Shot cuts found in the pass, seconds from the first video frame. */
  readonly cutsS: readonly number[];
  /** Problems that did not stop the pass (a corrupt stretch, an early ffmpeg exit). */
  readonly warnings: readonly string[];
}

/**
 * One decode pass over the master (see `artwork-args.ts` for what is kept), then each raw frame
 * is analysed as it is read back, so memory holds one frame's pixels at a time whatever the
 * title's length. A corrupt stretch costs only its frames: ffmpeg conceals or drops them, and if
 * it gives up part way, the frames it wrote before are still used.
 * @throws FfmpegExitError when not a single frame could be decoded
 */
export async function extractCandidates(
  input: string,
  video: ArtworkVideo,
  plan: ArtworkSamplingPlan,
  dir: string,
  options: { signal?: AbortSignal; onProgress?: (fraction: number) => void } = {},
): Promise<ExtractedCandidates> {
  const rawOutput = path.join(dir, 'candidates.rgb');
  const frameLog = path.join(dir, 'candidates.log');
  const cutLog = path.join(dir, 'cuts.log');
  const warnings: string[] = [];
  try {
    await runFfmpeg(buildArtworkArgs({ kind: 'artwork-candidates', input, videoStartS: video.startTimeS, plan, rawOutput, frameLog, cutLog }), {
      durationS: video.startTimeS + video.durationS,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
  } catch (error) {
    if (!(error instanceof FfmpegExitError)) throw error;
    warnings.push(`candidate decode stopped early: ${error.message}`);
    if ((await stat(rawOutput).catch(() => undefined))?.size === undefined) throw error;
  }
  const logged = parseFrameLog(await readFile(frameLog, 'utf8').catch(() => ''));
  const cutFrames = parseFrameLog(await readFile(cutLog, 'utf8').catch(() => ''));
  const rel = (f: LoggedFrame): number => Math.max(0, f.ptsTimeS - video.startTimeS);
  const cutsS = [...logged, ...cutFrames].filter((f) => f.sceneScore >= plan.cutThreshold).map(rel).sort((a, b) => a - b);
  const sceneOf = (t: number): number => cutsS.filter((c) => c <= t + 1e-6).length;

  const frameBytes = plan.widthPx * plan.heightPx * 3;
  const analysed: AnalysedCandidate[] = [];
  const fh = await open(rawOutput, 'r');
  try {
    const total = Math.floor((await fh.stat()).size / frameBytes);
    if (total !== logged.length) warnings.push(`${logged.length} frames logged but ${total} written; using the first ${Math.min(total, logged.length)}`);
    const count = Math.min(total, logged.length);
    if (count === 0) throw new FfmpegExitError('ffmpeg', 0, null, 'no candidate frame could be decoded from the master');
    let lastT = -1;
    for (let i = 0; i < count; i++) {
      const data = Buffer.allocUnsafe(frameBytes);
      const { bytesRead } = await fh.read(data, 0, frameBytes, i * frameBytes);
      const atS = rel(logged[i]!);
      // Timestamps that go backwards come from a damaged stretch; such a frame's place in time is unknown.
      if (bytesRead < frameBytes || atS <= lastT) {
        warnings.push(`frame ${i} at ${atS.toFixed(3)} s skipped: ${bytesRead < frameBytes ? 'short read' : 'timestamp out of order'}`);
        continue;
      }
      lastT = atS;
      const raw: RawPixels = { data, widthPx: plan.widthPx, heightPx: plan.heightPx, channels: 3 };
      analysed.push({ index: analysed.length, atS, sceneIndex: sceneOf(atS), analysis: analyseFrame(analysisFrameFromRaw(raw)) });
    }
  } finally {
    await fh.close();
  }
  return { analysed, cutsS, warnings };
}

/** Stills per ffmpeg process: bounds the decoders (and open inputs) one process holds at once. */
const STILLS_PER_PROCESS = 8;

/**
 * Frames at the master's display size, for cropping: input seek to a keyframe before each, then
 * decode forward to the exact frame; one ffmpeg for up to {@link STILLS_PER_PROCESS} of them.
 * Returns, per time, a loader of its pixels, so memory holds only the stills being cropped.
 * A still the shared run did not deliver is extracted again on its own when loaded, so a
 * frame that cannot be decoded costs only itself: its loader throws FfmpegExitError.
 */
export async function extractStills(
  input: string, video: ArtworkVideo, timesS: readonly number[], dir: string, signal?: AbortSignal,
): Promise<Array<() => Promise<RawPixels>>> {
  const widthPx = even(video.displayWidth);
  const heightPx = even(video.displayHeight);
  const frameBytes = widthPx * heightPx * 3;
  const stills = timesS.map((atS) => ({ atS, output: path.join(dir, `still-${Math.round(atS * 1000)}.rgb`) }));
  const run = (batch: typeof stills, seek: 'exact' | 'early' = 'exact'): Promise<unknown> => runFfmpeg(buildArtworkArgs({
    kind: 'artwork-stills', input, videoStartS: video.startTimeS, stills: batch,
    frameDurationS: video.frameRate.den / video.frameRate.num, widthPx, heightPx, seek,
  }), signal === undefined ? {} : { signal });
  for (let i = 0; i < stills.length; i += STILLS_PER_PROCESS) {
    try {
      await run(stills.slice(i, i + STILLS_PER_PROCESS));
    } catch (error) {
      // Which still broke the run is unknown; each missing one is retried alone by its loader.
      if (!(error instanceof FfmpegExitError)) throw error;
    }
  }
  return stills.map((still) => async () => {
    let data = await readFile(still.output).catch(() => undefined);
    if (data?.length !== frameBytes) {
      // Alone, and seeking early: a container whose seeks are imprecise may have landed past it.
      await run([still], 'early');
      data = await readFile(still.output).catch(() => Buffer.alloc(0));
    }
    if (data.length !== frameBytes) {
      throw new FfmpegExitError('ffmpeg', 0, null, `still at ${still.atS.toFixed(3)} s: expected ${frameBytes} bytes, got ${data.length}`);
    }
    return { data, widthPx, heightPx, channels: 3 };
  });
}

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);
