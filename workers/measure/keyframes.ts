import { masterInputOptions } from '../../ffmpeg/master-input.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSeekLandingArgs } from '../../ffmpeg/analysis-args.ts';
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';
import type { FrameTimeline } from '../../ffmpeg/source-frames.ts';
import type { VideoInfo } from '../../ffmpeg/probe.ts';
import { firstListedTimeS } from './parse.ts';
import { presentationTimes } from './untimed-tail.ts';

/**
 * Seconds added to a keyframe's printed time before seeking to it: ffprobe prints 6 decimals,
 * which may fall just short of the true timestamp, and a seek short of a keyframe decodes
 * from the one before it (a whole GOP).
 */
export const KEYFRAME_SEEK_NUDGE_S = 2e-6;

/** What the master's video packets say without decoding anything: where its keyframes are, and how many bits each second took. */
export interface PacketIndex {
  /** Key packets' presentation times, ascending. */
  readonly keyframesS: readonly number[];
  /**
   * Entry `i`: bits of the packets whose presentation time falls in [i, i+1) s from `originS`.
   * The master's own encoder spent them at full resolution: a measure of each second's
   * coding complexity (grain, motion, detail) that a downscaled scan cannot see.
   */
  readonly bitsPerSecond: readonly number[];
  /**
   * Where the last packet ends (presentation time plus duration), from `originS`: the video's
   * own extent, which the container's duration can exceed (an audio track that starts first).
   * Undefined when no packet states both.
   */
  readonly endS?: number;
  /** Presentation times of the packets that carry one (each a frame), ascending: where the frames fall. */
  readonly framesS?: readonly number[];
  /**
   * Decoding times of the keyframes that carry no presentation time (an MPEG-2 MXF's I-frames,
   * packed B-frames' AVI), ascending: ffmpeg makes their frames' times up (`seek-times.ts`).
   */
  readonly untimedKeyframesS?: readonly number[];
}

/**
 * Packets from `-show_entries packet=pts_time,dts_time,duration_time,size,flags -of csv=p=0`
 * (ffprobe prints them in that order, whatever the order asked), times shifted by `-originS`. A
 * packet without a presentation time counts its bits and ends where it is shown
 * (`presentationTimes`); bits past `durationS` (a broken timestamp far out) count nowhere, nor
 * does its end.
 */
export function parsePackets(csv: string, originS = 0, durationS = Infinity): PacketIndex {
  const keyframesS: number[] = [];
  const bitsPerSecond: number[] = [];
  const framesS: number[] = [];
  const untimedKeyframesS: number[] = [];
  const lastSecond = Math.ceil(durationS);
  let endS: number | undefined;
  const rows = csv
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(','));
  // Untimed packets where they are shown (`presentationTimes`): the last ones after every timed frame.
  const shownS = presentationTimes(
    rows.map(([pts, dts, duration]) => ({ ptsS: timeOf(pts), dtsS: timeOf(dts), durationS: timeOf(duration) })),
  );
  for (const [k, [pts, dts, duration, size, flags]] of rows.entries()) {
    const t = timeOf(pts) - originS;
    if (flags?.includes('K') === true && Number.isFinite(t)) keyframesS.push(t);
    else if (flags?.includes('K') === true && Number.isFinite(timeOf(dts))) untimedKeyframesS.push(timeOf(dts) - originS);
    if (Number.isFinite(t)) framesS.push(t);
    const at = (shownS[k] ?? Number.NaN) - originS;
    const end = at + timeOf(duration);
    if (Number.isFinite(end) && end <= durationS + 1 && (endS === undefined || end > endS)) endS = end;
    const bytes = Number(size);
    if (!(at >= 0) || !Number.isFinite(bytes) || size === '') continue;
    const sec = Math.floor(at);
    if (sec >= lastSecond) continue;
    for (let k = bitsPerSecond.length; k <= sec; k++) bitsPerSecond.push(0);
    bitsPerSecond[sec]! += bytes * 8;
  }
  return {
    keyframesS: keyframesS.sort((a, b) => a - b),
    bitsPerSecond,
    ...(endS === undefined ? {} : { endS }),
    framesS: framesS.sort((a, b) => a - b),
    ...(untimedKeyframesS.length === 0 ? {} : { untimedKeyframesS: untimedKeyframesS.sort((a, b) => a - b) }),
  };
}

/**
 * The longest gap between a keyframe and the next one (or the video's end at `endS`), in
 * seconds; undefined without keyframes. Pure.
 */
export function longestKeyframeGapS(keyframesS: readonly number[], endS: number): number | undefined {
  if (keyframesS.length === 0) return undefined;
  const edges = [...keyframesS, endS];
  let longest = 0;
  for (let i = 1; i < edges.length; i++) longest = Math.max(longest, edges[i]! - edges[i - 1]!);
  return longest;
}

/**
 * Whether every read of the master decodes it from its start, wherever the read begins: its
 * keyframes are no entry points, or its first frame is its only keyframe (a browser's
 * recording). The gap of that keyframe (`longestKeyframeGapS`) then runs to the video's end;
 * with a second keyframe, a frame or more after the first, it ends at least a frame earlier. Pure.
 */
export function readsFromStart(
  video: Pick<VideoInfo, 'decodeFromStart' | 'keyframeGapS' | 'endS' | 'frameRate'>,
  durationS: number,
): boolean {
  if (video.decodeFromStart === true) return true;
  const halfFrameS = (0.5 * video.frameRate.den) / video.frameRate.num;
  return video.keyframeGapS !== undefined && video.keyframeGapS > (video.endS ?? durationS) - halfFrameS;
}

/** A CSV time field as seconds; NaN for `N/A` or nothing. */
/** A csv field of ffprobe's as seconds; NaN for `N/A` or nothing. */
export const timeOf = (field: string | undefined): number =>
  field === undefined || field === '' || field === 'N/A' ? Number.NaN : Number(field);

/**
 * The master's packet index in title time (seconds from the first video frame), keyframes
 * nudged so an input seek there lands on the keyframe itself. Reads packets only (no decode).
 */
export async function packetIndex(location: string, videoStartS: number, durationS: number, signal?: AbortSignal): Promise<PacketIndex> {
  const { stdout } = await runProbe(
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=pts_time,dts_time,duration_time,size,flags',
      '-of',
      'csv=p=0',
      ...masterInputOptions(location),
      location,
    ],
    signal === undefined ? {} : { signal },
  );
  const index = parsePackets(stdout, videoStartS, durationS);
  return { ...index, keyframesS: index.keyframesS.map((t) => t + KEYFRAME_SEEK_NUDGE_S) };
}

/** The master's keyframes in title time, nudged for seeking (see {@link packetIndex}). */
export async function keyframeTimes(location: string, videoStartS: number, signal?: AbortSignal): Promise<number[]> {
  return [...(await packetIndex(location, videoStartS, Infinity, signal)).keyframesS];
}

/** Packets decoded to find a file's first frame: enough for any B-frame delay an encoder uses. */
const FIRST_FRAME_PACKETS = 16;

/** What a decode of part of a file gives: how many frames, and the timestamps of those that carry one. */
export interface FirstFrames {
  /** Every decoded frame: a first frame of packed B-frames in AVI (Megamind) decodes without a timestamp. */
  readonly frames: number;
  readonly timesS: readonly number[];
}

/**
 * Decodes the video over ffprobe's `-read_intervals` `interval` (one ffprobe): how many frames
 * it gave, the timestamps of those that carry one, and what ffprobe said (a container that
 * cannot seek says so and still exits 0). `referenceOnly` skips the frames nothing refers to
 * (x264's non-reference B-frames): what is decoded still shows the bytes are there, at a
 * fraction of the cost.
 */
export async function decodeFramesAt(
  location: string,
  interval: string,
  signal?: AbortSignal,
  referenceOnly = false,
): Promise<FirstFrames & { readonly stderrTail: string }> {
  const { stdout, stderrTail } = await runProbe(
    [
      '-v',
      'error',
      ...(referenceOnly ? ['-skip_frame', 'noref'] : []),
      '-select_streams',
      'v:0',
      '-read_intervals',
      interval,
      '-show_entries',
      'frame=best_effort_timestamp_time',
      '-of',
      'csv=p=0',
      ...masterInputOptions(location),
      location,
    ],
    signal === undefined ? {} : { signal },
  );
  return { frames: stdout.split('\n').filter((l) => l.trim() !== '').length, timesS: parseTimes(stdout), stderrTail };
}

/** Decodes a file's first {@link FIRST_FRAME_PACKETS} video packets: whether its start decodes, and where frame 0 is. */
export function readFirstFrames(location: string, signal?: AbortSignal): Promise<FirstFrames> {
  return decodeFramesAt(location, `%+#${FIRST_FRAME_PACKETS}`, signal);
}

/**
 * Timestamp of a file's first decoded video frame, as ffmpeg gives it to filters with
 * `-copyts` (the best-effort timestamp: edit lists and composition offsets applied, missing
 * ones guessed): frame 0 of the file, read from the file itself rather than assumed.
 */
export function firstFrameTimeOf(first: FirstFrames, location: string): number {
  if (first.timesS.length === 0) throw new Error(`no frame decodes at the start of ${location}`);
  return Math.min(...first.timesS);
}

/** {@link firstFrameTimeOf} the file's own {@link readFirstFrames}. */
export async function firstFrameTimeS(location: string, signal?: AbortSignal): Promise<number> {
  return firstFrameTimeOf(await readFirstFrames(location, signal), location);
}

/**
 * Where a file's last packet ends (presentation time plus duration, where stated), read from its
 * packets without decoding, from `fromS` on when given: of its video (`'v:0'`), or of any stream
 * (`'all'`: how far the bytes of a master really go, whichever stream carries them; a file cut
 * short stops every stream at the cut, one whose picture stops early has its sound go on).
 * -Infinity when no packet states a time. A reduce, not Math.max(...all): a feature film has
 * hundreds of thousands of packets.
 */
export async function lastPacketEndS(
  location: string,
  streams: 'v:0' | 'all',
  read: { readonly fromS?: number; readonly signal?: AbortSignal } = {},
): Promise<number> {
  const { stdout } = await runProbe(
    [
      ...['-v', 'error'],
      ...(streams === 'all' ? [] : ['-select_streams', streams]),
      ...(read.fromS === undefined ? [] : ['-read_intervals', `${Math.max(0, read.fromS).toFixed(6)}%`]),
      ...['-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0'],
      ...masterInputOptions(location),
      location,
    ],
    read.signal === undefined ? {} : { signal: read.signal },
  );
  return stdout
    .split('\n')
    .map((l) => l.trim().split(','))
    .map(([pts, duration]) => timeOf(pts) + (Number.isFinite(timeOf(duration)) ? timeOf(duration) : 0))
    .reduce((latest, t) => (Number.isFinite(t) ? Math.max(latest, t) : latest), -Infinity);
}

/** The first column of ffprobe's `-of csv=p=0` lines as seconds, skipping blank lines and `N/A`. */
export function parseTimes(csv: string): number[] {
  return csv
    .split('\n')
    .map((l) => l.trim().split(',')[0] ?? '')
    .filter((t) => t !== '' && t !== 'N/A')
    .map(Number)
    .filter(Number.isFinite);
}

/** The last of `keyframesS` (ascending or not) at or before `startS`, if any is after the title's start. */
export function keyframeAtOrBefore(keyframesS: readonly number[], startS: number): number | undefined {
  let best: number | undefined;
  for (const k of keyframesS) if (k > 0 && k <= startS + 1e-6 && (best === undefined || k > best)) best = k;
  return best;
}

/**
 * Whether a reader starting from the keyframe at `keyframeS` (title time, from the packet
 * index) decodes that keyframe, or an earlier frame, first: its first frame's timestamp is
 * not after `keyframePtsS`, the keyframe's own. A demuxer with an index (MP4, Matroska, AVI,
 * WebM) lands on the keyframe; one that searches by timestamp (MPEG-TS, measured on an
 * open-GOP H.264 TS) can land on the next keyframe, and a reader starting there would get a
 * window's first seconds as copies of a later frame. Such a window is read with a lead
 * instead. Any failure answers no: the lead is always correct, only slower.
 */
export async function seekLandsOnKeyframe(
  location: string,
  timeline: FrameTimeline,
  keyframeS: number,
  keyframePtsS: number,
  scratchDir: string,
  signal?: AbortSignal,
): Promise<boolean> {
  const metadataFile = path.join(scratchDir, `landing-${keyframeS.toFixed(6)}.txt`);
  try {
    await runFfmpeg(buildSeekLandingArgs({ input: location, timeline, keyframeS, metadataFile }), signal === undefined ? {} : { signal });
    return landsOnKeyframe(firstListedTimeS(await readFile(metadataFile, 'utf8')), keyframePtsS);
  } catch (err) {
    if (signal?.aborted === true) throw err;
    return false;
  }
}

/** Slack for the keyframe's printed time (6 decimals, nudged): far below any frame's duration. */
const LANDING_TOLERANCE_S = 1e-3;

/**
 * Whether a read whose first decoded frame is at `firstS` (`-copyts`, undefined when none
 * decoded) started on the keyframe at `keyframePtsS`, or before it (see `seekLandsOnKeyframe`).
 */
export function landsOnKeyframe(firstS: number | undefined, keyframePtsS: number): boolean {
  return firstS !== undefined && firstS <= keyframePtsS + LANDING_TOLERANCE_S;
}
