/**
 * The I/O half of artwork: decode candidate frames from the master with ffmpeg and hand them to
 * the pure core (`artwork/`) analysed, capturing at full resolution the frames likely to be
 * chosen (`stills.ts` delivers the chosen ones: captured, or extracted again).
 */
import { open, readFile, rm, stat, statfs } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { featuresOf, analysisFrameFromRaw, DEFAULT_NEIGHBOUR_WINDOW_S } from '../artwork/index.ts';
import type { AnalysedCandidate, RawPixels } from '../artwork/index.ts';
import { buildArtworkArgs, segmentSeekLeadS, STILL_SEEK_LEAD_S, type ArtworkCapture } from '../ffmpeg/artwork-args.ts';
import { parseFrameLog, type LoggedFrame } from '../ffmpeg/artwork-frame-log.ts';
import { artworkSegments, type ArtworkSamplingPlan, type ArtworkSegment } from '../ffmpeg/artwork-plan.ts';
import { mapLimit } from '../storage/transfer.ts';
import { FfmpegExitError } from '../ffmpeg/errors.ts';
import { FrameNotDecodedError } from './errors.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import type { ProbeResult } from '../ffmpeg/probe.ts';
import { toneMapOf, type ToneMap } from '../ffmpeg/tone-map.ts';

/** What the extraction needs to know about the master's video, from the probe. */
export interface ArtworkVideo {
  readonly durationS: number;
  /** First video timestamp, seconds: candidate times are relative to it. */
  readonly startTimeS: number;
  readonly frameRate: { readonly num: number; readonly den: number };
  readonly displayWidth: number;
  readonly displayHeight: number;
  /** A PQ/HLG master's tone mapping: artwork is SDR, as the ladder is; absent for SDR. */
  readonly toneMap?: ToneMap;
  /** The master's keyframes are no entry points (`VideoInfo.decodeFromStart`): every read decodes from the start. */
  readonly decodeFromStart?: true;
  /** The longest gap between entry points, s: the whole title when read from its start (`planArtworkSampling`). */
  readonly keyframeGapS?: number;
  /** The master's picture size, as decoded (`FrameTimeline.frameSize`): every frame is fitted into it, as every other reader does. */
  readonly frameSize?: { readonly width: number; readonly height: number };
}

/** What the artwork job needs of a probed master. */
export function artworkVideoOf(probe: ProbeResult): ArtworkVideo {
  const v = probe.video;
  const toneMap = toneMapOf(v.colour);
  const keyframeGapS = v.decodeFromStart === true ? probe.durationS : v.keyframeGapS;
  return {
    ...(toneMap === undefined ? {} : { toneMap }),
    durationS: probe.durationS,
    startTimeS: v.startTimeS,
    frameRate: v.frameRate,
    displayWidth: v.displayWidth,
    displayHeight: v.displayHeight,
    ...(v.decodeFromStart === true ? { decodeFromStart: true as const } : {}),
    ...(keyframeGapS === undefined ? {} : { keyframeGapS }),
    frameSize: { width: v.width, height: v.height },
  };
}

/** A burst's middle frame the candidate pass captured at display size (rgb24), for {@link extractStills}. */
export interface CapturedFrame {
  /** Seconds from the first video frame, as the candidate's `atS`. */
  readonly atS: number;
  readonly file: string;
  readonly offsetBytes: number;
  /** Its size (rgb24, so 3 bytes a pixel): a still of another size is not read from it. */
  readonly widthPx: number;
  readonly heightPx: number;
}

export interface ExtractedCandidates {
  /** Every decoded candidate, in time order, with its scene index. */
  readonly analysed: readonly AnalysedCandidate[];
  /** Full-size frames the pass captured, in time order (the stills it spares a second decode). */
  readonly captured: readonly CapturedFrame[];
  /** Shot cuts found in the pass, seconds from the first video frame. */
  readonly cutsS: readonly number[];
  /** Problems that did not stop the pass (a corrupt stretch, an early ffmpeg exit). */
  readonly warnings: readonly string[];
}

/**
 * Scratch space the candidate pass may fill with full-size frames (rgb24, 6.2 MB a 1080p frame,
 * 2.8 MB at 720p): about 86 frames of 1080p, 190 of 720p, shared by the stretches. A short
 * title's offered frames fit; a long or 4K title's later ones are decoded again by
 * {@link extractStills}. Never more than half the scratch disk's free space.
 */
export const CAPTURE_BUDGET_BYTES = 512 * 2 ** 20;

/**
 * One decode of the master, in stretches decoded in parallel (the plan's segments, up to one
 * ffmpeg per core), then each raw frame is analysed as it is read back, so memory holds one
 * frame's pixels at a time whatever the title's length. A corrupt stretch costs only its
 * frames: ffmpeg conceals or drops them, and if it gives up part way, the frames it wrote before
 * are still used. Each stretch also writes its first burst middles at display size, within
 * `captureBudgetBytes` shared out evenly: the frames the shortlist chooses from, so most chosen
 * frames need no second decode (about a fifth of the job's CPU on a 60 s title).
 * @throws FrameNotDecodedError when not a single frame could be decoded
 */
export async function extractCandidates(
  input: string,
  video: ArtworkVideo,
  plan: ArtworkSamplingPlan,
  dir: string,
  options: {
    signal?: AbortSignal;
    onProgress?: (fraction: number) => void;
    concurrency?: number;
    /** The selection's neighbour window, seconds (which frames the shortlist may choose). */
    neighbourWindowS?: number;
    captureBudgetBytes?: number;
  } = {},
): Promise<ExtractedCandidates> {
  const segments = artworkSegments(plan);
  const { widthPx, heightPx } = stillSize(video);
  const freeBytes = await statfs(dir).then(
    (s) => (s.bavail * s.bsize) / 2,
    () => 0,
  );
  const budgetBytes = Math.min(options.captureBudgetBytes ?? CAPTURE_BUDGET_BYTES, freeBytes);
  const maxFrames = Math.floor(budgetBytes / (widthPx * heightPx * 3) / segments.length);
  const capture =
    maxFrames >= 1 ? { maxFrames, widthPx, heightPx, neighbourWindowS: options.neighbourWindowS ?? DEFAULT_NEIGHBOUR_WINDOW_S } : undefined;
  const done = segments.map(() => 0);
  const report = (k: number, f: number): void => {
    done[k] = f;
    options.onProgress?.(segments.reduce((sum, s, i) => sum + done[i]! * ((s.endS ?? video.durationS) - s.startS), 0) / video.durationS);
  };
  const results = await mapLimit(segments, options.concurrency ?? availableParallelism(), (segment, k) =>
    decodeSegment(input, video, plan, segment, path.join(dir, `segment-${k}`), capture, { ...options, onProgress: (f) => report(k, f) }),
  );
  return mergeSegments(results);
}

interface SegmentFrame {
  readonly atS: number;
  readonly analysis: AnalysedCandidate['analysis'];
}

interface DecodedSegment {
  readonly frames: readonly SegmentFrame[];
  readonly captured: readonly CapturedFrame[];
  /** Cut times (frames at or over the plan's threshold) within the stretch or its last burst. */
  readonly cutsS: readonly number[];
  readonly warnings: readonly string[];
}

/** Candidates of all stretches in time order (a frame two stretches both kept, once), and every cut once. */
function mergeSegments(results: readonly DecodedSegment[]): ExtractedCandidates {
  const warnings = results.flatMap((r) => r.warnings);
  if (results.every((r) => r.frames.length === 0)) {
    const shown = warnings.slice(0, 3).join('; ') + (warnings.length > 3 ? `; and ${warnings.length - 3} more` : '');
    throw new FrameNotDecodedError(`no candidate frame could be decoded from the master${warnings.length === 0 ? '' : `: ${shown}`}`);
  }
  const same = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;
  const cutsS = results
    .flatMap((r) => r.cutsS)
    .sort((a, b) => a - b)
    .filter((t, i, all) => i === 0 || !same(t, all[i - 1]!));
  const sceneOf = (t: number): number => cutsS.filter((c) => c <= t + 1e-6).length;
  const frames = results
    .flatMap((r) => r.frames)
    .sort((a, b) => a.atS - b.atS)
    .filter((f, i, all) => i === 0 || !same(f.atS, all[i - 1]!.atS));
  const analysed = frames.map((f, index): AnalysedCandidate => ({ index, atS: f.atS, sceneIndex: sceneOf(f.atS), analysis: f.analysis }));
  const captured = results
    .flatMap((r) => r.captured)
    .sort((a, b) => a.atS - b.atS)
    .filter((f, i, all) => i === 0 || !same(f.atS, all[i - 1]!.atS));
  return { analysed, captured, cutsS, warnings };
}

/**
 * One stretch: an ffmpeg seeking just before it, then its frames analysed. A seek that landed
 * past the stretch's start (MPEG-TS lands on the keyframe after its target) is detected from
 * the first frame decoded, and the stretch is decoded again seeking 10 s earlier, then from the
 * start of the master.
 */
async function decodeSegment(
  input: string,
  video: ArtworkVideo,
  plan: ArtworkSamplingPlan,
  segment: ArtworkSegment,
  stem: string,
  capture: Omit<ArtworkCapture, 'output' | 'analysisOutput' | 'frameLog'> | undefined,
  options: { signal?: AbortSignal; onProgress?: (fraction: number) => void },
): Promise<DecodedSegment> {
  // Each lead once by the seek it makes (a stretch near the start reaches 0 with the second).
  const seekOf = (lead: number): number => Math.max(0, video.startTimeS + segment.startS - lead);
  const leads =
    segment.startS > 0
      ? [segmentSeekLeadS(video.frameRate), STILL_SEEK_LEAD_S, segment.startS + video.startTimeS].filter(
          (lead, i, all) => all.findIndex((l) => seekOf(l) === seekOf(lead)) === i,
        )
      : [0];
  const warnings: string[] = [];
  const files = { rawOutput: `${stem}.rgb`, frameLog: `${stem}.log`, cutLog: `${stem}-cuts.log` };
  const captureFiles = { output: `${stem}-full.rgb`, analysisOutput: `${stem}-captured.rgb`, frameLog: `${stem}-captured.log` };
  const endS = video.startTimeS + (segment.endS ?? video.durationS);
  const fromS = video.startTimeS + segment.startS;
  /** One decode from this lead; the error of an ffmpeg that stopped early, if it did. */
  const decode = async (seekLeadS: number, withCapture: typeof capture): Promise<FfmpegExitError | undefined> => {
    await Promise.all([...Object.values(files), ...Object.values(captureFiles)].map((f) => rm(f, { force: true })));
    try {
      await runFfmpeg(
        buildArtworkArgs({
          kind: 'artwork-candidates',
          input,
          videoStartS: video.startTimeS,
          decodeFromStart: video.decodeFromStart === true,
          plan,
          ...files,
          segment,
          seekLeadS,
          ...(video.toneMap === undefined ? {} : { toneMap: video.toneMap }),
          ...(video.frameSize === undefined ? {} : { frameSize: video.frameSize }),
          ...(withCapture === undefined ? {} : { capture: { ...withCapture, ...captureFiles } }),
        }),
        {
          durationS: endS,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...(options.onProgress === undefined
            ? {}
            : { onProgress: (f: number) => options.onProgress!(Math.max(0, Math.min(1, (f * endS - fromS) / (endS - fromS)))) }),
        },
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof FfmpegExitError)) throw error;
      return error;
    }
  };
  for (const [attempt, seekLeadS] of leads.entries()) {
    let capturing = capture;
    let stopped = await decode(seekLeadS, capturing);
    // The capture must never change the candidates: a decode that stopped early while capturing
    // (a full scratch disk ends every output) is run again without it, so it keeps what a decode
    // without capture keeps. A corrupt stretch pays its decode twice.
    if (stopped !== undefined && capturing !== undefined) {
      warnings.push(
        `candidate decode from ${segment.startS.toFixed(1)} s stopped early while capturing (${stopped.message}); decoded again without capture`,
      );
      capturing = undefined;
      stopped = await decode(seekLeadS, undefined);
    }
    if (stopped !== undefined) warnings.push(`candidate decode from ${segment.startS.toFixed(1)} s stopped early: ${stopped.message}`);
    const readLog = async (file: string): Promise<LoggedFrame[]> => parseFrameLog(await readFile(file, 'utf8').catch(() => ''));
    const logged = await readLog(files.frameLog);
    const loggedCaptured = capturing === undefined ? [] : await readLog(captureFiles.frameLog);
    const cutFrames = await readLog(files.cutLog);
    const firstS = Math.min(...[...logged, ...loggedCaptured, ...cutFrames].map((f) => f.ptsTimeS));
    // The stretch's first frame needs one before it (its scene score, the burst timing): a first
    // frame at or past the start means the seek landed too late (or nothing came out at all).
    if (segment.startS > 0 && !(firstS < fromS) && attempt < leads.length - 1) continue;
    const rel = (t: number): number => Math.max(0, t - video.startTimeS);
    const cutsS = [...logged, ...loggedCaptured, ...cutFrames]
      .filter((f) => f.sceneScore >= plan.cutThreshold && rel(f.ptsTimeS) >= segment.startS - 1e-6)
      .map((f) => rel(f.ptsTimeS));
    const capturedTimesS = loggedCaptured.map((f) => rel(f.ptsTimeS));
    const frames = [
      ...(await analyseRawFrames(
        files.rawOutput,
        logged.map((f) => rel(f.ptsTimeS)),
        plan,
        warnings,
      )),
      ...(await analyseRawFrames(captureFiles.analysisOutput, capturedTimesS, plan, warnings)),
    ].sort((a, b) => a.atS - b.atS);
    const captured = capturing === undefined ? [] : await capturedFrames(captureFiles.output, capturedTimesS, capturing);
    return { frames, captured, cutsS, warnings };
  }
  throw new Error('unreachable: the last attempt decodes from the start');
}

/** The captured frames written whole (a decode that stopped early may have cut the last one short). */
async function capturedFrames(
  file: string,
  timesS: readonly number[],
  size: { widthPx: number; heightPx: number },
): Promise<CapturedFrame[]> {
  const { widthPx, heightPx } = size;
  const frameBytes = widthPx * heightPx * 3;
  const fileBytes = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  return timesS.flatMap((atS, i) =>
    (i + 1) * frameBytes <= fileBytes ? [{ atS, file, offsetBytes: i * frameBytes, widthPx, heightPx }] : [],
  );
}

/** Reads the raw frames ffmpeg wrote, one at a time, and analyses each at its logged time. */
async function analyseRawFrames(
  rawOutput: string,
  timesS: readonly number[],
  plan: ArtworkSamplingPlan,
  warnings: string[],
): Promise<SegmentFrame[]> {
  const frameBytes = plan.widthPx * plan.heightPx * 3;
  const fh = await open(rawOutput, 'r').catch(() => undefined);
  if (fh === undefined) return [];
  const frames: SegmentFrame[] = [];
  try {
    const total = Math.floor((await fh.stat()).size / frameBytes);
    if (total !== timesS.length)
      warnings.push(`${timesS.length} frames logged but ${total} written; using the first ${Math.min(total, timesS.length)}`);
    const count = Math.min(total, timesS.length);
    let lastT = -1;
    for (let i = 0; i < count; i++) {
      const data = Buffer.allocUnsafe(frameBytes);
      const { bytesRead } = await fh.read(data, 0, frameBytes, i * frameBytes);
      const atS = timesS[i]!;
      // Timestamps that go backwards come from a damaged stretch; such a frame's place in time is unknown.
      if (bytesRead < frameBytes || atS <= lastT) {
        warnings.push(`frame at ${atS.toFixed(3)} s skipped: ${bytesRead < frameBytes ? 'short read' : 'timestamp out of order'}`);
        continue;
      }
      lastT = atS;
      const raw: RawPixels = { data, widthPx: plan.widthPx, heightPx: plan.heightPx, channels: 3 };
      frames.push({ atS, analysis: featuresOf(analysisFrameFromRaw(raw)) });
    }
  } finally {
    await fh.close();
  }
  return frames;
}

/** The stills' size: the display size, even (rgb24 from 4:2:0 video), square pixels. */
export function stillSize(video: ArtworkVideo): { widthPx: number; heightPx: number } {
  return { widthPx: even(video.displayWidth), heightPx: even(video.displayHeight) };
}

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);
