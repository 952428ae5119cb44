/**
 * Loudness in two passes: what `ebur128` measured on the first, how the second normalises
 * (`planNormalisation`), and what `loudnorm` printed when it had to do it. Pure, so ffmpeg's
 * outputs and the decision are unit-tested.
 */
import type { LoudnessMeasurement, LoudnessTarget, Normalisation } from '../../ffmpeg/audio-args.ts';

/** EBU R128 figures of one rendition: the source's, and after normalisation. */
export interface LoudnessFigures {
  readonly input: LoudnessMeasurement;
  readonly outputLufs: number;
  readonly outputTruePeakDbtp: number;
  /** `linear`: one gain over the whole track; `dynamic`: loudnorm had to limit and compress to meet the target. */
  readonly normalization: 'linear' | 'dynamic';
}

export class LoudnessParseError extends Error {
  override readonly name = 'LoudnessParseError';
  readonly code = 'VF_LOUDNESS_UNREADABLE';
}

/** A figure of ffmpeg's text: `-inf` (digital silence) reads as -Infinity. */
function figureOf(raw: string | undefined, what: string): number {
  if (raw === undefined) throw new LoudnessParseError(`the loudness measurement has no ${what}`);
  const t = raw.trim();
  const n = t === '-inf' ? Number.NEGATIVE_INFINITY : t === 'inf' ? Number.POSITIVE_INFINITY : Number(t);
  if (Number.isNaN(n)) throw new LoudnessParseError(`the loudness measurement's ${what} is not a number: ${raw}`);
  return n;
}

/** The summary `ebur128` prints as it closes: integrated loudness and its gate, range, true peak. */
export function parseEbur128(stderr: string): LoudnessMeasurement {
  const at = stderr.lastIndexOf('Summary:');
  if (at < 0) throw new LoudnessParseError('ebur128 printed no summary');
  const summary = stderr.slice(at);
  const integrated = /Integrated loudness:\s+I:\s+(\S+) LUFS\s+Threshold:\s+(\S+) LUFS/.exec(summary);
  const range = /LRA:\s+(\S+) LU\b/.exec(summary);
  const peak = /True peak:\s+Peak:\s+(\S+) dBFS/.exec(summary);
  return {
    integratedLufs: figureOf(integrated?.[1], 'integrated loudness'),
    thresholdLufs: figureOf(integrated?.[2], 'integrated threshold'),
    lraLu: figureOf(range?.[1], 'loudness range'),
    truePeakDbtp: figureOf(peak?.[1], 'true peak'),
  };
}

/** The output figures `loudnorm` prints (`print_format=json`) when it closes. */
export function parseLoudnorm(stderr: string): { outputLufs: number; outputTruePeakDbtp: number; normalization: 'linear' | 'dynamic' } {
  const end = stderr.lastIndexOf('}');
  const start = end < 0 ? -1 : stderr.lastIndexOf('{', end);
  if (start < 0) throw new LoudnessParseError('loudnorm printed no measurement');
  let b: Record<string, string>;
  try {
    b = JSON.parse(stderr.slice(start, end + 1)) as Record<string, string>;
  } catch {
    throw new LoudnessParseError(`loudnorm's measurement is not JSON: ${stderr.slice(start, end + 1).slice(0, 200)}`);
  }
  return {
    outputLufs: figureOf(b.output_i, 'output_i'),
    outputTruePeakDbtp: figureOf(b.output_tp, 'output_tp'),
    normalization: b.normalization_type === 'linear' ? 'linear' : 'dynamic',
  };
}

/**
 * How to reach the target: `loudnorm`'s own rule for its linear mode (one gain, target minus
 * measured, when the true peak stays at or under the limit after it), applied as that gain;
 * else its dynamic mode. Digital silence, or a stream too short for the gate (-70 LUFS is
 * R128's absolute gate), is left as it is.
 */
export function planNormalisation(m: LoudnessMeasurement, target: LoudnessTarget): Normalisation {
  if (!(Number.isFinite(m.integratedLufs) && m.integratedLufs > -70)) return { kind: 'none' };
  const gainDb = target.integratedLufs - m.integratedLufs;
  if (!Number.isFinite(m.truePeakDbtp) || m.truePeakDbtp + gainDb <= target.truePeakDbtp) return { kind: 'gain', gainDb };
  return { kind: 'loudnorm', measured: m };
}

/** The figures of a rendition normalised by a gain: loudness and peak move by exactly that gain. */
export function afterGain(m: LoudnessMeasurement, gainDb: number): LoudnessFigures {
  return { input: m, outputLufs: m.integratedLufs + gainDb, outputTruePeakDbtp: m.truePeakDbtp + gainDb, normalization: 'linear' };
}
