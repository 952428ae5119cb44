import { LadderError } from './errors.ts';
import { nearHull, upperConvexHull } from './hull.ts';
import { resolvePerTitleOptions, type PerTitleOptions, type ResolvedPerTitleOptions } from './per-title-options.ts';
import { evenestPath, RATIO_SLACK, selectRungs, spacedCount } from './rung-spacing.ts';
import type { FrameSize, RdPoint, Rung } from './types.ts';
import { expectFrameSize, expectRdPoints, psnrDb } from './validate.ts';

/** A per-title rung always knows what it was predicted from. */
export interface PlannedRung extends Rung {
  readonly predictedPsnrDb: number;
  readonly predictedSsim: number;
  readonly crf: number;
}

export type LadderNoteCode =
  /** `qualityFloorDb` is not reached at or under `bottomRungMaxKbps`; the bottom rung gave way to the rate. */
  | 'QUALITY_FLOOR_RELAXED'
  /** Every point fitting the other limits is cheaper than `minBitrateKbps`; the rungs are chosen from those points. */
  | 'BITRATE_FLOOR_RELAXED'
  /** Some neighbouring rungs are further apart than `maxStepRatio`. */
  | 'MAX_STEP_EXCEEDED'
  /** The usable hull spans less than `minStepRatio` (or `maxRungs` is 1): one rung. */
  | 'SINGLE_RUNG'
  /** Rungs were added or the bottom taken lower to meet `minRungs` / `minSpanRatio`. */
  | 'VIEWER_MINIMUM_APPLIED'
  /** `minRungs` / `minSpanRatio` could not be met (too few measured points), or were not needed (all above the ceiling). */
  | 'VIEWER_MINIMUM_UNMET'
  /** The top rung is smaller than the source, and why. */
  | 'TOP_BELOW_SOURCE';

export interface LadderNote {
  readonly code: LadderNoteCode;
  readonly message: string;
}

export interface PerTitleLadder<P extends RdPoint = RdPoint> {
  /** Ascending in bitrate and in predicted quality. */
  readonly rungs: readonly PlannedRung[];
  /** Hull of the points allowed by size and bitrate limits (before the quality ceiling). */
  readonly hull: readonly P[];
  /** Constraints that could not all be met, and how the ladder gave way. */
  readonly notes: readonly LadderNote[];
}

/**
 * Builds a title's ladder from its measured rate-quality points.
 *
 * 1. Points larger than the source (upscaling) or `maxSize`, or outside the bitrate range,
 *    are dropped (those under `minBitrateKbps` only while some point reaches it); the
 *    candidates are the points on or within `hullToleranceDb` of the upper convex hull of the
 *    rest (see {@link nearHull}), cut at the first one reaching `qualityCeilingDb`.
 * 2. The bottom rung is the cheapest point reaching `qualityFloorDb` among the candidates
 *    of the points that fit `bottomRungMaxSize` (their own hull, because with a device cap
 *    the best small point may sit under the full hull).
 * 3. The top rung is the dearest remaining candidate. Between them, candidates are chosen
 *    so every step is at least `minStepRatio`, the largest step is as small as possible down
 *    to `maxStepRatio`, then with as few rungs as possible, then with the most even steps.
 *
 * @throws LadderError `LADDER_INVALID_ARGUMENT`, `LADDER_NO_CANDIDATES` or
 *   `LADDER_BOTTOM_CAP_UNMET`; the caller falls back to the fixed ladder with that reason.
 */
export function perTitleLadder<P extends RdPoint>(
  points: readonly P[],
  source: FrameSize,
  options: PerTitleOptions = {},
): PerTitleLadder<P> {
  expectRdPoints('points', points);
  const src = expectFrameSize('source', source);
  const opts = resolvePerTitleOptions(options);
  const notes: LadderNote[] = [];

  const fitting = points.filter(
    (p) =>
      p.width <= src.width &&
      p.height <= src.height &&
      (opts.maxSize === undefined || fitsWithin(p, opts.maxSize)) &&
      p.bitrateKbps <= opts.maxBitrateKbps,
  );
  let allowed = fitting.filter((p) => p.bitrateKbps >= opts.minBitrateKbps);
  if (allowed.length === 0 && fitting.length > 0) {
    // The floor keeps rungs from being too cheap to be worth a rung when dearer points exist.
    // A title whose every point is under it (a still, a slide) is not too dear for per-title:
    // its points are its ladder, rather than a fixed ladder spending many times the bits.
    allowed = fitting;
    const dearest = Math.max(...fitting.map((p) => p.bitrateKbps));
    notes.push({
      code: 'BITRATE_FLOOR_RELAXED',
      message: `Every measured point is under minBitrateKbps ${opts.minBitrateKbps} (${dearest.toFixed(1)} kbit/s at most): the rungs are chosen from them`,
    });
  }
  if (allowed.length === 0) {
    throw new LadderError(
      'LADDER_NO_CANDIDATES',
      `None of ${points.length} rate-quality points fits the source ${src.width}x${src.height}` +
        `${opts.maxSize ? ` and maxSize ${opts.maxSize.width}x${opts.maxSize.height}` : ''}` +
        ` within ${opts.minBitrateKbps}-${opts.maxBitrateKbps} kbit/s`,
    );
  }
  const hull = upperConvexHull(allowed);
  const candidates = nearHull(allowed, opts.hullToleranceDb);
  const ceilingAt = candidates.findIndex((p) => psnrDb(p) >= opts.qualityCeilingDb);
  const belowCeiling = ceilingAt === -1 ? candidates : candidates.slice(0, ceilingAt + 1);

  const bottom = chooseBottom(allowed, opts, notes);
  const upper = belowCeiling.filter((p) => p.bitrateKbps > bottom.bitrateKbps && psnrDb(p) > psnrDb(bottom));
  const top = upper[upper.length - 1];

  let chosen: readonly RdPoint[];
  if (top === undefined) {
    chosen = [bottom];
  } else if (opts.maxRungs === 1 || top.bitrateKbps < bottom.bitrateKbps * opts.minStepRatio * (1 - RATIO_SLACK)) {
    // One rung must satisfy the bottom-rung cap and the top's job at once: take the best
    // point that fits the cap.
    const capped = [bottom, ...upper].filter((p) => fitsBottomCap(p, opts));
    chosen = [capped[capped.length - 1] ?? bottom];
    notes.push({
      code: 'SINGLE_RUNG',
      message:
        opts.maxRungs === 1
          ? 'maxRungs is 1'
          : `The hull spans ${bottom.bitrateKbps}-${top.bitrateKbps} kbit/s, less than minStepRatio ${opts.minStepRatio}`,
    });
  } else {
    chosen = selectRungs([bottom, ...upper], opts);
  }

  // Any Pareto-optimal point may serve the minimums, however far under the hull's chords.
  chosen = meetViewerMinimums(chosen, nearHull(allowed, Number.POSITIVE_INFINITY), opts, notes);
  const last = chosen[chosen.length - 1];
  if (last !== undefined && (last.width < src.width || last.height < src.height)) notes.push(topBelowSource(last, src, allowed, opts));

  const rungs = chosen.map(toRung);
  const worst = Math.max(1, ...rungs.slice(1).map((r, i) => r.bitrateKbps / rungs[i]!.bitrateKbps));
  if (worst > opts.maxStepRatio * (1 + RATIO_SLACK)) {
    notes.push({
      code: 'MAX_STEP_EXCEEDED',
      message: `Largest step between rungs is ${worst.toFixed(2)}x, above maxStepRatio ${opts.maxStepRatio}`,
    });
  }
  return { rungs, hull, notes };
}

/**
 * Widens and fills a ladder to the viewer minimums (`minRungs`, `minSpanRatio`) from the
 * Pareto front (every point no other beats on both rate and quality): the bottom is moved down to the best point cheap enough for the span,
 * then rungs are added between bottom and top (then above the top, then below the bottom when
 * the range has too few points), spaced as evenly as the points allow. Each change is a note.
 */
function meetViewerMinimums(
  chosen: readonly RdPoint[],
  candidates: readonly RdPoint[],
  opts: ResolvedPerTitleOptions,
  notes: LadderNote[],
): readonly RdPoint[] {
  let bottom = chosen[0];
  const top = chosen[chosen.length - 1];
  if (bottom === undefined || top === undefined) return chosen;
  const needsSpan = opts.minSpanRatio > 1 && top.bitrateKbps < bottom.bitrateKbps * opts.minSpanRatio * (1 - RATIO_SLACK);
  if (chosen.length >= opts.minRungs && !needsSpan) return chosen;
  const pool = [...candidates].sort((a, b) => a.bitrateKbps - b.bitrateKbps);
  const changes: string[] = [];
  // A hull above the ceiling from its cheapest point on needs no more range.
  let spanNeeded = needsSpan;
  if (needsSpan) {
    const target = top.bitrateKbps / opts.minSpanRatio;
    const cheap = pool.filter((p) => p.bitrateKbps <= target * (1 + RATIO_SLACK));
    // The cheapest measured point stands in when nothing is that cheap: a hull above the ceiling
    // from its cheapest point on needs no more range.
    const lowest = cheap.length > 0 ? cheap : pool.slice(0, 1);
    if (lowest.length > 0 && lowest.every((p) => psnrDb(p) >= opts.qualityCeilingDb)) {
      spanNeeded = false;
      notes.push({
        code: 'VIEWER_MINIMUM_UNMET',
        message:
          `Every point at or under ${Math.round(Math.max(target, lowest[0]!.bitrateKbps))} kbit/s is above the ${opts.qualityCeilingDb} dB ceiling: ` +
          `no span of ${opts.minSpanRatio}x is needed`,
      });
    } else {
      const lower = cheap[cheap.length - 1] ?? pool[0] ?? bottom;
      if (lower.bitrateKbps < bottom.bitrateKbps) {
        changes.push(`bottom lowered from ${fmtRate(bottom)} to ${fmtRate(lower)} kbit/s for a ${opts.minSpanRatio}x span`);
        bottom = lower;
      }
    }
  }
  const inRange = pool.filter((p) => p.bitrateKbps >= bottom.bitrateKbps && p.bitrateKbps <= top.bitrateKbps);
  let picked = selectRungs(inRange.length > 1 ? inRange : [bottom], opts);
  if (picked.length < opts.minRungs) {
    // Too few rungs at the preferred spacing: the most even choice of exactly minRungs points,
    // widened above the top and then below the bottom until the range holds minRungs points a
    // step apart. Rungs closer than a step are one rung to a player: a logo intro at the ceiling
    // within 1.2x of its cheapest point got three 312x234 rungs 1.1x apart, where its 480x360 and
    // 1024x768 points cost 28 and 41 kbit/s.
    const above = pool.filter((p) => p.bitrateKbps > top.bitrateKbps);
    const below = pool.filter((p) => p.bitrateKbps < bottom.bitrateKbps).reverse();
    const range = [...inRange];
    while (spacedCount(range, opts) < opts.minRungs && (above.length > 0 || below.length > 0)) {
      const next = above.shift();
      if (next !== undefined) range.push(next);
      else range.unshift(below.shift()!);
    }
    picked = evenestPath(range, Math.min(opts.minRungs, range.length));
    const last = picked[picked.length - 1]!;
    changes.push(
      `${picked.length} rungs instead of ${chosen.length}` +
        (last.bitrateKbps > top.bitrateKbps
          ? `, the top raised from ${fmtRate(top)} to ${fmtRate(last)} kbit/s (${last.width}x${last.height})`
          : ''),
    );
    if (picked.length < opts.minRungs)
      notes.push({
        code: 'VIEWER_MINIMUM_UNMET',
        message: `Only ${picked.length} Pareto-optimal rate-quality points were measured in range; minRungs is ${opts.minRungs}`,
      });
  } else if (picked.length !== chosen.length) {
    changes.push(`${picked.length} rungs instead of ${chosen.length}`);
  }
  const [low, high] = [picked[0], picked[picked.length - 1]];
  if (spanNeeded && low !== undefined && high !== undefined && high.bitrateKbps < low.bitrateKbps * opts.minSpanRatio * (1 - RATIO_SLACK)) {
    notes.push({
      code: 'VIEWER_MINIMUM_UNMET',
      message: `The rungs span ${fmtRate(low)}-${fmtRate(high)} kbit/s, less than minSpanRatio ${opts.minSpanRatio}: no measured point reaches further`,
    });
  }
  if (changes.length > 0)
    notes.push({
      code: 'VIEWER_MINIMUM_APPLIED',
      message: `minRungs ${opts.minRungs}, minSpanRatio ${opts.minSpanRatio}: ${changes.join('; ')}`,
    });
  return picked;
}

const fmtRate = (p: RdPoint): string => String(Math.round(p.bitrateKbps));

/** Why the top rung stops below the source size: the ceiling, the rate cap, or the hull itself. */
function topBelowSource(top: RdPoint, src: FrameSize, allowed: readonly RdPoint[], opts: ResolvedPerTitleOptions): LadderNote {
  const at = `${top.width}x${top.height} at ${Math.round(top.bitrateKbps)} kbit/s (${psnrDb(top).toFixed(2)} dB)`;
  const larger = allowed.filter((p) => p.width * p.height > top.width * top.height);
  const why =
    psnrDb(top) >= opts.qualityCeilingDb
      ? `the ${opts.qualityCeilingDb} dB quality ceiling is reached there, and larger sizes measured lower at that rate`
      : larger.length === 0
        ? `no larger size was measured within ${opts.minBitrateKbps}-${opts.maxBitrateKbps} kbit/s` +
          `${opts.maxSize === undefined ? '' : ` and maxSize ${opts.maxSize.width}x${opts.maxSize.height}`}`
        : `larger sizes measured lower quality at every rate up to the top (${larger.length} points, best ${Math.max(...larger.map(psnrDb)).toFixed(2)} dB)`;
  return { code: 'TOP_BELOW_SOURCE', message: `Top rung ${at} is below the source ${src.width}x${src.height}: ${why}` };
}

function chooseBottom<P extends RdPoint>(allowed: readonly P[], opts: ResolvedPerTitleOptions, notes: LadderNote[]): P {
  const cappedCandidates = nearHull(
    allowed.filter((p) => fitsBottomCap(p, opts)),
    opts.hullToleranceDb,
  );
  const best = cappedCandidates[cappedCandidates.length - 1];
  if (best === undefined) {
    const cap = opts.bottomRungMaxSize!;
    throw new LadderError(
      'LADDER_BOTTOM_CAP_UNMET',
      `No rate-quality point fits bottomRungMaxSize ${cap.width}x${cap.height}; encode samples at a smaller size`,
    );
  }
  const atFloor = cappedCandidates.find((p) => psnrDb(p) >= opts.qualityFloorDb);
  if (atFloor !== undefined && atFloor.bitrateKbps <= opts.bottomRungMaxKbps * (1 + RATIO_SLACK)) return atFloor;
  // Grain, noise and fine detail keep PSNR low until the rate is high: the floor is reached
  // only at megabits (or never), and a bottom rung there is one no weak link can play. The
  // best point a weak link can carry wins; the cheapest one when none is that cheap.
  const affordable = cappedCandidates.filter((p) => p.bitrateKbps <= opts.bottomRungMaxKbps * (1 + RATIO_SLACK));
  const chosen = affordable[affordable.length - 1] ?? cappedCandidates[0] ?? best;
  const bottomRung = `bottom rung ${Math.round(chosen.bitrateKbps)} kbit/s predicts ${psnrDb(chosen).toFixed(2)} dB`;
  notes.push({
    code: 'QUALITY_FLOOR_RELAXED',
    message:
      atFloor === undefined
        ? `No allowed point reaches qualityFloorDb ${opts.qualityFloorDb} (best ${psnrDb(best).toFixed(2)} dB); ${bottomRung}`
        : `qualityFloorDb ${opts.qualityFloorDb} is first reached at ${Math.round(atFloor.bitrateKbps)} kbit/s, ` +
          `above bottomRungMaxKbps ${opts.bottomRungMaxKbps}; ${bottomRung}`,
  });
  return chosen;
}

function fitsWithin(size: FrameSize, cap: FrameSize): boolean {
  return (
    Math.max(size.width, size.height) <= Math.max(cap.width, cap.height) &&
    Math.min(size.width, size.height) <= Math.min(cap.width, cap.height)
  );
}

function fitsBottomCap(p: FrameSize, opts: ResolvedPerTitleOptions): boolean {
  return opts.bottomRungMaxSize === undefined || fitsWithin(p, opts.bottomRungMaxSize);
}

/**
 * 4:2:0 chroma needs even luma dimensions. Rounding down keeps a rung from an odd-sized
 * point (e.g. a 1919-wide source encoded at its own size) within the source; the one-pixel
 * change does not move the predicted quality measurably.
 */
function evenDown(n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2);
}

function toRung(p: RdPoint): PlannedRung {
  return {
    width: evenDown(p.width),
    height: evenDown(p.height),
    bitrateKbps: p.bitrateKbps,
    predictedPsnrDb: psnrDb(p),
    predictedSsim: p.ssim,
    crf: p.crf,
  };
}
