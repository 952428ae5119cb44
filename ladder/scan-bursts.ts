import { expectArray, expectNumber, expectObject } from './validate.ts';

/** A stretch of the title the analysis scan decodes, from a keyframe. */
export interface ScanBurst {
  /** Seconds from the title's first frame; a keyframe, so a seek there decodes nothing before it. */
  readonly startS: number;
  readonly durationS: number;
}

export interface ScanBurstOptions {
  /** Length of one burst, s: the sample window's length, so a window chosen at a burst is described by it. @defaultValue 3 */
  readonly burstS?: number;
  /** Share of the title decoded, 0..1. @defaultValue 0.25 */
  readonly share?: number;
  /** Most bursts, whatever the title's length. @defaultValue 120 */
  readonly maxBursts?: number;
  /** Titles up to this long are scanned whole: the bursts would save little and see less. @defaultValue 20 */
  readonly wholeUpToS?: number;
}

/**
 * Where the analysis scan looks, as bursts from keyframes spread evenly over the timeline, or
 * `undefined` to scan the whole title (short titles, or no keyframe known but the first).
 *
 * Decoding the whole master to describe it cost as much as a fifth of the final encode on a
 * high-bitrate master (bench:ladder); a quarter of it, in bursts spread over the timeline,
 * describes its variety nearly as well, and bursts that start on keyframes decode nothing
 * they do not use: a seek elsewhere decodes from the keyframe before, up to a whole GOP (10 s
 * in x264's default) per burst. Pure; deterministic.
 */
export function planScanBursts(
  input: { durationS: number; keyframesS: readonly number[] },
  options: ScanBurstOptions = {},
): ScanBurst[] | undefined {
  const o = expectObject('options', options);
  const burstS = expectNumber('burstS', o.burstS ?? 3, { above: 0 });
  const share = expectNumber('share', o.share ?? 0.25, { above: 0, max: 1 });
  const maxBursts = expectNumber('maxBursts', o.maxBursts ?? 120, { min: 1 });
  const wholeUpToS = expectNumber('wholeUpToS', o.wholeUpToS ?? 20, { min: 0 });
  const durationS = expectNumber('durationS', input.durationS, { above: 0 });
  const keyframes = expectArray('keyframesS', input.keyframesS)
    .map((k, i) => expectNumber(`keyframesS[${i}]`, k))
    .filter((k) => k >= 0 && k < durationS - burstS / 2)
    .sort((a, b) => a - b);
  if (durationS <= wholeUpToS || burstS / durationS >= share || keyframes.length < 2) return undefined;
  const count = Math.min(Math.floor(maxBursts), Math.max(2, Math.round((durationS * share) / burstS)));
  const bursts: ScanBurst[] = [];
  let lastEnd = -Infinity;
  for (let i = 0; i < count; i++) {
    // The keyframe nearest where an even spread would start this burst, past the last burst.
    const target = ((i + 0.5) * durationS) / count - burstS / 2;
    let best: number | undefined;
    for (const k of keyframes) {
      if (k < lastEnd - 1e-9) continue;
      if (best === undefined || Math.abs(k - target) < Math.abs(best - target)) best = k;
      else if (k > target) break;
    }
    if (best === undefined) break;
    const endS = Math.min(durationS, best + burstS);
    bursts.push({ startS: best, durationS: endS - best });
    lastEnd = endS;
  }
  return bursts;
}
