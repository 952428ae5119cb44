import { masterInputOptions } from '../../ffmpeg/master-input.ts';
import { runProbe } from '../../ffmpeg/run.ts';

/**
 * Seconds added to a keyframe's printed time before seeking to it: ffprobe prints 6 decimals,
 * which may fall just short of the true timestamp, and a seek short of a keyframe decodes
 * from the one before it (a whole GOP).
 */
export const KEYFRAME_SEEK_NUDGE_S = 2e-6;

/** Key packets' presentation times from `-show_entries packet=pts_time,flags -of csv=p=0`, ascending. */
export function parseKeyPackets(csv: string): number[] {
  const out: number[] = [];
  for (const line of csv.split('\n')) {
    const [pts, flags] = line.trim().split(',');
    if (flags === undefined || !flags.includes('K')) continue;
    const t = Number(pts);
    if (Number.isFinite(t)) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

/**
 * The master's keyframes in title time (seconds from the first video frame), nudged so an
 * input seek there lands on the keyframe itself. Reads packets only (no decode).
 */
export async function keyframeTimes(location: string, videoStartS: number, signal?: AbortSignal): Promise<number[]> {
  const { stdout } = await runProbe(
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=pts_time,flags',
      '-of',
      'csv=p=0',
      ...masterInputOptions(location),
      location,
    ],
    signal === undefined ? {} : { signal },
  );
  return parseKeyPackets(stdout).map((t) => t - videoStartS + KEYFRAME_SEEK_NUDGE_S);
}

/** Packets decoded to find a file's first frame: enough for any B-frame delay an encoder uses. */
const FIRST_FRAME_PACKETS = 16;

/**
 * Timestamp of a file's first decoded video frame, as ffmpeg gives it to filters with
 * `-copyts` (the best-effort timestamp: edit lists and composition offsets applied, missing
 * ones guessed): frame 0 of the file, read from the file itself rather than assumed.
 */
export async function firstFrameTimeS(location: string, signal?: AbortSignal): Promise<number> {
  const { stdout } = await runProbe(
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-read_intervals',
      `%+#${FIRST_FRAME_PACKETS}`,
      '-show_entries',
      'frame=best_effort_timestamp_time',
      '-of',
      'csv=p=0',
      ...masterInputOptions(location),
      location,
    ],
    signal === undefined ? {} : { signal },
  );
  const times = parseTimes(stdout);
  if (times.length === 0) throw new Error(`no frame decodes at the start of ${location}`);
  return Math.min(...times);
}

/** Timestamp of a file's last video packet, read from every packet without decoding; -Infinity when none has one. */
export async function lastVideoPacketS(location: string, signal?: AbortSignal): Promise<number> {
  const { stdout } = await runProbe(
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=pts_time',
      '-of',
      'csv=p=0',
      ...masterInputOptions(location),
      location,
    ],
    signal === undefined ? {} : { signal },
  );
  // A reduce, not Math.max(...all): a feature film has hundreds of thousands of packets.
  return parseTimes(stdout).reduce((latest, t) => Math.max(latest, t), -Infinity);
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
