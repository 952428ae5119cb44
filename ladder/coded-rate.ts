/**
 * How much harder to code the seconds a sample window stands for are than the window itself,
 * by the scan's own encode of the title at thumbnail size and one CRF (`CodedSecond`).
 *
 * At a fixed CRF x264 spends on each stretch what it takes to code, and the thumbnail encode
 * ranks stretches as the full-size one does. Over 2 s stretches of real clips, the title's
 * mean rate against the stretch's, by an encode at up to 540 lines (the truth) and by the
 * scan's (the estimate), error in ln: RMS 0.52 with no scaling, 0.16 with it, on the 23 corpus
 * clips of 4 s or more (292 stretches); 0.63 and 0.27 on 42 other Debian clips (653). A power
 * fitted on the corpus is 1.02, so the ratio is taken as it is. The worst stretch: the last 2 s
 * of a variable-rate Theora (mahjongg), 2.6.
 *
 * A window's rates times this ratio are the rates of what it stands for. Without it, a window
 * in a calm stretch predicted less than the title needs, and the VBV cap set from the prediction
 * starved the rest: cytadela's outro shipped its top rung at 40.9 dB against 45.0 predicted
 * (43.5 dB with the ratio). A title whose stretches differ by hundreds of times (berusky2's
 * intro: 12 to 4000 kbit/s a second at CRF 20) is still capped where it is busiest, whatever
 * the average: its peaks need far more than the cap, 1.5 times the average. Pure.
 */
import { expectNumber, expectObject } from './validate.ts';

/** Bits the scan's encode spent in one second of the title, and how much of the second its frames covered. */
export interface CodedSecond {
  readonly bits: number;
  readonly coveredS: number;
}

/** Checks an entry of `codedPerSecond` where it enters. */
export function expectCodedSecond(name: string, value: unknown): CodedSecond | null {
  if (value === null) return null;
  const e = expectObject(name, value);
  return { bits: expectNumber(`${name}.bits`, e.bits, { min: 0 }), coveredS: expectNumber(`${name}.coveredS`, e.coveredS, { min: 0 }) };
}

/** Bits per second over [startS, endS), each second counted for its overlap; undefined where nothing was coded. */
export function codedRate(coded: readonly (CodedSecond | null)[], startS: number, endS: number): number | undefined {
  let bits = 0;
  let covered = 0;
  for (let sec = Math.max(0, Math.floor(startS)); sec < endS && sec < coded.length; sec++) {
    const c = coded[sec];
    const overlap = Math.min(endS, sec + 1) - Math.max(startS, sec);
    if (c === null || c === undefined || overlap <= 0) continue;
    bits += c.bits * overlap;
    covered += c.coveredS * overlap;
  }
  return covered > 0 ? bits / covered : undefined;
}

/**
 * The rate of the whole `seconds` (indices into `coded`) over the rate of the window
 * [startS, startS + durationS); 1 when either is unknown or the window coded to nothing.
 */
export function windowRateScale(
  coded: readonly (CodedSecond | null)[],
  seconds: readonly number[],
  window: { readonly startS: number; readonly durationS: number },
): number {
  const own = codedRate(coded, window.startS, window.startS + window.durationS);
  let bits = 0;
  let covered = 0;
  for (const sec of seconds) {
    const c = coded[sec];
    if (c === null || c === undefined) continue;
    bits += c.bits;
    covered += c.coveredS;
  }
  if (own === undefined || !(own > 0) || !(covered > 0)) return 1;
  return bits / covered / own;
}
