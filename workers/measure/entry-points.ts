import { runFfmpeg } from '../../ffmpeg/run.ts';
import { buildEntryPointReadArgs } from '../../ffmpeg/analysis-args.ts';
import type { FrameTimeline } from '../../ffmpeg/source-frames.ts';

/** Keyframes a master's reads are tried from: a bad one is the muxer's habit, not a one-off, so a few spread over the title tell. */
export const ENTRY_POINT_PROBES = 3;

/** Seconds decoded from each: P-frames that refer back past the keyframe come right after it. */
export const ENTRY_POINT_SPAN_S = 2;

/** The golden ratio's fractional part: the rotation by it is the least periodic there is. */
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * The keyframes (title time, as the packet index gives them) a read is tried from: up to
 * `count`, never the first (reads from the title's start do not seek), ascending. Pure.
 *
 * They are picked at the golden-ratio sequence's points of the keyframe list (the `i`-th at
 * `frac(i × 0.618…)` of it), which spread over the title like an even grid without sharing a
 * period with the master. An even grid did: an encoder that writes an IDR every third flagged
 * keyframe and non-IDR I-frames between (the real cockatoo clip looped: flagged keyframes
 * at 3.8, 7.25 and 14 s of every 14 s) had all three even picks land on an IDR, and the master
 * was read from keyframes that decode garbage.
 */
export function entryPointProbes(keyframesS: readonly number[], count = ENTRY_POINT_PROBES): number[] {
  const later = [...keyframesS].sort((a, b) => a - b).slice(1);
  if (later.length <= count) return later;
  const picked = new Set<number>();
  for (let i = 1; picked.size < count; i++) picked.add(Math.floor(((i * GOLDEN) % 1) * later.length));
  return [...picked].sort((a, b) => a - b).map((k) => later[k]!);
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
 * Whether a master's picture needs what only its first packet carries: a palettized one
 * (`pal8`: QuickTime Animation and Graphics, Microsoft RLE...) gets its palette from the
 * container's sample description, which ffmpeg hands its decoder with the first packet alone.
 * A read that seeks decodes every frame against an empty palette, all black, and no decoder
 * says so: contextfree's trill2.mov was published black past its first chunk, its sample
 * windows measured against the same black at 100 dB. Pure.
 */
export function paletteFromStartOnly(pixFmt: string): boolean {
  return pixFmt === 'pal8';
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
