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
import { audioStreamsOf, frameRateValue, type ProbeResult } from '../../ffmpeg/probe.ts';
import { masterInputOptions } from '../../ffmpeg/master-input.ts';
import { runProbe } from '../../ffmpeg/run.ts';
import { lastPacketEndS, timeOf } from './keyframes.ts';
import { presentationTimes, type ListedPacket } from './untimed-tail.ts';

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

/** Where one packet of the master's picture or sound starts and ends, in its own timestamps. */
export interface PacketSpan {
  readonly startS: number;
  readonly endS: number;
}

/**
 * Where the master's picture and sound end, read on past `statedEndS`: the end of the packets
 * that follow one another from there, each starting at most `maxGapS` after the end reached
 * before it, from `statedEndS` on. A gap the title could not have (longer than the truncation
 * check lets the last frame be from the end, {@link END_SLACK_S}) is a broken timestamp, not more
 * of the title. `statedEndS` when no packet runs past it. Pure.
 */
export function contiguousEndS(spans: readonly PacketSpan[], statedEndS: number, maxGapS = END_SLACK_S): number {
  // From the stated end: a read whose first packets carry no time (a raw MPEG-1 stream's, after a
  // seek) follows on from there as from a packet.
  let reachedS = statedEndS;
  for (const s of [...spans].sort((a, b) => a.startS - b.startS)) {
    if (s.startS - reachedS > maxGapS) break;
    reachedS = Math.max(reachedS, s.endS);
  }
  return reachedS;
}

/**
 * The title's packets, its picture (`0:v:0`) and the sound it ships (`0:a:<k>` for each `k` of
 * `audio`), from ffprobe's `-of csv` lines of `stream=index,codec_type` and
 * `packet=codec_type,stream_index,pts_time,dts_time,duration_time,flags`. Left out: other streams
 * (a DVB multiplex's other programmes run on other clocks), untimed packets before a timed one, and those
 * an edit list discards (flag `D`: a phone's MP4 has frames past its edit). The others are where
 * they are shown (`presentationTimes`: untimed ones after the last timed frame). Pure.
 */
export function parsePacketSpans(csv: string, audio: readonly number[]): PacketSpan[] {
  const rows = csv.split('\n').map((l) => l.trim().split(','));
  // Each stream once, by its index: a multiplex lists its streams under each programme too
  // (`program,stream,17,video`), in the programmes' order.
  const kinds = new Map<number, string>();
  for (const r of rows) {
    const at = r.indexOf('stream');
    const type = r[at + 2];
    if (r[0] !== 'packet' && at >= 0 && type !== undefined) kinds.set(Number(r[at + 1]), type);
  }
  const ofKind = (type: string): number[] =>
    [...kinds]
      .filter(([, t]) => t === type)
      .map(([index]) => index)
      .sort((a, b) => a - b);
  const video = ofKind('video')[0];
  const shipped = new Set([...(video === undefined ? [] : [video]), ...audio.map((k) => ofKind('audio')[k] ?? -1)]);
  // Each stream's packets in decoding order, untimed ones where they are shown (`presentationTimes`).
  const byStream = new Map<number, ListedPacket[]>();
  for (const [section, , index, pts, dts, duration, flags] of rows) {
    if (section !== 'packet' || !shipped.has(Number(index)) || flags?.includes('D') === true) continue;
    const packet = { ptsS: timeOf(pts), dtsS: timeOf(dts), durationS: timeOf(duration) };
    byStream.set(Number(index), [...(byStream.get(Number(index)) ?? []), packet]);
  }
  const spans: PacketSpan[] = [];
  for (const listed of byStream.values()) {
    const shownS = presentationTimes(listed);
    for (const [k, packet] of listed.entries()) {
      const startS = shownS[k] ?? Number.NaN;
      if (!Number.isFinite(startS)) continue;
      spans.push({ startS, endS: startS + (Number.isFinite(packet.durationS) ? packet.durationS : 0) });
    }
  }
  return spans;
}

/**
 * The probe with its duration reaching the end of its picture and sound, where they run on past
 * the end its header states: a real camera clip in ASF (WMV2 and WMA, from Go's mimetype test
 * files) states 4.41 s, and its frames and samples go on to 6.44 s without a break. Every read
 * stops at the title's frames (`FrameTimeline.frames`), so a plan over the stated duration would
 * ship two seconds fewer than a player shows. Read from {@link TAIL_READ_S} before the stated end,
 * packets only; a packet more than a frame past it is what tells.
 */
export async function lengthPastStatedEnd(probe: ProbeResult, location: string, signal: AbortSignal): Promise<ProbeResult> {
  const endS = statedEndS(probe);
  const { stdout } = await runProbe(
    [
      ...['-v', 'error', '-read_intervals', `${Math.max(0, endS - TAIL_READ_S).toFixed(6)}%`],
      ...['-show_entries', 'stream=index,codec_type:packet=codec_type,stream_index,pts_time,dts_time,duration_time,flags', '-of', 'csv'],
      ...masterInputOptions(location),
      location,
    ],
    { signal },
  ).catch(() => ({ stdout: '' }));
  const reachedS = contiguousEndS(
    parsePacketSpans(
      stdout,
      audioStreamsOf(probe).map((a) => a.index),
    ),
    endS,
  );
  if (!(reachedS > endS + 1 / frameRateValue(probe.video.frameRate))) return probe;
  return { ...probe, durationS: probe.durationS + (reachedS - endS) };
}

/** The master's length as its packets give it: an end time stated as a length made one, and a stated end they run past followed. */
export async function masterLength(probe: ProbeResult, location: string, signal: AbortSignal): Promise<ProbeResult> {
  return lengthPastStatedEnd(await lengthNotEndTime(probe, location, signal), location, signal);
}
