/**
 * Whether a master's bytes reach the end its header states. ffprobe trusts the container's
 * index, so a truncated upload still reports its full duration; the probe job decodes the
 * master's tail and this decides, from the timestamps it got, whether the video gets there.
 * Pure, so every decision is unit-tested on numbers; `workers/jobs/probe.ts` runs ffprobe.
 *
 * Everything here is in the master's own timestamps (what `-read_intervals` seeks to and
 * `pts_time` prints), never in title time: an MPEG-TS starts wherever its clock stood (600 s,
 * 26 hours), and one whose 33-bit clock wraps starts at a negative time, since ffmpeg unwraps
 * the timestamps after the wrap. Seeking to "duration minus 2 s" read the wrapped broadcast
 * master's tail past its real end (nothing decodes there: refused as truncated) and an offset
 * master's before its start (the first frame passed for the tail's, which proved nothing).
 */
import { frameRateValue, type ProbeResult } from '../../ffmpeg/probe.ts';
import { lastPacketEndS } from './keyframes.ts';

/** The tail read first: this many seconds before the stated end, decoded to the end of the file. */
export const TAIL_READ_S = 2;

/**
 * Longest keyframe interval of a master that cannot seek to a keyframe (MPEG-TS/PS have no
 * index: a seek lands mid-GOP, and nothing decodes until the next keyframe). When the first
 * tail read decodes nothing that far, a second one starts this much earlier.
 */
export const MAX_GOP_S = 10;

/**
 * How far before the stated end the last video frame may be, in seconds: the stated duration
 * is the longest stream's, and a video track may stop a little before its audio, or a sparse
 * variable-rate one show its last frame for seconds. The corpus' masters end within 0.2 s.
 */
export const END_SLACK_S = 5;

/** Where the master says it ends, in its own timestamps: the file's start time plus its duration. */
export function statedEndS(probe: Pick<ProbeResult, 'durationS' | 'videoOffsetS' | 'video'>): number {
  // `videoOffsetS` is the video's start minus the file's (0 when the video is first), so this
  // is the file's start time, which the format's duration counts from.
  return probe.video.startTimeS - probe.videoOffsetS + probe.durationS;
}

/** Where the tail reads seek, in the master's timestamps, in the order they are tried (each read runs to the end of the file). */
export function tailSeeksS(endS: number): readonly number[] {
  return [endS - TAIL_READ_S, endS - TAIL_READ_S - MAX_GOP_S];
}

/**
 * Whether timestamps read from a tail (decoded frames, or packets when the container cannot
 * seek) show the video reaching `endS`. A read that fell back to the file's start (a Matroska
 * file whose index was cut off) gives only early timestamps, which do not pass.
 */
export function reachesEnd(timesS: readonly number[], endS: number): boolean {
  return timesS.some((t) => Number.isFinite(t) && t >= endS - END_SLACK_S);
}

/**
 * The probe with its duration a length, where ffprobe gave the master's end time as its duration:
 * a fragmented MP4 from a live encoder whose first fragment starts at 10 s (its `tfdt`) states
 * 17.13 s for 7.13 s of frames that end at 17.13, and the truncation check looked for frames at
 * 27.13 and refused it. Told by the video's last packet ending at the stated duration, within
 * the presentation delay B-frames give (`REORDER_FRAMES`), on a master that starts further from
 * 0 than that; the length is then where the packets end, from the file's start.
 */
export async function lengthNotEndTime(probe: ProbeResult, location: string, signal: AbortSignal): Promise<ProbeResult> {
  const slackS = REORDER_FRAMES / frameRateValue(probe.video.frameRate);
  const fileStartS = probe.video.startTimeS - probe.videoOffsetS;
  if (!(fileStartS > slackS) || probe.durationS <= fileStartS) return probe;
  const lastEndS = await lastPacketEndS(location, 'v:0', { fromS: probe.durationS - END_READ_S, signal }).catch(() => -Infinity);
  if (!(Math.abs(lastEndS - probe.durationS) <= slackS)) return probe;
  return { ...probe, durationS: lastEndS - fileStartS };
}

/**
 * Frames a picture's presentation may trail its decoding by, and so the video's last packet end
 * its stated end: x264's B-pyramid delays it by 2, H.264 allows more; 4 (0.13 s at 30 fps) is
 * far under any start worth telling apart (10 s here).
 */
const REORDER_FRAMES = 4;

/** How far before the stated duration the check reads the video's packets, s: a few GOPs. */
const END_READ_S = 5;
