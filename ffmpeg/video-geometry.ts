/**
 * The video's geometry as every ffmpeg run of vodforge sees it. ffprobe describes the coded
 * picture, but the ffmpeg CLI turns decoded frames upright before any filter (autorotation,
 * on by default: `transpose` for a 90° display matrix, `hflip,vflip` for 180°), so a phone's
 * 1920x1080 portrait clip reaches the crop, scale, quality and artwork filters as 1080x1920.
 * Sizes were taken from ffprobe's coded size while the frames were upright: a landscape ladder
 * was scaled from portrait frames, and every rung came out 234x234-like nonsense. Here the
 * probe's sizes are turned the way the frames are, so ladder, crop, samples, measurement and
 * artwork all speak of the frames the filters get. Pure: unit-tested on ffprobe's fields.
 */
import type { Rational } from './probe.ts';

/** Clockwise quarter turns, in degrees, that display a coded picture upright. */
export type Rotation = 0 | 90 | 180 | 270;

/** The parts of an ffprobe stream the geometry is read from. */
export interface RawGeometry {
  readonly side_data_list?: readonly { readonly side_data_type?: string; readonly rotation?: number }[];
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The display rotation of a video stream, from its display matrix (ffprobe's `rotation`, in
 * degrees counter-clockwise as `av_display_rotation_get` gives it) or, for files written
 * before display matrices, its `rotate` tag (clockwise). Rounded to a quarter turn: ffmpeg's
 * autorotation applies no other angle.
 */
export function displayRotation(stream: RawGeometry): Rotation {
  const matrix = stream.side_data_list?.find((d) => d.side_data_type === 'Display Matrix' && typeof d.rotation === 'number');
  const tag = Object.entries(stream.tags ?? {}).find(([k]) => k.toLowerCase() === 'rotate')?.[1];
  const clockwise = matrix?.rotation !== undefined ? -matrix.rotation : tag === undefined ? 0 : Number(tag);
  if (!Number.isFinite(clockwise)) return 0;
  const quarter = (((Math.round(clockwise / 90) % 4) + 4) % 4) * 90;
  return quarter as Rotation;
}

/** Whether a rotation swaps width and height. */
export const turnsSideways = (r: Rotation): boolean => r === 90 || r === 270;

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);

export interface UprightSize {
  /** Size of the frames ffmpeg's filters get, in pixels: the coded size, turned upright. */
  readonly width: number;
  readonly height: number;
  /** That size with square pixels: the width scaled by the sample aspect ratio (as turned), even. */
  readonly displayWidth: number;
  readonly displayHeight: number;
}

/**
 * The upright frame size and its square-pixel display size. A quarter turn swaps the sides and
 * inverts the sample aspect ratio (ffmpeg's `transpose` does the same), so an anamorphic
 * portrait picture keeps its shape: 1440x1080 at 4:3 pixels turned 90° is 1080x1440 at 3:4,
 * displayed 810x1440 (9:16).
 */
export function uprightSize(coded: { readonly width: number; readonly height: number }, sar: Rational, rotation: Rotation): UprightSize {
  const sideways = turnsSideways(rotation);
  const width = sideways ? coded.height : coded.width;
  const height = sideways ? coded.width : coded.height;
  const s = sideways ? { num: sar.den, den: sar.num } : sar;
  return { width, height, displayWidth: s.num === s.den ? width : even((width * s.num) / s.den), displayHeight: height };
}
