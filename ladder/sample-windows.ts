import { expectArray, expectNumber, expectObject } from './validate.ts';
import { codedMse, codedRate, expectCodedSecond, windowMseScale, windowRateScale, type CodedSecond } from './coded-rate.ts';

export interface SampleWindowInput {
  /** Title duration in seconds; a single-frame title passes its one frame's duration. */
  readonly durationS: number;
  /** Scene-cut timestamps in seconds (ffmpeg `scdet`), in any order; outside ones are ignored. */
  readonly sceneCutsS?: readonly number[];
  /**
   * Where windows may start, in seconds (e.g. the starts of the scanned bursts, which are
   * keyframes). @defaultValue a regular grid of window lengths, plus every scene cut
   */
  readonly candidateStartsS?: readonly number[];
  /**
   * Entry `i`: bits the master spent on [i, i+1) s (its packets, read without decoding). The
   * master's encoder measured each second's complexity at full resolution, grain included,
   * which the scan's thumbnail encode cannot see; a constant-rate master carries no variety here
   * and the feature then counts for nothing. May be shorter than the title, or empty.
   */
  readonly bitsPerSecond?: readonly number[];
  /**
   * Where a read of the master can start, in seconds: its keyframes, or `[0]` for a master read
   * from its start. A window is read from the last one at or before it, and what lies between
   * is decoded for nothing, which `preRollCost` prices. @defaultValue anywhere: a read starts at
   * its window
   */
  readonly entryPointsS?: readonly number[];
  /**
   * Entry `i`: what the scan's own encode spent and lost on [i, i+1) s (`coded-rate.ts`); null
   * where it did not read. Two of the features windows are spread over, and each window's
   * `rateScale` and `mseScale`. May be shorter than the title, or empty.
   */
  readonly codedPerSecond?: readonly (CodedSecond | null)[];
}

export interface SampleWindowOptions {
  /**
   * Length of one sample window in seconds: long enough for rate control to settle.
   * @defaultValue 4
   */
  readonly windowS?: number;
  /**
   * Shortest window used when the budget is below `windowS`; this may exceed the budget,
   * because a ladder cannot be predicted from nothing. Titles shorter than this are
   * sampled whole.
   * @defaultValue 2
   */
  readonly minWindowS?: number;
  /**
   * Most of the title, as a fraction (0..1], that may be sampled.
   * @defaultValue 0.1
   */
  readonly maxShare?: number;
  /**
   * Most seconds that may be sampled in total, whatever the title's length.
   * @defaultValue 60
   */
  readonly maxTotalS?: number;
  /**
   * Weight of timeline distance against content distance (both normalised to 0..1) when
   * spreading windows. 0 chooses by content alone; larger spreads more evenly in time.
   * @defaultValue 1
   */
  readonly timelineWeight?: number;
  /**
   * What decoding one second of the master before a window costs, in seconds of window (the
   * unit of `maxShare` and `maxTotalS`): a window costs its length and its pre-roll from its
   * entry point (`entryPointsS`) times this. @defaultValue 0
   */
  readonly preRollCost?: number;
  /**
   * Every window is cut from one read of the master from its start (a master with no entry
   * point past its first): the read is paid once, to the end of the last window, and a window's
   * cost is its length and how much further it takes the read (times `preRollCost`), not its
   * own pre-roll. `entryPointsS` is then unused. @defaultValue false
   */
  readonly oneRead?: boolean;
}

export interface SampleWindow {
  readonly startS: number;
  readonly durationS: number;
  /**
   * Share of the title (0..1, summing to 1 over all windows) this window stands for, each second
   * going to its nearest window: the weight of its samples in a title-level rate-quality point.
   */
  readonly weight: number;
  /**
   * How much more the seconds this window stands for cost to code, and lose at one CRF, than
   * the window, by the scan's encode (`windowRateScale`, `windowMseScale`): its sample rates
   * and MSEs times these are theirs. 1 when unknown.
   */
  readonly rateScale: number;
  readonly mseScale: number;
}

/**
 * The least spread of a bit rate, in octaves, that counts as a variety of content: a rate axis
 * is scaled over the title's own range but never over less than this. A clip of one kind moves
 * within about this much (launch, the corpus's rocket launch, spends 1.3 to 7.0 Mbit/s per
 * second over its first 8 s at CRF 12, about 2.5 octaves, cuts included); a mix of kinds spans
 * far more (the mixed-real master: 0.21 to 17.7 Mbit/s, 6.4 octaves). The scan's own encode
 * alternates keyframe seconds with others (its GOP is the final encode's 2 s), which spreads
 * even a still clip over an octave or two; it scales that axis too.
 */
const RATE_SPAN_OCTAVES = 2;

/**
 * The least spread of the scan encode's loss (its MSE at one CRF), in octaves (3 dB each), that
 * counts as a variety of content. Over the seconds of corpus clips of one kind it spans 0.7 to
 * 1.2 octaves between its 5th and 95th percentiles (launch, vtest, city, the diver, the screen
 * recording, channels); mixes span 2.4 to 5.5 (megamind, film-montage, cartoon, intro-3d, tree).
 */
const LOSS_SPAN_OCTAVES = 2;

/**
 * Length of a sample window for an encode whose keyframes are `gopS` apart: the fewest whole
 * GOPs lasting at least `minS`. A window of whole GOPs spends the title's share of its bits on
 * keyframes, where a 3 s window of 2 s GOPs starts two and overstates the rate; `minS` leaves
 * x264's lookahead and rate control room to settle. Pure.
 */
export function gopWindowS(gopS: number, minS = 2): number {
  const gop = expectNumber('gopS', gopS, { above: 0 });
  return gop * Math.max(1, Math.ceil(expectNumber('minS', minS, { above: 0 }) / gop - 1e-9));
}

interface Span {
  readonly startS: number;
  readonly durationS: number;
  /** Normalised scan rate and loss, master bits (all log) and timeline position, each 0..1 (feature distance space). */
  readonly f: readonly [number, number, number, number];
}

/**
 * Chooses which parts of a title to encode as rate-quality samples: the first window is the
 * most typical part (closest to the title's means), each next one the part least like those
 * chosen so far (farthest-point sampling in what the scan's encode spends and loses, the
 * master's bits and time), so windows cover the title's variety and spread over its timeline.
 * The scan's rate and loss are what each window's results are scaled by to the seconds it
 * stands for: windows spread over them leave each second a window near it in those very terms.
 * Candidates start on a regular grid and at every scene cut, so a shot shorter than the grid
 * can still be picked. Windows never overlap; their total cost (length, and pre-roll priced by
 * `preRollCost`) is bounded by `maxShare` and `maxTotalS`. When that budget buys no window the
 * title still gets one, a ladder cannot be predicted from nothing: the most typical of those
 * costing at most one window more than the cheapest.
 *
 * Returns windows ascending in start time; deterministic for equal inputs.
 */
export function chooseSampleWindows(input: SampleWindowInput, options: SampleWindowOptions = {}): SampleWindow[] {
  const o = expectObject('options', options);
  const windowS = expectNumber('windowS', o.windowS ?? 4, { above: 0 });
  const minWindowS = expectNumber('minWindowS', o.minWindowS ?? 2, { above: 0, max: windowS });
  const maxShare = expectNumber('maxShare', o.maxShare ?? 0.1, { above: 0, max: 1 });
  const maxTotalS = expectNumber('maxTotalS', o.maxTotalS ?? 60, { above: 0 });
  const timelineWeight = expectNumber('timelineWeight', o.timelineWeight ?? 1, { min: 0 });
  const preRollCost = expectNumber('preRollCost', o.preRollCost ?? 0, { min: 0 });
  const oneRead = o.oneRead === true;

  const i = expectObject('input', input);
  const durationS = expectNumber('durationS', i.durationS, { above: 0 });
  const cuts = expectArray('sceneCutsS', i.sceneCutsS ?? []).map((c, k) => expectNumber(`sceneCutsS[${k}]`, c));
  const bits = expectArray('bitsPerSecond', i.bitsPerSecond ?? []).map((b, k) => expectNumber(`bitsPerSecond[${k}]`, b, { min: 0 }));
  const coded = expectArray('codedPerSecond', i.codedPerSecond ?? []).map((c, k) => expectCodedSecond(`codedPerSecond[${k}]`, c));
  const entries = expectArray('entryPointsS', i.entryPointsS ?? [])
    .map((e, k) => expectNumber(`entryPointsS[${k}]`, e))
    .sort((a, b) => a - b);

  const budgetS = Math.min(maxShare * durationS, maxTotalS);
  const lengthS = Math.min(durationS, budgetS >= windowS ? windowS : Math.max(budgetS, minWindowS));

  const describe = describer(coded, bits, durationS, timelineWeight);
  const lastStart = durationS - lengthS;
  const given = expectArray('candidateStartsS', i.candidateStartsS ?? [])
    .map((c, k) => expectNumber(`candidateStartsS[${k}]`, c))
    .filter((c) => c >= 0 && c <= lastStart + 1e-9);
  const starts = new Set<number>(given);
  if (starts.size === 0) {
    for (let s = 0; s < lastStart; s += lengthS) starts.add(s);
    starts.add(lastStart);
    for (const c of cuts) if (c > 0 && c < durationS) starts.add(Math.min(c, lastStart));
  }
  const sortedStarts = [...starts].sort((a, b) => a - b);
  const candidates = sortedStarts.map((s) => describe(s, lengthS));
  const ownCosts = sortedStarts.map((s) => lengthS + preRollCost * preRollS(entries, s));
  // What candidate k costs when the read already reaches `readEndS`.
  const cost: WindowCost = oneRead
    ? (k, readEndS) => lengthS + preRollCost * Math.max(0, sortedStarts[k]! + lengthS - readEndS)
    : (k) => ownCosts[k]!;

  const typical = describe(0, durationS).f;
  const seconds: Span[] = [];
  for (let s = 0; s < durationS; s += 1) seconds.push(describe(s, Math.min(1, durationS - s)));

  // A window straddling a change of content (half calm, half action) is like neither half,
  // so farthest-point sampling likes it, yet no second of the title is nearest to it: it
  // would be an encode that stands for nothing. Such windows are banned and the pick rerun;
  // every rerun bans at least one more candidate, so this ends.
  const banned = new Set<Span>();
  for (;;) {
    const chosen = farthestPoints(candidates, cost, banned, typical, budgetS, lengthS);
    const weights = chosen.map(() => 0);
    const standsFor: number[][] = chosen.map(() => []);
    seconds.forEach((part, sec) => {
      const k = nearestIndex(chosen, part.f);
      weights[k]! += part.durationS / durationS;
      standsFor[k]!.push(sec);
    });
    const idle = chosen.filter((_, k) => weights[k] === 0);
    if (idle.length === 0 || chosen.length === 1) {
      return chosen
        .map((w, k) => ({
          startS: w.startS,
          durationS: w.durationS,
          weight: weights[k]!,
          rateScale: windowRateScale(coded, standsFor[k]!, w),
          mseScale: windowMseScale(coded, standsFor[k]!, w),
        }))
        .sort((a, b) => a.startS - b.startS);
    }
    for (const w of idle) banned.add(w);
  }
}

/** What choosing candidate `k` costs, in seconds of window, when the chosen ones' read reaches `readEndS`. */
type WindowCost = (k: number, readEndS: number) => number;

/**
 * Starts from the candidate nearest `typical` among the affordable (see `chooseSampleWindows`),
 * then repeatedly adds the candidate farthest from every chosen one that overlaps none of
 * them and costs (`cost`, given how far the chosen ones' read reaches) no more than the budget
 * left. Earliest wins ties.
 */
function farthestPoints(
  candidates: readonly Span[],
  cost: WindowCost,
  banned: ReadonlySet<Span>,
  typical: readonly number[],
  budgetS: number,
  lengthS: number,
): Span[] {
  // Costs are compared with a tolerance of a billionth of a window, so k windows of equal
  // cost fit a budget of k windows whatever the float rounding of the subtractions.
  const slack = 1e-9 * lengthS;
  // minDistance[k]: distance from candidate k to its nearest chosen window; -1 = unusable
  // (banned, or overlapping a chosen one). Affordability is asked at each step: with one
  // read, a candidate gets cheaper as the read reaches further.
  const minDistance = candidates.map((c) => (banned.has(c) ? -1 : Infinity));
  let readEndS = 0;
  let cheapest = Infinity;
  candidates.forEach((_, k) => {
    if (minDistance[k]! >= 0) cheapest = Math.min(cheapest, cost(k, readEndS));
  });
  let left = Math.max(budgetS, cheapest + lengthS);
  const chosen: Span[] = [];
  let next = -1;
  let nextScore = Infinity;
  candidates.forEach((c, k) => {
    const d = distance(c.f, typical);
    if (minDistance[k]! >= 0 && cost(k, readEndS) <= left + slack && d < nextScore) [next, nextScore] = [k, d];
  });
  left = budgetS;
  while (next !== -1) {
    const pick = candidates[next]!;
    chosen.push(pick);
    left -= cost(next, readEndS);
    readEndS = Math.max(readEndS, pick.startS + pick.durationS);
    next = -1;
    nextScore = -1;
    candidates.forEach((c, k) => {
      if (minDistance[k]! < 0) return;
      if (Math.abs(c.startS - pick.startS) < lengthS - 1e-9) {
        minDistance[k] = -1; // overlaps a chosen window
        return;
      }
      minDistance[k] = Math.min(minDistance[k]!, distance(c.f, pick.f));
      if (cost(k, readEndS) <= left + slack && minDistance[k]! > nextScore) [next, nextScore] = [k, minDistance[k]!];
    });
  }
  return chosen;
}

/** Seconds a read of a window at `startS` decodes before it: from the last entry point at or before it. */
function preRollS(entries: readonly number[], startS: number): number {
  let from: number | undefined;
  for (const e of entries) {
    if (e > startS + 1e-9) break;
    from = e;
  }
  return from === undefined ? 0 : Math.max(0, startS - from);
}

/** Builds spans with features normalised over the whole title. */
function describer(
  coded: readonly (CodedSecond | null)[],
  bits: readonly number[],
  durationS: number,
  timelineWeight: number,
): (startS: number, lengthS: number) => Span {
  /** Maps `values`' range, or `minSpan` when that is wider, onto 0..1. */
  const scale = (values: readonly number[], minSpan: number): ((v: number) => number) => {
    // Loops, not Math.min(...values): a ten-hour title has 36,000 entries.
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const span = Math.max(hi - lo, minSpan);
    // A constant feature (or none measured) carries no variety: it contributes nothing.
    return (v) => (values.length > 0 && span > 0 ? Math.min(1, Math.max(0, (v - lo) / span)) : 0);
  };
  /** Each second's value (log) where it has one. */
  const logPerSecond = (of: (startS: number, endS: number) => number | undefined): number[] =>
    Array.from({ length: Math.ceil(durationS) }, (_, sec) => of(sec, Math.min(durationS, sec + 1))).flatMap((v) =>
      v !== undefined && v > 0 ? [Math.log2(v)] : [],
    );
  /** One log feature of a span: scaled over `range` (logs), the title's own value where the span has none. */
  const feature = (of: (startS: number, endS: number) => number | undefined, range: readonly number[], minSpan: number) => {
    const toUnit = scale(range, minSpan);
    const title = of(0, durationS);
    const typical = title === undefined || !(title > 0) ? 0 : toUnit(Math.log2(title));
    return (startS: number, endS: number): number => {
      const v = of(startS, endS);
      return v === undefined || !(v > 0) ? typical : toUnit(Math.log2(v));
    };
  };
  // Rates compare by ratio (log), and the typical one is the title's mean: a title's bit rate
  // and its MSE are means over its seconds, so its hard seconds weigh in full. Each scale spans
  // at least its *_SPAN_OCTAVES, so a title whose seconds barely differ (keyframe seconds, a
  // constant-rate encoder's jitter) is not stretched into a variety it does not have; seconds
  // not scanned (or a truncated analysis) count as typical of the title. The master's rate:
  // whole seconds only, a partial last second's count is as uncertain as its length.
  const rateOf = (a: number, b: number) => codedRate(coded, a, b);
  const lossOf = (a: number, b: number) => codedMse(coded, a, b);
  const scanRate = feature(rateOf, logPerSecond(rateOf), RATE_SPAN_OCTAVES);
  const scanLoss = feature(lossOf, logPerSecond(lossOf), LOSS_SPAN_OCTAVES);
  const wholeSeconds = bits.flatMap((b, sec) => (sec + 1 <= durationS && b > 0 ? [Math.log2(b)] : []));
  const masterRate = feature((a, b) => spanRate(bits, a, b, durationS), wholeSeconds, RATE_SPAN_OCTAVES);
  return (startS, lengthS) => {
    const endS = startS + lengthS;
    const centre = (startS + lengthS / 2) / durationS;
    return {
      startS,
      durationS: lengthS,
      f: [scanRate(startS, endS), scanLoss(startS, endS), masterRate(startS, endS), centre * timelineWeight],
    };
  };
}

/** The master's mean bit rate over [startS, endS), from whole-second counts; undefined where none is known. */
function spanRate(bits: readonly number[], startS: number, endS: number, durationS: number): number | undefined {
  let sum = 0;
  let covered = 0;
  for (let sec = Math.floor(startS); sec < endS && sec < bits.length && sec < durationS; sec++) {
    const b = bits[sec]!;
    const length = Math.min(1, durationS - sec);
    const overlap = Math.min(endS, sec + 1) - Math.max(startS, sec);
    if (overlap <= 0 || !(b > 0)) continue;
    sum += (b / length) * overlap;
    covered += overlap;
  }
  return covered > 0 ? sum / covered : undefined;
}

function distance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(sum);
}

/** Index of the span nearest `target`; the earliest wins ties. */
function nearestIndex(spans: readonly Span[], target: readonly number[]): number {
  let best = 0;
  let bestD = Infinity;
  spans.forEach((s, k) => {
    const d = distance(s.f, target);
    if (d < bestD) [best, bestD] = [k, d];
  });
  return best;
}
