import { LadderArgumentError } from './errors.ts';
import type { FrameSize, RdPoint } from './types.ts';

/**
 * Validation helpers shared by the ladder modules. Each throws a {@link LadderArgumentError}
 * naming the field and the value received, so a bad option reads like p-queue's
 * "Expected `interval` to be a finite number >= 0, got …".
 */

export interface NumberBounds {
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  readonly integer?: boolean;
}

export function expectNumber(field: string, value: unknown, bounds: NumberBounds = {}): number {
  const { min, above, max, integer = false } = bounds;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (min === undefined || value >= min) &&
    (above === undefined || value > above) &&
    (max === undefined || value <= max);
  if (!ok) {
    const parts = [integer ? 'an integer' : 'a finite number'];
    if (min !== undefined) parts.push(`>= ${min}`);
    if (above !== undefined) parts.push(`> ${above}`);
    if (max !== undefined) parts.push(`<= ${max}`);
    throw new LadderArgumentError(field, parts.join(' '), value);
  }
  return value;
}

export function expectArray(field: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value)) throw new LadderArgumentError(field, 'an array', value);
  return value;
}

export function expectObject(field: string, value: unknown): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new LadderArgumentError(field, 'an object', value);
  }
  return value as Readonly<Record<string, unknown>>;
}

export function expectFrameSize(field: string, value: unknown): FrameSize {
  const o = expectObject(field, value);
  return {
    width: expectNumber(`${field}.width`, o.width, { above: 0 }),
    height: expectNumber(`${field}.height`, o.height, { above: 0 }),
  };
}

/**
 * ffmpeg's psnr filter reports `inf` when every sampled frame is bit-identical to the source
 * (a still image at a low CRF). That is a real measurement, not a parse failure, so it is
 * kept as a large finite value that still sorts above every lossy encode.
 */
export const LOSSLESS_PSNR_DB = 100;

/**
 * Checks every point before any maths runs, so a NaN from a failed ffmpeg parse is reported
 * with its index instead of silently bending the hull. Returns the same array, so callers
 * keep any extra fields they attached to their points.
 */
export function expectRdPoints<P extends RdPoint>(field: string, value: readonly P[]): readonly P[] {
  expectArray(field, value).forEach((item, i) => {
    const at = `${field}[${i}]`;
    const o = expectObject(at, item);
    expectNumber(`${at}.width`, o.width, { above: 0 });
    expectNumber(`${at}.height`, o.height, { above: 0 });
    expectNumber(`${at}.crf`, o.crf);
    expectNumber(`${at}.bitrateKbps`, o.bitrateKbps, { above: 0 });
    if (o.psnrY !== Number.POSITIVE_INFINITY) expectNumber(`${at}.psnrY`, o.psnrY);
    expectNumber(`${at}.ssim`, o.ssim, { min: 0, max: 1 });
  });
  return value;
}

/** PSNR-Y with ffmpeg's `inf` replaced by {@link LOSSLESS_PSNR_DB}. */
export function psnrDb(point: RdPoint): number {
  return Math.min(point.psnrY, LOSSLESS_PSNR_DB);
}
