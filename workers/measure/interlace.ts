/**
 * Whether a master is progressive, interlaced or telecined, from `idet`'s counts over a
 * stretch of it. Pure, so each decision is unit-tested on captured output; the probe job
 * runs ffmpeg. Flags are not trusted alone: a progressive picture coded as interlaced MPEG-2
 * (common in broadcast) says `tt` in ffprobe's `field_order` and needs no deinterlacing.
 */
import type { Deinterlace, FieldParity } from '../../ffmpeg/deinterlace.ts';
import { parseMseY } from './parse.ts';

/** `idet`'s running counts at the last frame it saw (multi-frame detection, and repeated fields). */
export interface IdetCounts {
  /**
   * Frames `idet` decided on their own (single-frame TFF, BFF or progressive). Its multiple-frame
   * counts carry the last decision over every frame it cannot decide: kutty's 10 fps stepper
   * gauge, a progressive screen animation, read one BFF frame early on and counted BFF on 191
   * of 192 frames, with 4 frames decided alone.
   */
  readonly decidedAlone: number;
  readonly tff: number;
  readonly bff: number;
  readonly progressive: number;
  readonly undetermined: number;
  readonly repeatedTop: number;
  readonly repeatedBottom: number;
}

/** Reads the last frame's `lavfi.idet.single.*`, `multiple.*` and `repeated.*` values of `metadata=mode=print` output; undefined when there is none. */
export function parseIdetMetadata(text: string): IdetCounts | undefined {
  const last = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^lavfi\.idet\.((?:single|multiple)\.(?:tff|bff|progressive|undetermined)|repeated\.(?:top|bottom))=([\d.]+)\s*$/.exec(line);
    if (m !== null) last.set(m[1] ?? '', Number(m[2]));
  }
  if (!last.has('multiple.tff')) return undefined;
  const n = (k: string): number => last.get(k) ?? 0;
  return {
    decidedAlone: n('single.tff') + n('single.bff') + n('single.progressive'),
    tff: n('multiple.tff'),
    bff: n('multiple.bff'),
    progressive: n('multiple.progressive'),
    undetermined: n('multiple.undetermined'),
    repeatedTop: n('repeated.top'),
    repeatedBottom: n('repeated.bottom'),
  };
}

export interface InterlaceOptions {
  /**
   * Fewer frames decided than this, by the multiple-frame counts or by `idet` alone, and the
   * stretch says nothing (a still, a black leader, a decision carried over frames it could not
   * decide). @defaultValue 20
   */
  readonly minDecidedFrames?: number;
  /** Share of decided frames one field order must reach to call the video interlaced. @defaultValue 0.6 */
  readonly minInterlacedShare?: number;
  /** Share of frames with a repeated field that marks 3:2 pulldown (it repeats 2 fields in 5 frames: 40%). @defaultValue 0.1 */
  readonly minRepeatedShare?: number;
}

/** Mean squared luma differences over the stretch `idet` read, pooled over its frames. */
export interface FieldDifferences {
  /** Between each frame's top and bottom fields: lines one apart. */
  readonly betweenFields: number;
  /** Between the top field and itself one line down: lines two apart. */
  readonly withinField: number;
}

/**
 * Lines one apart differ less than lines two apart on a picture sampled at its height, but
 * not 16 times less: where the picture has a slope the difference grows with the distance
 * (a quarter of the squared difference at half the distance), and only where it is smooth to
 * second order as its square (a sixteenth). Fields that differ less than that are one line
 * drawn twice: a low-resolution picture (a DOS game's 320x200 in 640x400) scaled up. They cannot
 * comb, yet `idet` can call them interlaced (cytadela's outro: BFF 250 of 250), and
 * deinterlacing would double the frames and soften what it needs not touch. It cannot leave
 * combing behind: fields this alike, woven, show none, whatever made them so. Ratio of the two
 * at ffmpeg 5.1, 250 frames: 16 real masters 0.22-0.56 (the smooth 3D render intro-3d 0.23);
 * 20 interlaced masters woven top or bottom first from 10 real clips, vertical pans and
 * scrolls included, 0.27-1.79; cytadela's two line-doubled cutscenes 0.0002 and 0.003. A flat
 * stretch (no difference within fields) says nothing.
 */
export function linesDrawnTwice(d: FieldDifferences): boolean {
  return d.withinField > 0 && d.betweenFields < d.withinField / 16;
}

/** The pooled mean of per-frame `mse_y` figures of a `psnr` stats file; undefined when it lists no frame. */
export function meanMse(psnrStats: string): number | undefined {
  const mse = parseMseY(psnrStats);
  return mse.length === 0 ? undefined : mse.reduce((s, v) => s + v, 0) / mse.length;
}

/**
 * The deinterlacing a master needs, or undefined for progressive. Progressive pictures coded
 * interlaced split between TFF, BFF and progressive (a generated PAL master: 34/34/33), so one
 * field order must dominate; telecined film shows a field repeated in 2 frames of 5. Fields
 * that are one picture (`linesDrawnTwice`) need nothing, whatever `idet` says. The call is
 * `idet`'s multiple-frame one, which needs a field order on a few frames running to change its
 * mind (a 720p20 camera clip: single-frame TFF on 28 of 43 decided frames, multiple-frame
 * progressive 75 to TFF 37), but it must rest on frames decided alone (`decidedAlone`): the
 * multiple counts carry a decision over frames with no evidence. Interlaced masters with motion
 * give plenty (woven real clips, 250 frames: 44-146; telecined: 146-250).
 */
export function chooseDeinterlace(
  c: IdetCounts | undefined,
  fields?: FieldDifferences,
  options: InterlaceOptions = {},
): Deinterlace | undefined {
  const { minDecidedFrames = 20, minInterlacedShare = 0.6, minRepeatedShare = 0.1 } = options;
  if (c === undefined) return undefined;
  if (fields !== undefined && linesDrawnTwice(fields)) return undefined;
  const decided = c.tff + c.bff + c.progressive;
  if (decided < minDecidedFrames || c.decidedAlone < minDecidedFrames) return undefined;
  const parity: FieldParity = c.tff >= c.bff ? 'tff' : 'bff';
  if (Math.max(c.tff, c.bff) / decided < minInterlacedShare) return undefined;
  const frames = decided + c.undetermined;
  const telecined = (c.repeatedTop + c.repeatedBottom) / frames >= minRepeatedShare;
  return { filter: 'bwdif', mode: telecined ? 'send_frame' : 'send_field', parity };
}

/**
 * Where `idet` starts reading, s of title time: a title over 20 s from a quarter in, past
 * leaders and slates; a shorter one from its start. The stretch begins on a keyframe (the
 * first in the second quarter, else the last before it): a seek between keyframes decodes
 * from the one before, up to a whole GOP `idet` never sees (x264's default is 250 frames,
 * which doubled the probe's longest read on a 720p master: bench:pipeline). Pure.
 */
export function interlaceReadStartS(durationS: number, keyframesS: readonly number[]): number {
  if (durationS <= 20) return 0;
  const quarter = durationS / 4;
  let before: number | undefined;
  let after: number | undefined;
  for (const k of keyframesS) {
    if (k <= quarter && (before === undefined || k > before)) before = k;
    if (k >= quarter && k < durationS / 2 && (after === undefined || k < after)) after = k;
  }
  return after ?? before ?? quarter;
}
