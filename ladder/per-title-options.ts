import { LadderArgumentError } from './errors.ts';
import type { FrameSize } from './types.ts';
import { expectFrameSize, expectNumber, expectObject } from './validate.ts';

/** Constraints on a per-title ladder. Every field is optional; defaults are documented. */
export interface PerTitleOptions {
  /**
   * Lowest bitrate any rung may have, in kbit/s. Points cheaper than this are not candidates,
   * unless every point is (a still): the ladder is then chosen from them, with a
   * `BITRATE_FLOOR_RELAXED` note.
   * @defaultValue 145 (the bottom of Apple's HLS authoring ladder)
   */
  readonly minBitrateKbps?: number;
  /**
   * Highest bitrate any rung may have, in kbit/s.
   * @defaultValue 7800 (the top of Apple's HLS authoring ladder)
   */
  readonly maxBitrateKbps?: number;
  /**
   * Most rungs the ladder may have (an integer >= 1).
   * @defaultValue 8
   */
  readonly maxRungs?: number;
  /**
   * Smallest bitrate ratio between neighbouring rungs: closer rungs cost an encode and
   * storage but barely change what a player can switch to.
   * @defaultValue 1.5
   */
  readonly minStepRatio?: number;
  /**
   * Largest bitrate ratio between neighbouring rungs the selection aims for. It is exceeded
   * only when the hull has no point in the gap or `maxRungs` is too small, and the ladder
   * then carries a `MAX_STEP_EXCEEDED` note.
   * @defaultValue 2
   */
  readonly maxStepRatio?: number;
  /**
   * PSNR-Y in dB above which more bits are not worth spending: the cheapest hull point at or
   * above it becomes the top candidate and everything dearer is dropped.
   * @defaultValue 45
   */
  readonly qualityCeilingDb?: number;
  /**
   * PSNR-Y in dB the bottom rung must reach: the bottom rung is the cheapest point at or
   * above it. When no allowed point reaches it (grain, noise), the floor is dropped: the
   * bottom rung is the cheapest point, and the ladder carries a `QUALITY_FLOOR_RELAXED` note.
   * @defaultValue 30
   */
  readonly qualityFloorDb?: number;
  /**
   * How far under the upper convex hull (PSNR-Y, dB) a point may lie and still be a rung.
   * Hull vertices alone are often 3-5x apart in bitrate; near-hull points fill the gaps.
   * 0 uses only points on the hull; 100 (the whole PSNR range) every Pareto-optimal point.
   * @defaultValue 0.5
   */
  readonly hullToleranceDb?: number;
  /**
   * Most the bottom rung may cost, in kbit/s, so a weak link can still play: it wins over
   * `qualityFloorDb`, because a poor picture beats a stall. When the cheapest point reaching
   * the floor costs more, the bottom rung is the best point at or under this rate (the cheapest
   * point when none is), and the ladder carries a `QUALITY_FLOOR_RELAXED` note.
   * @defaultValue 300 (about twice the bottom of Apple's HLS authoring ladder)
   */
  readonly bottomRungMaxKbps?: number;
  /**
   * Device cap on the bottom rung's size, e.g. `{ width: 640, height: 360 }` for phones.
   * Orientation-agnostic: the long side is compared with the cap's long side.
   * @defaultValue undefined (no cap)
   */
  readonly bottomRungMaxSize?: FrameSize;
  /**
   * Device cap on every rung's size, orientation-agnostic like `bottomRungMaxSize`.
   * The source size always caps rungs too (no upscaling).
   * @defaultValue undefined (no cap beyond the source)
   */
  readonly maxSize?: FrameSize;
  /**
   * Fewest rungs the ladder may have (an integer >= 1): below it the ladder takes cheaper
   * points and more of them, even past `qualityFloorDb`. See {@link viewerMinimums}.
   * @defaultValue 1
   */
  readonly minRungs?: number;
  /**
   * Smallest ratio of the top rung's bitrate to the bottom's: a ladder spanning less leaves
   * no rung for a link that halves. Not enforced when every point that cheap is already above
   * `qualityCeilingDb` (more range would buy nothing). See {@link viewerMinimums}.
   * @defaultValue 1
   */
  readonly minSpanRatio?: number;
}

/**
 * The least a viewer needs from a title's ladder, by the height of its active picture: from
 * 360p a choice of two rungs (a single rung stalls every link slower than it), from 540p three
 * rungs spanning 4x in bitrate, the range over which a mobile or congested link moves within
 * a session. Below 360p the picture is a thumbnail and one rung may do.
 */
export function viewerMinimums(source: FrameSize): { minRungs: number; minSpanRatio: number } {
  const shortSide = Math.min(source.width, source.height);
  if (shortSide >= 540) return { minRungs: 3, minSpanRatio: 4 };
  if (shortSide >= 360) return { minRungs: 2, minSpanRatio: 1 };
  return { minRungs: 1, minSpanRatio: 1 };
}

export interface ResolvedPerTitleOptions {
  readonly minBitrateKbps: number;
  readonly maxBitrateKbps: number;
  readonly maxRungs: number;
  readonly minStepRatio: number;
  readonly maxStepRatio: number;
  readonly qualityCeilingDb: number;
  readonly qualityFloorDb: number;
  readonly hullToleranceDb: number;
  readonly bottomRungMaxKbps: number;
  readonly bottomRungMaxSize: FrameSize | undefined;
  readonly maxSize: FrameSize | undefined;
  readonly minRungs: number;
  readonly minSpanRatio: number;
}

export const PER_TITLE_DEFAULTS = {
  minBitrateKbps: 145,
  maxBitrateKbps: 7800,
  maxRungs: 8,
  minStepRatio: 1.5,
  maxStepRatio: 2,
  qualityCeilingDb: 45,
  qualityFloorDb: 30,
  hullToleranceDb: 0.5,
  bottomRungMaxKbps: 300,
  minRungs: 1,
  minSpanRatio: 1,
} as const;

/** Fills defaults and validates, naming the field and the value received on failure. */
export function resolvePerTitleOptions(options: PerTitleOptions = {}): ResolvedPerTitleOptions {
  const o = expectObject('options', options);
  const d = PER_TITLE_DEFAULTS;
  const pick = (key: keyof typeof d): unknown => (o[key] === undefined ? d[key] : o[key]);

  const minBitrateKbps = expectNumber('minBitrateKbps', pick('minBitrateKbps'), { above: 0 });
  const maxBitrateKbps = expectNumber('maxBitrateKbps', pick('maxBitrateKbps'), { above: minBitrateKbps });
  const maxRungs = expectNumber('maxRungs', pick('maxRungs'), { min: 1, integer: true });
  const minStepRatio = expectNumber('minStepRatio', pick('minStepRatio'), { min: 1 });
  const maxStepRatio = expectNumber('maxStepRatio', pick('maxStepRatio'), { min: minStepRatio });
  const qualityFloorDb = expectNumber('qualityFloorDb', pick('qualityFloorDb'));
  const qualityCeilingDb = expectNumber('qualityCeilingDb', pick('qualityCeilingDb'), { above: qualityFloorDb });
  const hullToleranceDb = expectNumber('hullToleranceDb', pick('hullToleranceDb'), { min: 0 });
  const bottomRungMaxKbps = expectNumber('bottomRungMaxKbps', pick('bottomRungMaxKbps'), { above: 0 });
  const minRungs = expectNumber('minRungs', pick('minRungs'), { min: 1, integer: true });
  if (minRungs > maxRungs) throw new LadderArgumentError('minRungs', `an integer <= maxRungs (${maxRungs})`, minRungs);
  const minSpanRatio = expectNumber('minSpanRatio', pick('minSpanRatio'), { min: 1 });
  const size = (key: 'bottomRungMaxSize' | 'maxSize'): FrameSize | undefined =>
    o[key] === undefined ? undefined : expectFrameSize(key, o[key]);

  const known = new Set<string>([...Object.keys(d), 'bottomRungMaxSize', 'maxSize']);
  for (const key of Object.keys(o)) {
    // A misspelt constraint would otherwise be silently ignored and the default used.
    if (!known.has(key)) throw new LadderArgumentError(key, 'a known per-title option', o[key]);
  }

  return {
    minBitrateKbps,
    maxBitrateKbps,
    maxRungs,
    minStepRatio,
    maxStepRatio,
    qualityCeilingDb,
    qualityFloorDb,
    hullToleranceDb,
    bottomRungMaxKbps,
    bottomRungMaxSize: size('bottomRungMaxSize'),
    maxSize: size('maxSize'),
    minRungs,
    minSpanRatio,
  };
}
