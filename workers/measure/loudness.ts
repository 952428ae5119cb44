/**
 * Reads what ffmpeg's `loudnorm` printed (`print_format=json`): the first pass's measurement
 * of the input, the second pass's of what it wrote. Pure, so odd outputs are unit-tested.
 */
import type { LoudnessMeasurement } from '../../ffmpeg/audio-args.ts';

/** EBU R128 figures of one rendition: the source's, and after normalisation. */
export interface LoudnessFigures {
  readonly input: LoudnessMeasurement;
  readonly outputLufs: number;
  readonly outputTruePeakDbtp: number;
  /** `linear`: one gain over the whole track; `dynamic`: loudnorm had to compress to meet the target. */
  readonly normalization: 'linear' | 'dynamic';
}

export class LoudnessParseError extends Error {
  override readonly name = 'LoudnessParseError';
  readonly code = 'VF_LOUDNESS_UNREADABLE';
}

/** The last `{...}` block of a stderr, as loudnorm prints it when the filter closes. */
function lastJsonBlock(stderr: string): Record<string, string> {
  const end = stderr.lastIndexOf('}');
  const start = end < 0 ? -1 : stderr.lastIndexOf('{', end);
  if (start < 0) throw new LoudnessParseError('loudnorm printed no measurement');
  try {
    return JSON.parse(stderr.slice(start, end + 1)) as Record<string, string>;
  } catch {
    throw new LoudnessParseError(`loudnorm's measurement is not JSON: ${stderr.slice(start, end + 1).slice(0, 200)}`);
  }
}

/** `-inf` (digital silence) reads as -Infinity: a silent stream has no loudness to normalise. */
function figure(block: Record<string, string>, key: string): number {
  const raw = block[key];
  if (raw === undefined) throw new LoudnessParseError(`loudnorm's measurement has no ${key}`);
  const n = raw.trim() === '-inf' ? Number.NEGATIVE_INFINITY : raw.trim() === 'inf' ? Number.POSITIVE_INFINITY : Number(raw);
  if (Number.isNaN(n)) throw new LoudnessParseError(`loudnorm's ${key} is not a number: ${raw}`);
  return n;
}

export function parseLoudnorm(stderr: string): LoudnessFigures {
  const b = lastJsonBlock(stderr);
  return {
    input: {
      integratedLufs: figure(b, 'input_i'),
      truePeakDbtp: figure(b, 'input_tp'),
      lraLu: figure(b, 'input_lra'),
      thresholdLufs: figure(b, 'input_thresh'),
      offsetLu: figure(b, 'target_offset'),
    },
    outputLufs: figure(b, 'output_i'),
    outputTruePeakDbtp: figure(b, 'output_tp'),
    normalization: b.normalization_type === 'linear' ? 'linear' : 'dynamic',
  };
}

/** Whether a measurement can drive the second pass (silence, or a stream too short to gate, cannot). */
export function isMeasurable(m: LoudnessMeasurement): boolean {
  return [m.integratedLufs, m.truePeakDbtp, m.lraLu, m.thresholdLufs, m.offsetLu].every(Number.isFinite) && m.integratedLufs > -70;
}
