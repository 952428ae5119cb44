/**
 * Black bars baked into a master (letterbox, pillarbox, both), found from `cropdetect`'s
 * measurements of its keyframes. Pure, so every decision is unit-tested on captured text;
 * the probe job runs ffmpeg and records the result as `VideoInfo.activeArea`.
 */
import type { ActiveArea } from '../../ffmpeg/probe.ts';
import { FRAME_LINE } from './parse.ts';

/**
 * One keyframe as `cropdetect` saw it: the first and last row and column whose mean luma is
 * above the black limit, in coded pixels, inclusive. An entirely black frame reports
 * `x1 > x2` and `y1 > y2` (the filter's initial, empty box).
 */
export interface CropMeasurement {
  readonly timeS: number;
  readonly x1: number;
  readonly x2: number;
  readonly y1: number;
  readonly y2: number;
}

export interface ActiveAreaOptions {
  /**
   * Share of the frame's height (or width) the bars on that axis must cover together before
   * that axis is cropped. A 1.85:1 film in a 16:9 frame has 3.9% of bars; edge noise (a few
   * dark lines from a capture, a half-black first row) and analogue blanking (704 of 720
   * columns, 2.2%) stay under 3%, so a master without real bars is never cropped.
   * @defaultValue 0.03
   */
  readonly minBarShare?: number;
  /**
   * An axis whose picture would be narrower than this share of the frame is not cropped:
   * that is dark content (a credit roll on black, a night scene throughout) rather than
   * bars. 2.76:1 inside 4:3 keeps 48% of the height.
   * @defaultValue 0.4
   */
  readonly minPictureShare?: number;
}

const DEFAULTS: Required<ActiveAreaOptions> = { minBarShare: 0.03, minPictureShare: 0.4 };

/**
 * Mean luma of a row or column, as a share of full scale, at or under which `cropdetect`
 * counts it as black: 24 of 255 in 8 bits (ffmpeg's default), above limited-range black (16)
 * with room for noise and compression. A share, so 10-bit masters get the same limit.
 */
export const BLACK_LIMIT = 24 / 255;

/**
 * Reads `metadata=mode=print` output of `cropdetect`: a `frame:N pts:P pts_time:T` line, then
 * `lavfi.cropdetect.*=value` lines for that frame. Frames missing any of x1, x2, y1, y2 are
 * left out.
 */
export function parseCropdetectMetadata(text: string): CropMeasurement[] {
  const out: CropMeasurement[] = [];
  let current: { timeS: number; box: Partial<Record<'x1' | 'x2' | 'y1' | 'y2', number>> } | undefined;
  const flush = (): void => {
    const b = current?.box;
    if (current === undefined || b?.x1 === undefined || b.x2 === undefined || b.y1 === undefined || b.y2 === undefined) return;
    out.push({ timeS: current.timeS, x1: b.x1, x2: b.x2, y1: b.y1, y2: b.y2 });
  };
  for (const line of text.split('\n')) {
    const head = FRAME_LINE.exec(line);
    if (head !== null) {
      flush();
      current = { timeS: Number(head[1]), box: {} };
      continue;
    }
    const kv = /^lavfi\.cropdetect\.(x1|x2|y1|y2)=(-?\d+)\s*$/.exec(line);
    if (kv === null || current === undefined) continue;
    current.box[kv[1] as 'x1' | 'x2' | 'y1' | 'y2'] = Number(kv[2]);
  }
  flush();
  return out;
}

/** The smallest box holding the picture of every keyframe that has any; entirely black keyframes (fades, cuts to black) say nothing about bars. */
export function pictureBounds(measurements: readonly CropMeasurement[]): Omit<CropMeasurement, 'timeS'> | undefined {
  const pictured = measurements.filter((m) => m.x1 <= m.x2 && m.y1 <= m.y2);
  if (pictured.length === 0) return undefined;
  return {
    x1: Math.min(...pictured.map((m) => m.x1)),
    x2: Math.max(...pictured.map((m) => m.x2)),
    y1: Math.min(...pictured.map((m) => m.y1)),
    y2: Math.max(...pictured.map((m) => m.y2)),
  };
}

/**
 * Where to crop one axis of `size` pixels whose picture spans `first`..`last` (inclusive):
 * the start rounds up and the length down to even numbers, so the crop loses at most one
 * line of picture at an edge rather than keeping a line of black that every rung would
 * encode as a sharp edge. The whole axis when the bars are too thin to be bars.
 */
function cropAxis(first: number, last: number, size: number, o: Required<ActiveAreaOptions>): { start: number; length: number } {
  const lo = Math.max(0, first);
  const hi = Math.min(size - 1, last);
  const start = Math.ceil(lo / 2) * 2;
  const length = Math.floor((hi + 1 - start) / 2) * 2;
  const bars = (size - length) / size;
  if (bars < o.minBarShare || length < o.minPictureShare * size) return { start: 0, length: size };
  return { start, length };
}

function validated(options: ActiveAreaOptions): Required<ActiveAreaOptions> {
  const o = { ...DEFAULTS, ...options };
  for (const key of ['minBarShare', 'minPictureShare'] as const) {
    const v = o[key];
    if (!(Number.isFinite(v) && v >= 0 && v < 1)) throw new RangeError(`Expected \`${key}\` to be a number in [0, 1), got ${String(v)}`);
  }
  return o;
}

/**
 * The active picture of a master of coded size `frame`, from its keyframes' measurements:
 * the box containing the picture of every keyframe (so a bright full-frame logo, or burnt-in
 * subtitles in the lower bar, widen it rather than being cut), cropped per axis only where
 * the bars are thick enough (see {@link ActiveAreaOptions}). `undefined` when nothing is to
 * be cropped, including when no keyframe had any picture.
 */
export function chooseActiveArea(
  frame: { readonly width: number; readonly height: number },
  measurements: readonly CropMeasurement[],
  options: ActiveAreaOptions = {},
): ActiveArea | undefined {
  const o = validated(options);
  const b = pictureBounds(measurements);
  if (b === undefined) return undefined;
  const x = cropAxis(b.x1, b.x2, frame.width, o);
  const y = cropAxis(b.y1, b.y2, frame.height, o);
  if (x.length === frame.width && y.length === frame.height) return undefined;
  // An axis left whole keeps an odd coded size odd; the area's sizes are even throughout.
  return { x: x.start, y: y.start, width: x.length - (x.length % 2), height: y.length - (y.length % 2) };
}
