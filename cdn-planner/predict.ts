import type { CatalogIndex } from './catalog-index.ts';
import { DAY_MS, type DemandHistory, type RegionHistory } from './demand.ts';
import { weeklyFactors } from './weekly.ts';

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
  /** Weight of the newest day in the exponential smoothing, (0, 1]. @defaultValue 0.5 */
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
}

/**
 * Exponential smoothing over days per title and region, deseasonalised by a per-region weekly
 * cycle when the data shows one, with a release prior learned from the releases the history
 * contains (their first full day), and file shares from keyed records shrunk towards size.
 */
export function exponentialSmoothingModel(options: SmoothingOptions = {}): PopularityModel {
  const alpha = options.alpha ?? 0.5;
  const newTitleDays = options.newTitleDays ?? 1;
  const unseenFraction = options.unseenFraction ?? 0.5;
  const weeklyOpts = { minDays: options.weeklyMinDays ?? 14, minAmplitude: options.weeklyMinAmplitude ?? 0.05 };
  return {
    name: `exp-smoothing(alpha=${alpha})`,
    forecast(history, index, regions) {
      const shares = fileShares(history, index);
      const out = new Map<string, RegionForecast>();
      const fallback = pooledRegion(history, index);
      for (const name of regions) {
        const region = history.regions.get(name) ?? fallback;
        const weekly = weeklyFactors(regionTotals(region, history.days, index.titleIds.length), weeklyOpts);
        const titleDemand = forecastTitles(region, history, index, weekly, alpha, newTitleDays, unseenFraction);
        const fileDemand = new Float64Array(index.keys.length);
        for (let f = 0; f < fileDemand.length; f++) fileDemand[f] = (titleDemand[index.fileTitle[f] ?? 0] ?? 0) * (shares[f] ?? 0);
        out.set(name, { fileDemand, peakFactor: peakFactor(region.hourly), weekly });
      }
      return { model: this.name, regions: out };
    },
  };
}

function forecastTitles(
  region: RegionHistory,
  history: DemandHistory,
  index: CatalogIndex,
  weekly: readonly number[] | undefined,
  alpha: number,
  newTitleDays: number,
  unseenFraction: number,
): Float64Array {
  const { days, endMs } = history;
  const titles = index.titleIds.length;
  const startMs = endMs - days * DAY_MS;
  const target = new Float64Array(titles);
  const season = (d: number): number => (weekly === undefined ? 1 : (weekly[d % 7] ?? 1));
  // First full day of every release inside the window: the prior for titles not yet seen.
  let priorSum = 0;
  let priorCount = 0;
  let minPositive = Number.POSITIVE_INFINITY;
  const firstDay = new Int32Array(titles);
  for (let t = 0; t < titles; t++) {
    const rel = index.releasedAtMs[t] ?? 0;
    const from = Math.max(0, Math.floor((rel - startMs) / DAY_MS));
    firstDay[t] = from;
    if (from >= days) continue;
    let level = -1;
    for (let d = from; d < days; d++) {
      let x = (region.titleDaily[t * days + d] ?? 0) / season(d);
      if (d === from && rel > startMs) {
        // The release day is partial: scale up to a full day, but not beyond 4x of a sliver.
        const exposed = (startMs + (d + 1) * DAY_MS - rel) / DAY_MS;
        x /= Math.max(exposed, 0.25);
      }
      level = level < 0 ? x : alpha * x + (1 - alpha) * level;
    }
    target[t] = Math.max(level, 0) * season(days);
    if (rel > startMs && from + 1 < days) {
      priorSum += (region.titleDaily[t * days + from + 1] ?? 0) / season(from + 1);
      priorCount++;
    }
    if (target[t]! > 0 && target[t]! < minPositive) minPositive = target[t]!;
  }
  const releasePrior = priorCount > 0 ? (priorSum / priorCount) * season(days) : quantileOfPositive(target, 0.9);
  const unseen = Number.isFinite(minPositive) ? minPositive * unseenFraction : 0;
  const horizonEnd = endMs + DAY_MS;
  for (let t = 0; t < titles; t++) {
    const rel = index.releasedAtMs[t] ?? 0;
    if (rel >= horizonEnd) {
      target[t] = 0; // not playable tomorrow
      continue;
    }
    const ageDays = (endMs - rel) / DAY_MS;
    if (ageDays < newTitleDays) {
      // Fraction of tomorrow the title is out, and how much of the prior its own data replaces.
      const exposure = Math.min(1, (horizonEnd - rel) / DAY_MS);
      const evidence = Math.max(0, Math.min(1, ageDays / newTitleDays));
      target[t] = (evidence * (target[t] ?? 0) + (1 - evidence) * releasePrior) * exposure;
    } else if ((target[t] ?? 0) === 0) {
      target[t] = unseen;
    }
  }
  return target;
}

function quantileOfPositive(values: Float64Array, q: number): number {
  const positive = Array.from(values).filter((v) => v > 0).sort((a, b) => a - b);
  return positive.length === 0 ? 0 : (positive[Math.min(positive.length - 1, Math.floor(q * positive.length))] ?? 0);
}

function regionTotals(region: RegionHistory, days: number, titles: number): Float64Array {
  const totals = new Float64Array(days);
  for (let t = 0; t < titles; t++) for (let d = 0; d < days; d++) totals[d] = (totals[d] ?? 0) + (region.titleDaily[t * days + d] ?? 0);
  return totals;
}

/**
 * Share of a title's bytes each of its files serves. Keyed records give the observed mix; a
 * pseudo-count of one full viewing (the title's size) pulls sparse titles towards a split in
 * proportion to file size, which is all an unkeyed record says.
 */
function fileShares(history: DemandHistory, index: CatalogIndex): Float64Array {
  const shares = new Float64Array(index.keys.length);
  for (let t = 0; t < index.titleIds.length; t++) {
    const a = index.fileStart[t] ?? 0;
    const b = index.fileStart[t + 1] ?? 0;
    let size = 0;
    for (let f = a; f < b; f++) size += index.fileBytes[f] ?? 0;
    const keyed = history.titleKeyedBytes[t] ?? 0;
    for (let f = a; f < b; f++) {
      shares[f] = ((history.fileKeyedBytes[f] ?? 0) + index.fileBytes[f]!) / (keyed + size);
    }
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
    for (let i = 0; i < titleDaily.length; i++) titleDaily[i] = (titleDaily[i] ?? 0) + (r.titleDaily[i] ?? 0) / n;
    for (let h = 0; h < 24; h++) hourly[h] = (hourly[h] ?? 0) + (r.hourly[h] ?? 0) / n;
  }
  return { titleDaily, hourly };
}
