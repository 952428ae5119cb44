/**
 * A read of the master that lists the frames it decodes: each one's timestamp, the master's own
 * (`-copyts`, in its stream's time base, every frame kept as decoded), and the MD5 of its picture
 * (`framemd5`). Two such reads of the same frames, one from the start and one after a seek, say
 * whether the seek labels them as the start does (`workers/measure/seek-times.ts`).
 */
import { masterInput } from './master-input.ts';

const secs = (s: number): string => s.toFixed(6);

export type FrameListRead =
  /** From the master's start, its first `durationS` (an input option: whatever -copyts keeps). */
  | { readonly fromStartS: number }
  /** From a seek to `seekS` (no keyframe named: as a reader with a lead seeks), `frames` frames. */
  | { readonly seekS: number; readonly frames: number };

export function buildFrameListArgs(cmd: { input: string; read: FrameListRead; listingFile: string }): string[] {
  const { read } = cmd;
  return [
    '-v',
    'error',
    ...('fromStartS' in read ? ['-t', secs(read.fromStartS), '-copyts'] : ['-copyts', '-ss', secs(read.seekS)]),
    ...masterInput(cmd.input),
    ...['-map', '0:v:0', '-an', '-sn', '-dn'],
    ...('frames' in read ? ['-frames:v', String(read.frames)] : []),
    // Every frame as the decoder gives it, timestamps in the stream's own time base.
    ...['-fps_mode', 'passthrough', '-enc_time_base', '-1', '-f', 'framemd5', cmd.listingFile],
  ];
}
