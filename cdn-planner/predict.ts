import type { CatalogIndex } from './catalog-index.ts';
import type { DemandHistory, RegionHistory } from './demand.ts';
import { DAY_MS } from './units.ts';
import { weeklyFactors } from './weekly.ts';
import { estimatePriorPlays, type Levels, regionalPosterior } from './regional-taste.ts';

/** Next-day forecast for one region. */
export interface RegionForecast {
  /** Predicted bytes served per file (catalog index order) over the day after the history. */
  readonly fileDemand: Float64Array;
  /** Busiest hour's traffic over the mean hour's (1 when flat or unknown). */
  readonly peakFactor: number;
  /** Weekday multipliers (mean 1) when the history shows a weekly cycle, else undefined. */
  readonly weekly: readonly number[] | undefined;
}

export interface Forecast {
  readonly model: string;
  readonly regions: ReadonlyMap<string, RegionForecast>;
}

/**
 * A popularity model. Implementations must be pure: the same history gives the same forecast,
 * so a plan can be recomputed and diffed. Swap in a better model by passing another one to
 * `planFromHistory`.
 */
export interface PopularityModel {
  readonly name: string;
  forecast(history: DemandHistory, index: CatalogIndex, regions: readonly string[]): Forecast;
}

export interface SmoothingOptions {
  /**
   * Weight of the newest day in the exponential smoothing of each title's level, (0, 1].
   * Small, because most titles see a play a day or less: what changes fast (a release's
   * launch interest fading) is carried by the age curve, not by forgetting. @defaultValue 0.05
   */
  readonly alpha?: number;
  /** Fewest days of history before a weekly cycle is looked for. @defaultValue 14 */
  readonly weeklyMinDays?: number;
  /** Smallest weekday swing (max |factor - 1|) taken as a cycle. @defaultValue 0.05 */
  readonly weeklyMinAmplitude?: number;
  /**
   * A title released less than this many days before the forecast day is scored by the
   * new-release prior blended with what it has shown so far. @defaultValue 1
   */
  readonly newTitleDays?: number;
  /**
   * Unseen catalog titles (old, no views) get this fraction of the smallest positive title
   * forecast, so they rank below every title with evidence but above nothing. @defaultValue 0.5
   */
  readonly unseenFraction?: number;
  /**
   * Strength of the all-regions prior on a region's taste for a title, in plays: the shape of
   * the gamma prior on (regional rate / rate predicted from all regions). Undefined estimates
   * it from the history (method of moments over the titles with most plays).
   * @defaultValue estimated, clamped to [0.5, 50]
   */
  readonly regionalPriorPlays?: number;
}

/**
 * Exponential smoothing of each title's level per region, on a scale where the title's age
 * and the weekday are divided out:
 *
 * - **age curve**: how demand changes with days since release, learned from every release the
 *   history contains, pooled over regions (ratio of day a+1 to day a). A new title's recent
 *   days then say what tomorrow brings without a short memory that is noise on sparse titles;
 * - **weekly cycle** per region when the data shows one;
 * - **regional pooling**: a region's rate for a title is shrunk towards what every region's
 *   history predicts for it (gamma-Poisson: posterior mean (k + n) / (k + e) of the ratio,
 *   n its plays in the region, e the plays all regions predict), the proper prior when most
 *   titles see 0-1 plays a day in one region;
 * - a release prior learned from the releases in the history for titles not out yet.
 *
 * File shares come from keyed records shrunk towards the catalog's pooled rung mix.
 */
export function exponentialSmoothingModel(options: SmoothingOptions = {}): PopularityModel {
  const alpha = options.alpha ?? 0.05;
  const newTitleDays = options.newTitleDays ?? 1;
  const unseenFraction = options.unseenFraction ?? 0.5;
  const weeklyOpts = { minDays: options.weeklyMinDays ?? 14, minAmplitude: options.weeklyMinAmplitude ?? 0.05 };
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`Expected \`alpha\` to be in (0, 1], got ${alpha}`);
  return {
    name: `exp-smoothing(alpha=${alpha})+age-curve+regional-prior`,
    forecast(history, index, regions) {
      const shares = fileShares(history, index);
      const fallback = pooledRegion(history, index);
      // Every region with history informs the all-regions prior, asked for or not.
      const names = [...new Set([...regions, ...history.regions.keys()])];
      const series = names.map((name) => {
        const region = history.regions.get(name) ?? fallback;
        const weekly = weeklyFactors(regionTotals(region, history.days, index.titleIds.length), weeklyOpts);
        return { name, region, weekly, x: adjustedSeries(region, history, index, weekly) };
      });
      const ages = titleAges(history, index);
      const curve = ageCurve(
        series.map((s) => s.x),
        ages,
        history.days,
        index.titleIds.length,
      );
      const levels = series.map((s) => smoothedLevels(s.x, ages, curve, history.days, alpha));
      const titleBytes = titleSizes(index);
      const k = options.regionalPriorPlays ?? estimatePriorPlays(levels, titleBytes);
      const pooled = regionalPosterior(levels, titleBytes, k);
      const out = new Map<string, RegionForecast>();
      const wanted = new Set(regions);
      series.forEach((s, r) => {
        if (!wanted.has(s.name)) return;
        const titleDemand = forecastTitles(s, pooled[r]!, ages, curve, history, index, newTitleDays, unseenFraction);
        const fileDemand = new Float64Array(index.keys.length);
        for (let f = 0; f < fileDemand.length; f++) fileDemand[f] = titleDemand[index.fileTitle[f]!]! * shares[f]!;
        out.set(s.name, { fileDemand, peakFactor: peakFactor(s.region.hourly), weekly: s.weekly });
      });
      return { model: this.name, regions: out };
    },
  };
}

interface Series {
  readonly region: RegionHistory;
  readonly weekly: readonly number[] | undefined;
  /** Deseasonalised bytes per title per day, the release day scaled up to a full day. */
  readonly x: Float32Array;
}

/** Per title: day index of its release in the window (negative before it), and the first full day available. */
interface Ages {
  readonly releaseDay: Float64Array;
  /** First day of the window the title is playable on (days when never). */
  readonly from: Int32Array;
}

/** Ages past this many days share the last point of the curve. */
const MAX_CURVE_AGE = 60;

function titleAges(history: DemandHistory, index: CatalogIndex): Ages {
  const startMs = history.endMs - history.days * DAY_MS;
  const n = index.titleIds.length;
  const releaseDay = new Float64Array(n);
  const from = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    const rel = index.releasedAtMs[t]!;
    releaseDay[t] = Math.floor((rel - startMs) / DAY_MS);
    from[t] = Math.min(history.days, Math.max(0, releaseDay[t]!));
  }
  return { releaseDay, from };
}

const ageOf = (ages: Ages, t: number, d: number): number => Math.min(MAX_CURVE_AGE, Math.max(0, d - ages.releaseDay[t]!));

function adjustedSeries(
  region: RegionHistory,
  history: DemandHistory,
  index: CatalogIndex,
  weekly: readonly number[] | undefined,
): Float32Array {
  const { days, endMs } = history;
  const startMs = endMs - days * DAY_MS;
  const x = new Float32Array(region.titleDaily.length);
  for (let t = 0; t < index.titleIds.length; t++) {
    const rel = index.releasedAtMs[t]!;
    for (let d = 0; d < days; d++) {
      let v = region.titleDaily[t * days + d]! / (weekly === undefined ? 1 : weekly[d % 7]!);
      const dayStart = startMs + d * DAY_MS;
      if (rel > dayStart && rel < dayStart + DAY_MS) {
        // The release day is partial: scale up to a full day, but not beyond 4x of a sliver.
        v /= Math.max((dayStart + DAY_MS - rel) / DAY_MS, 0.25);
      }
      x[t * days + d] = v;
    }
  }
  return x;
}

/**
 * Demand at each age relative to the release day, f(0) = 1, from the ratio of summed demand
 * at age a+1 to age a over every title (and region) seen at both. Ratios resting on less than
 * a release's worth of titles are taken as 1 (no change).
 */
function ageCurve(xs: readonly Float32Array[], ages: Ages, days: number, titles: number): Float64Array {
  const num = new Float64Array(MAX_CURVE_AGE + 1);
  const den = new Float64Array(MAX_CURVE_AGE + 1);
  const count = new Int32Array(MAX_CURVE_AGE + 1);
  for (let t = 0; t < titles; t++) {
    const rd = ages.releaseDay[t]!;
    if (rd < 0 || rd >= days - 1) continue;
    for (let d = rd; d + 1 < days; d++) {
      const a = d - rd;
      if (a >= MAX_CURVE_AGE) break;
      count[a] = count[a]! + 1;
      for (const x of xs) {
        num[a] = num[a]! + x[t * days + d + 1]!;
        den[a] = den[a]! + x[t * days + d]!;
      }
    }
  }
  const f = new Float64Array(MAX_CURVE_AGE + 1);
  f[0] = 1;
  for (let a = 0; a < MAX_CURVE_AGE; a++) {
    const ratio = count[a]! >= 3 && den[a]! > 0 && num[a]! > 0 ? num[a]! / den[a]! : 1;
    f[a + 1] = f[a]! * ratio;
  }
  return f;
}

function smoothedLevels(x: Float32Array, ages: Ages, curve: Float64Array, days: number, alpha: number): Levels {
  const titles = x.length / days;
  const n = new Float64Array(titles);
  const e = new Float64Array(titles);
  const w = Float64Array.from({ length: days }, (_, d) => (1 - alpha) ** (days - 1 - d));
  for (let t = 0; t < titles; t++) {
    let sn = 0;
    let se = 0;
    for (let d = ages.from[t]!; d < days; d++) {
      sn += w[d]! * x[t * days + d]!;
      se += w[d]! * curve[ageOf(ages, t, d)]!;
    }
    n[t] = sn;
    e[t] = se;
  }
  return { n, e };
}

/** A title's bytes over its file count: one play of a typical rendition, the unit of a play count. */
function titleSizes(index: CatalogIndex): Float64Array {
  const out = new Float64Array(index.titleIds.length);
  for (let t = 0; t < out.length; t++) {
    const a = index.fileStart[t]!;
    const b = index.fileStart[t + 1]!;
    let size = 0;
    for (let f = a; f < b; f++) size += index.fileBytes[f]!;
    out[t] = b > a ? size / (b - a) : 1;
  }
  return out;
}

function forecastTitles(
  s: Series,
  rate: Float64Array,
  ages: Ages,
  curve: Float64Array,
  history: DemandHistory,
  index: CatalogIndex,
  newTitleDays: number,
  unseenFraction: number,
): Float64Array {
  const { days, endMs } = history;
  const titles = index.titleIds.length;
  const startMs = endMs - days * DAY_MS;
  const season = s.weekly === undefined ? 1 : s.weekly[days % 7]!;
  const target = new Float64Array(titles);
  // First full day of every release inside the window: the prior for titles not yet seen.
  let priorSum = 0;
  let priorCount = 0;
  let minPositive = Number.POSITIVE_INFINITY;
  for (let t = 0; t < titles; t++) {
    const from = ages.from[t]!;
    if (from >= days) continue;
    target[t] = rate[t]! * curve[ageOf(ages, t, days)]! * season;
    const rel = index.releasedAtMs[t]!;
    if (rel > startMs && from + 1 < days) {
      priorSum += s.x[t * days + from + 1]!;
      priorCount++;
    }
    if (target[t]! > 0 && target[t]! < minPositive) minPositive = target[t]!;
  }
  const releasePrior = priorCount > 0 ? (priorSum / priorCount) * season : quantileOfPositive(target, 0.9);
  const unseen = Number.isFinite(minPositive) ? minPositive * unseenFraction : 0;
  const horizonEnd = endMs + DAY_MS;
  for (let t = 0; t < titles; t++) {
    const rel = index.releasedAtMs[t]!;
    if (rel >= horizonEnd) {
      target[t] = 0; // not playable tomorrow
      continue;
    }
    const ageDays = (endMs - rel) / DAY_MS;
    if (ageDays < newTitleDays) {
      // Fraction of tomorrow the title is out, and how much of the prior its own data replaces.
      const exposure = Math.min(1, (horizonEnd - rel) / DAY_MS);
      const evidence = Math.max(0, Math.min(1, ageDays / newTitleDays));
      target[t] = (evidence * target[t]! + (1 - evidence) * releasePrior) * exposure;
    } else if (target[t]! === 0) {
      target[t] = unseen;
    }
  }
  return target;
}

function quantileOfPositive(values: Float64Array, q: number): number {
  const positive = Array.from(values)
    .filter((v) => v > 0)
    .sort((a, b) => a - b);
  return positive.length === 0 ? 0 : (positive[Math.min(positive.length - 1, Math.floor(q * positive.length))] ?? 0);
}

function regionTotals(region: RegionHistory, days: number, titles: number): Float64Array {
  const totals = new Float64Array(days);
  for (let t = 0; t < titles; t++) for (let d = 0; d < days; d++) totals[d] = totals[d]! + region.titleDaily[t * days + d]!;
  return totals;
}

/**
 * Share of a title's bytes each of its files serves. A title's own keyed records give its
 * observed mix; a pseudo-count of one full viewing (the title's size) pulls it towards the
 * catalog's: the mix of every keyed record pooled by a file's rank from the top of its title's
 * ladder (among titles with as many files), itself pulled towards a prior by one viewing. The
 * prior, for a catalog with no keyed record at all, is plays in proportion to bitrate (bytes
 * to size squared): players climb to the highest rung their link sustains, so the top rungs
 * carry most bytes, and a title's low rungs do not take disk at its top rung's priority, as
 * a split by size (equal bytes per stored byte for every rung) made them.
 */
function fileShares(history: DemandHistory, index: CatalogIndex): Float64Array {
  const titles = index.titleIds.length;
  const ranked = (t: number): number[] => {
    const files = Array.from({ length: index.fileStart[t + 1]! - index.fileStart[t]! }, (_, i) => index.fileStart[t]! + i);
    return files.sort((a, b) => index.fileBytes[b]! - index.fileBytes[a]! || a - b);
  };
  // Pooled bytes by (file count, rank from the top), and per file count the keyed total and a viewing's size.
  const pooled = new Map<number, { byRank: Float64Array; keyed: number; viewing: number; titles: number }>();
  for (let t = 0; t < titles; t++) {
    const files = ranked(t);
    const n = files.length;
    if (n === 0) continue;
    let p = pooled.get(n);
    if (p === undefined) {
      p = { byRank: new Float64Array(n), keyed: 0, viewing: 0, titles: 0 };
      pooled.set(n, p);
    }
    for (const [r, f] of files.entries()) p.byRank[r]! += history.fileKeyedBytes[f]!;
    p.keyed += history.titleKeyedBytes[t]!;
    p.viewing += files.reduce((sum, f) => sum + index.fileBytes[f]!, 0);
    p.titles++;
  }
  const shares = new Float64Array(index.keys.length);
  for (let t = 0; t < titles; t++) {
    const files = ranked(t);
    const p = pooled.get(files.length);
    if (p === undefined) continue;
    const size = files.reduce((sum, f) => sum + index.fileBytes[f]!, 0);
    const squares = files.reduce((sum, f) => sum + index.fileBytes[f]! ** 2, 0);
    const viewing = p.viewing / p.titles;
    const keyed = history.titleKeyedBytes[t]!;
    files.forEach((f, r) => {
      const prior = squares > 0 ? index.fileBytes[f]! ** 2 / squares : 1 / files.length;
      const catalogMix = (p.byRank[r]! + viewing * prior) / (p.keyed + viewing);
      shares[f] = (history.fileKeyedBytes[f]! + size * catalogMix) / (keyed + size);
    });
  }
  return shares;
}

function peakFactor(hourly: Float64Array): number {
  let sum = 0;
  let max = 0;
  for (const v of hourly) {
    sum += v;
    if (v > max) max = v;
  }
  return sum > 0 ? (max * 24) / sum : 1;
}

/** A region with no history of its own is forecast from all regions' history, averaged. */
function pooledRegion(history: DemandHistory, index: CatalogIndex): RegionHistory {
  const titleDaily = new Float32Array(index.titleIds.length * history.days);
  const hourly = new Float64Array(24);
  const n = Math.max(1, history.regions.size);
  for (const r of history.regions.values()) {
    for (let i = 0; i < titleDaily.length; i++) titleDaily[i] = titleDaily[i]! + r.titleDaily[i]! / n;
    for (let h = 0; h < 24; h++) hourly[h] = hourly[h]! + r.hourly[h]! / n;
  }
  return { titleDaily, hourly };
}
