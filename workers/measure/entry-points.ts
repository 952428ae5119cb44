import { runFfmpeg } from '../../ffmpeg/run.ts';
import { buildEntryPointReadArgs } from '../../ffmpeg/analysis-args.ts';
import type { FrameTimeline } from '../../ffmpeg/source-frames.ts';

/** Keyframes a master's reads are tried from: a bad one is the muxer's habit, not a one-off, so a few spread over the title tell. */
export const ENTRY_POINT_PROBES = 3;

/** Seconds decoded from each: P-frames that refer back past the keyframe come right after it. */
export const ENTRY_POINT_SPAN_S = 2;

/**
 * The keyframes (title time, as the packet index gives them) a read is tried from: up to
 * `count`, evenly spread, never the first (reads from the title's start do not seek). Pure.
 */
export function entryPointProbes(keyframesS: readonly number[], count = ENTRY_POINT_PROBES): number[] {
  const later = [...keyframesS].sort((a, b) => a - b).slice(1);
  if (later.length <= count) return later;
  return Array.from({ length: count }, (_, i) => later[Math.floor(((i + 0.5) * later.length) / count)]!);
}

/**
 * Whether ffmpeg's log of a decode from a keyframe says frames were decoded wrongly: references
 * missing, macroblocks it could not decode, errors concealed. Not "co located POCs unavailable":
 * after an open-GOP keyframe (the corpus's open-gop-ts) the B-frames decoded next refer to the
 * GOP before, and h264 says only that; they are shown before the keyframe, and every reader
 * trims what comes before the frames it wants. Pure.
 */
export function hasDecodeErrors(stderr: string): boolean {
  return /error while decoding|concealing \d+|corrupt decoded frame|reference \d+ >= \d+|missing reference/i.test(stderr);
}

/**
 * Whether reads that seek to the master's keyframes decode what a read from its start decodes.
 * A container flags its sync samples itself, and some writers flag every I-frame: in H.264 a
 * non-IDR I-frame is no entry point, as the frames after it may refer to frames before it, so a
 * read that seeks there decodes garbage until the next IDR (imageio's cockatoo.mp4: I-frames at
 * 3.8 and 7.25 s flagged, no IDR after 0; chunks read from them shipped green pictures, and the
 * analysis measured that garbage against the same garbage read from the master). Each probe
 * seeks as every reader does (`buildEntryPointReadArgs`) and decodes `ENTRY_POINT_SPAN_S`.
 */
export async function keyframesAreEntryPoints(
  location: string,
  timeline: FrameTimeline,
  keyframesS: readonly number[],
  signal?: AbortSignal,
): Promise<boolean> {
  for (const k of entryPointProbes(keyframesS)) {
    const args = buildEntryPointReadArgs({ input: location, timeline, keyframeS: k, durationS: ENTRY_POINT_SPAN_S });
    const { stderrTail } = await runFfmpeg(args, signal === undefined ? {} : { signal });
    if (hasDecodeErrors(stderrTail)) return false;
  }
  return true;
}
