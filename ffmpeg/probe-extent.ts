/**
 * A master's length read from its packets, for a container that states none: a live WebM, as
 * a browser's MediaRecorder writes it, has no Duration, no Cues and often no frame duration
 * (ffprobe then says `1k tbr` and no average rate). The packets are demuxed, not decoded.
 */
import type { Rational } from './frame-rate.ts';
import { masterInputOptions } from './master-input.ts';
import { runProbe, type RunOptions } from './run.ts';

/** What the packets say about a master whose container states no duration. */
export interface PacketExtent {
  /** From the earliest packet's start to the latest one's end, over every stream, s. */
  readonly durationS: number;
  /** The video's mean frame rate: frames between its first and last packet over the time between them. */
  readonly videoFrameRate?: Rational;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Parses `ffprobe -show_entries packet=stream_index,pts_time,duration_time -of csv=p=0`;
 * `videoIndex` is the video stream's position in the file. Packets without a time are skipped;
 * one without a duration ends where it starts. Undefined when no packet has a time. Pure.
 */
export function parsePacketExtent(csv: string, videoIndex: number): PacketExtent | undefined {
  let start = Infinity;
  let end = -Infinity;
  let videoFirstUs = Infinity;
  let videoLastUs = -Infinity;
  let videoPackets = 0;
  for (const line of csv.split('\n')) {
    const [index, ptsText, durationText] = line.trim().split(',');
    const pts = Number(ptsText);
    if (ptsText === undefined || ptsText === '' || !Number.isFinite(pts)) continue;
    const duration = Number(durationText);
    start = Math.min(start, pts);
    end = Math.max(end, pts + (Number.isFinite(duration) && duration > 0 ? duration : 0));
    if (Number(index) !== videoIndex) continue;
    // Whole microseconds, as ffprobe prints them: the rate is then a ratio of integers.
    const us = Math.round(pts * 1e6);
    videoFirstUs = Math.min(videoFirstUs, us);
    videoLastUs = Math.max(videoLastUs, us);
    videoPackets += 1;
  }
  if (!(end > start)) return undefined;
  const spanUs = videoLastUs - videoFirstUs;
  if (videoPackets < 2 || !(spanUs > 0)) return { durationS: end - start };
  const num = (videoPackets - 1) * 1e6;
  const d = gcd(num, spanUs);
  return { durationS: end - start, videoFrameRate: { num: num / d, den: spanUs / d } };
}

/** Demuxes every packet of the master to measure its length (`parsePacketExtent`). */
export async function readPacketExtent(
  location: string,
  videoIndex: number,
  options: Pick<RunOptions, 'signal'> = {},
): Promise<PacketExtent | undefined> {
  const { stdout } = await runProbe(
    [
      '-v',
      'error',
      '-show_entries',
      'packet=stream_index,pts_time,duration_time',
      '-of',
      'csv=p=0',
      ...masterInputOptions(location),
      location,
    ],
    options,
  );
  return parsePacketExtent(stdout, videoIndex);
}
