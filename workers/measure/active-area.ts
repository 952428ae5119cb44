/**
 * Black bars baked into a master (letterbox, pillarbox, both), found from `cropdetect`'s
 * measurements of its keyframes. Pure, so every decision is unit-tested on captured text;
 * the probe job runs ffmpeg and records the result as `VideoInfo.activeArea`.
 *
 * Bars and dark content differ in two ways, and the decision uses both. A bar's line has no
 * pixel above black, where a line through sparse content (a planet on black, a caption) has a
 * few: lines are tested pixel by pixel (`buildCropDetectArgs`), not by their mean, which put
 * Debian's retroMars2018.avi (planets and labels on black, 1024x768) in a 506x712 box and cut
 * its labels and planets off. And a bar's edge is the same line in most frames, where sparse
 * content stops wherever it happens to be: an axis is cropped only where most keyframes'
 * picture reaches both of its edges. That second test cannot tell bars from content that
 * does not move: Debian's xine-ui_logo.mpg (a chrome logo mid-frame, a URL under it, on
 * black, 600x450) has the same edges in every keyframe and was cut to 552x260. What does
 * tell them apart is the line next to a bar: the picture's own first line, most of it
 * picture (`FILLED_LINE_SHARE`), where the edge of content on black is the tips of letters.
 */
import type { ActiveArea } from '../../ffmpeg/probe.ts';
import { FRAME_LINE } from './parse.ts';

/**
 * One keyframe as `cropdetect` saw it: the first and last row and column holding picture
 * (`LINE_PICTURE_SHARE`), in coded pixels, inclusive. An entirely black frame reports
 * `x1 > x2` and `y1 > y2` (the filter's initial, empty box).
 */
export interface CropMeasurement extends LineBounds {
  readonly timeS: number;
  /**
   * The same keyframe's first and last row and column more than {@link FILLED_LINE_SHARE} of
   * whose pixels hold picture (empty as above when none is). Absent when not measured: the
   * keyframe is then judged by its picture's edges alone.
   */
  readonly filled?: LineBounds;
}

/** First and last row and column, inclusive, in coded pixels. */
export interface LineBounds {
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
  /**
   * How far from a bar's edge, as a share of the axis, a keyframe's picture edge may lie and
   * still reach it: a bar's edge is one line in every frame, give or take the ringing of the
   * compression around it. At least 2 pixels.
   * @defaultValue 0.01
   */
  readonly edgeToleranceShare?: number;
}

const DEFAULTS: Required<ActiveAreaOptions> = { minBarShare: 0.03, minPictureShare: 0.4, edgeToleranceShare: 0.01 };

/**
 * Luma of a pixel, as a share of full scale, at or under which it is black: 24 of 255 in 8
 * bits (ffmpeg's `cropdetect` default), above limited-range black (16) with room for noise
 * and compression. A share, so 10-bit masters get the same limit.
 */
export const BLACK_LIMIT = 24 / 255;

/**
 * A row or column holds picture when more than this share of its pixels are above
 * `BLACK_LIMIT`: one in 255, so a few noisy pixels in an analogue capture's bars leave it a
 * bar, while a caption's strokes or a small planet make it picture.
 */
export const LINE_PICTURE_SHARE = 1 / 255;

/**
 * A bar's edge is where the picture starts: the line next to it is the picture's own, and a
 * picture fills its frame, so more than this share of that line's pixels hold picture in most
 * keyframes. Measured (pixels above {@link BLACK_LIMIT} in the line next to each edge, median
 * over keyframes): Big Buck Bunny letterboxed 2.39:1 in 16:9 100%, city pillarboxed 4:3 99%;
 * the bottom of xine's logo card (a line of URL text) 26%, its sides 2% and 11%, the planets
 * of retroMars2018.avi 1-2%. A line across pillar bars counts them as black, so a windowboxed
 * picture narrower than half the frame keeps its letterbox: bars left in are bits spent on
 * black, where content cut off is lost.
 */
export const FILLED_LINE_SHARE = 0.5;

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

/**
 * Each keyframe's picture edges with its filled lines (`filled`, the same keyframes measured
 * again at {@link FILLED_LINE_SHARE}), paired in order. Undefined when the two do not list the
 * same keyframes: a read cut short, to be judged as unmeasured.
 */
export function withFilledLines(edges: readonly CropMeasurement[], filled: readonly CropMeasurement[]): CropMeasurement[] | undefined {
  if (edges.length !== filled.length || edges.some((m, i) => m.timeS !== filled[i]?.timeS)) return undefined;
  return edges.map((m, i) => {
    const f = filled[i] as CropMeasurement;
    return { ...m, filled: { x1: f.x1, x2: f.x2, y1: f.y1, y2: f.y2 } };
  });
}

/** Whether a keyframe has any picture (an entirely black one has an empty box). */
const hasPicture = (m: CropMeasurement): boolean => m.x1 <= m.x2 && m.y1 <= m.y2;

/** The smallest box holding the picture of every keyframe that has any; entirely black keyframes (fades, cuts to black) say nothing about bars. */
export function pictureBounds(measurements: readonly CropMeasurement[]): LineBounds | undefined {
  const pictured = measurements.filter(hasPicture);
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
 * encode as a sharp edge. The whole axis when its edges are no bar's (`edgesAreBars`) or the
 * bars are too thin to be bars.
 */
function cropAxis(
  first: number,
  last: number,
  size: number,
  edgesAreBars: boolean,
  o: Required<ActiveAreaOptions>,
): { start: number; length: number } {
  if (!edgesAreBars) return { start: 0, length: size };
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
  for (const key of ['minBarShare', 'minPictureShare', 'edgeToleranceShare'] as const) {
    const v = o[key];
    if (!(Number.isFinite(v) && v >= 0 && v < 1)) throw new RangeError(`Expected \`${key}\` to be a number in [0, 1), got ${String(v)}`);
  }
  return o;
}

/**
 * Whether an axis' picture edges `first`..`last` (the box over every keyframe) are a bar's:
 * each is reached, within the tolerance, by more than half of the keyframes that have any
 * picture. A side whose picture touches the frame's border counts alike, so a bar on one side
 * only is still cropped when the other side is reached. Where a side has a bar, a keyframe
 * reaches it only when its filled line is there too (`FILLED_LINE_SHARE`).
 */
function edgesAreBars(
  pictured: readonly CropMeasurement[],
  axis: 'x' | 'y',
  first: number,
  last: number,
  size: number,
  o: Required<ActiveAreaOptions>,
): boolean {
  const tolerance = Math.max(2, o.edgeToleranceShare * size);
  const near = (v: number, at: number): boolean => Math.abs(v - at) <= tolerance;
  const lo = (b: LineBounds): number => (axis === 'x' ? b.x1 : b.y1);
  const hi = (b: LineBounds): number => (axis === 'x' ? b.x2 : b.y2);
  const filledAt = (m: CropMeasurement, edge: (b: LineBounds) => number, at: number): boolean =>
    m.filled === undefined || (lo(m.filled) <= hi(m.filled) && near(edge(m.filled), at));
  const reaching = (edge: (b: LineBounds) => number, at: number, barred: boolean): number =>
    pictured.filter((m) => near(edge(m), at) && (!barred || filledAt(m, edge, at))).length;
  return 2 * reaching(lo, first, first > 0) > pictured.length && 2 * reaching(hi, last, last < size - 1) > pictured.length;
}

/**
 * The active picture of a master of coded size `frame`, from its keyframes' measurements:
 * the box containing the picture of every keyframe (so a bright full-frame logo widens it
 * rather than being cut), cropped per axis only where the bars are thick enough (see
 * {@link ActiveAreaOptions}) and where most keyframes reach both edges (subtitles burnt into a
 * bar in a few keyframes leave that axis whole, and so does content scattered on black).
 * `undefined` when nothing is to be cropped, including when no keyframe had any picture.
 */
export function chooseActiveArea(
  frame: { readonly width: number; readonly height: number },
  measurements: readonly CropMeasurement[],
  options: ActiveAreaOptions = {},
): ActiveArea | undefined {
  const o = validated(options);
  const b = pictureBounds(measurements);
  if (b === undefined) return undefined;
  const pictured = measurements.filter(hasPicture);
  const x = cropAxis(b.x1, b.x2, frame.width, edgesAreBars(pictured, 'x', b.x1, b.x2, frame.width, o), o);
  const y = cropAxis(b.y1, b.y2, frame.height, edgesAreBars(pictured, 'y', b.y1, b.y2, frame.height, o), o);
  if (x.length === frame.width && y.length === frame.height) return undefined;
  // An axis left whole keeps an odd coded size odd; the area's sizes are even throughout.
  return { x: x.start, y: y.start, width: x.length - (x.length % 2), height: y.length - (y.length % 2) };
}
