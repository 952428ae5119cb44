/** A rate or ratio as ffprobe states it: `num/den` (frames a second, an aspect ratio). */
export interface Rational {
  readonly num: number;
  readonly den: number;
}

/**
 * The title's frame rate: the stream's average, which is a variable-rate master's grid, unless
 * the rate the stream declares would put every frame of the title in the same slot (the two
 * grids drift apart by less than half a frame over its whole duration): then the declared one.
 * A constant-rate stream's average is its frame count over a rounded duration (openboard's
 * cartoon: 5402 frames in 180.247 s gave 243090000/8111111 for 30000/1001), and a frame of that
 * length is no whole number of 90 kHz ticks: chunks starting at different frames rounded their
 * first frame's offset differently, their edit lists differed, and the title failed. Pure.
 */
export function titleFrameRate(avg: Rational | undefined, declared: Rational | undefined, durationS: number): Rational | undefined {
  if (avg === undefined || declared === undefined) return avg ?? declared;
  const apartFrames = Math.abs(avg.num / avg.den - declared.num / declared.den) * durationS;
  return apartFrames < 0.5 ? declared : avg;
}
