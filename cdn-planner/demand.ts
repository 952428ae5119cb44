import type { CatalogIndex } from './catalog-index.ts';
import type { ViewRecord } from './types.ts';
import { DAY_MS } from './units.ts';

/** One region's view history, bucketed into days ending at {@link DemandHistory.endMs}. */
export interface RegionHistory {
  /** Bytes served per title per day: index `title * days + day`, day `days - 1` is the latest. */
  readonly titleDaily: Float32Array;
  /** Bytes served per UTC hour of day, over the whole window: the region's diurnal shape. */
  readonly hourly: Float64Array;
}

/**
 * View history aggregated for prediction. Day d covers
 * `[endMs - (days - d) * DAY_MS, endMs - (days - d - 1) * DAY_MS)`.
 */
export interface DemandHistory {
  readonly days: number;
  /** End of the window (exclusive), UTC ms: normally the plan's `at`. */
  readonly endMs: number;
  readonly regions: ReadonlyMap<string, RegionHistory>;
  /** Bytes attributed to each file by records that named a `key`, all regions. */
  readonly fileKeyedBytes: Float64Array;
  /** Bytes of keyed records per title, the denominator of the file mix. */
  readonly titleKeyedBytes: Float64Array;
  /** Records outside the window or naming a title or key the catalog does not have. */
  readonly ignoredRecords: number;
}

export interface DemandAggregatorOptions {
  /** End of the window (exclusive), UTC ms. */
  readonly endMs: number;
  /** Days of history kept before `endMs`. @defaultValue 28 */
  readonly days?: number;
}

export interface DemandAggregator {
  add(record: ViewRecord): void;
  finish(): DemandHistory;
}

/**
 * Aggregates view records one at a time, so the CLI can stream a large JSON-lines file through
 * it without holding the records. Pure apart from its own accumulators.
 */
export function createDemandAggregator(index: CatalogIndex, options: DemandAggregatorOptions): DemandAggregator {
  const days = options.days ?? 28;
  const { endMs } = options;
  const titles = index.titleIds.length;
  const regions = new Map<string, RegionHistory>();
  const fileKeyedBytes = new Float64Array(index.keys.length);
  const titleKeyedBytes = new Float64Array(titles);
  let ignored = 0;
  // Spacing of the records' timestamps, in minutes: the interval they were aggregated over.
  let firstMinute: number | undefined;
  let spacing = 0;
  return {
    add(record) {
      const ts = Date.parse(record.ts);
      const back = Math.floor((endMs - 1 - ts) / DAY_MS);
      const t = index.titleIndex.get(record.titleId);
      if (ts >= endMs || back >= days || t === undefined) {
        ignored++;
        return;
      }
      if (record.key !== undefined) {
        const f = index.keyIndex.get(record.key);
        if (f === undefined || index.fileTitle[f] !== t) {
          ignored++;
          return;
        }
        fileKeyedBytes[f] = (fileKeyedBytes[f] ?? 0) + record.bytes;
        titleKeyedBytes[t] = (titleKeyedBytes[t] ?? 0) + record.bytes;
      }
      let region = regions.get(record.region);
      if (region === undefined) {
        region = { titleDaily: new Float32Array(titles * days), hourly: new Float64Array(24) };
        regions.set(record.region, region);
      }
      const cell = t * days + (days - 1 - back);
      region.titleDaily[cell] = (region.titleDaily[cell] ?? 0) + record.bytes;
      const hour = new Date(ts).getUTCHours();
      region.hourly[hour] = (region.hourly[hour] ?? 0) + record.bytes;
      const minute = Math.round(ts / 60_000);
      firstMinute ??= minute;
      spacing = gcd(spacing, Math.abs(minute - firstMinute));
    },
    finish() {
      const hours = Math.min(24, Math.floor(spacing / 60));
      if (hours > 1) for (const r of regions.values()) r.hourly.set(spreadHours(r.hourly, hours));
      return { days, endMs, regions, fileKeyedBytes, titleKeyedBytes, ignoredRecords: ignored };
    },
  };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * Records aggregated over `hours` hours (every timestamp on a grid that coarse, e.g. one
 * record per file per 4 h) put a whole interval's bytes in one hour of the diurnal shape,
 * which made the busiest hour look six times the mean hour where it was 1.6 (bench:planner,
 * dense regime): each hour's bytes are spread evenly over the interval around it.
 */
export function spreadHours(hourly: Float64Array, hours: number): Float64Array {
  const out = new Float64Array(24);
  const from = -Math.floor(hours / 2);
  for (let h = 0; h < 24; h++) for (let k = from; k < from + hours; k++) out[(((h + k) % 24) + 24) % 24]! += hourly[h]! / hours;
  return out;
}

export function aggregateViews(records: Iterable<ViewRecord>, index: CatalogIndex, options: DemandAggregatorOptions): DemandHistory {
  const agg = createDemandAggregator(index, options);
  for (const r of records) agg.add(r);
  return agg.finish();
}
