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

/**
 * The highest declared rate a variable-rate master's grid may take. Above it a declared rate is
 * a clock's (a browser's recording declares its millisecond time base, 1000) or the common
 * multiple of mixed rates (24 and 30 declare 120), not the pace of the frames; and no player
 * or device the ladder is for shows more (Apple's HLS authoring specification stops at 60).
 */
export const MAX_DECLARED_GRID_FPS = 60;

/**
 * How many of the frames at `framesS` (presentation times on the master's clock, where the grid's
 * slots are, s, ascending) a grid at `rate` keeps:
 * each frame goes to its nearest slot, as ffmpeg's `fps` puts it, and of several frames in one
 * slot only one is shown. Pure.
 */
export function framesKept(rate: Rational, framesS: readonly number[]): number {
  const fps = rate.num / rate.den;
  let kept = 0;
  let lastSlot = Number.NEGATIVE_INFINITY;
  for (const t of framesS) {
    const slot = Math.round(t * fps);
    if (slot !== lastSlot) kept += 1;
    lastSlot = slot;
  }
  return kept;
}

/**
 * The grid of a master whose average rate and declared rate disagree (`titleFrameRate` took the
 * average): of the two, the lower one that keeps every frame (`framesKept`), else the one that
 * keeps more. The average of a variable-rate master is below the pace its frames come at when
 * they come fastest: on it, a real phone clip (41 frames, 27.0 fps on average, 30.01 declared)
 * lost 4 frames, and a screen recording at 30 fps with still stretches lost nearly half. The
 * declared grid keeps them all and repeats a frame where the master paused, which costs an
 * encoder next to nothing. A declared rate above {@link MAX_DECLARED_GRID_FPS} is no
 * candidate. Pure.
 */
export function variableRateGrid(average: Rational, declared: Rational, framesS: readonly number[]): Rational {
  if (declared.num / declared.den > MAX_DECLARED_GRID_FPS || framesS.length === 0) return average;
  const [low, high] = average.num / average.den <= declared.num / declared.den ? [average, declared] : [declared, average];
  const keptLow = framesKept(low, framesS);
  if (keptLow === framesS.length) return low;
  return framesKept(high, framesS) > keptLow ? high : low;
}
