/**
 * Which frames of a window are compared when not all of them are: a share `1/step`, picked by
 * a Weyl sequence, the same rule in ffmpeg's `select` and here. Pure.
 *
 * A stride (`n mod step = 0`) has a period, and encodes have periods too: x264's `I BBBP BBBP`
 * puts every P-frame on an even frame, so one frame in two read a life rung 0.94 dB above
 * every frame (31.72 dB over all, 32.66 over the even ones, 30.95 over the odd). Frame `n` is
 * picked when the fractional part of `n·φ'` (φ' = (√5 − 1)/2, the golden ratio's fractional part)
 * is under `1/step`: the sequence has no period, so in the long run it takes the same share of
 * every phase of any period (`n·φ'` is equidistributed over each residue class of `n`, as
 * `k·φ'` is irrational for every whole `k`). Over the same rung it read 31.71 dB. Over 2400
 * frames each phase of a pattern of 2 to 8 frames (the B-frames between references) gets its
 * share within 4%. Longer periods even out more slowly (`48·φ'` is near 2/3, as φ' is near
 * 89/144), but those are keyframe periods, one frame in each. Frame 0 is always picked, so a
 * window of one frame still has a figure.
 */

/** φ' to the double nearest it, written the way ffmpeg's expression parser and JavaScript both read it. */
export const WEYL_STEP = 0.6180339887498949;

/** Whether frame `n` of a window (from 0) is compared when one in `step` is. Pure. */
export function isPicked(n: number, step: number): boolean {
  if (step <= 1) return true;
  const x = n * WEYL_STEP;
  return x - Math.floor(x) < 1 / step;
}

/** The frames of a window of `frames` compared at `step`, in order. Pure. */
export function pickedFrames(frames: number, step: number): number[] {
  return Array.from({ length: frames }, (_, n) => n).filter((n) => isPicked(n, step));
}

/**
 * {@link isPicked} as an ffmpeg `select` filter (commas escaped for a filter graph), or no
 * filter at one in one: ffmpeg's evaluator computes `n*φ'`, its floor and their difference
 * as the IEEE doubles JavaScript does, so both pick the same frames.
 */
export function pickFilter(step: number): string[] {
  if (step <= 1) return [];
  const x = `n*${WEYL_STEP}`;
  return [`select='lt(${x}-floor(${x})\\,1/${step})'`];
}
