import type { CatalogIndex } from './catalog-index.ts';
import type { ViewRecord } from './types.ts';

export const DAY_MS = 86_400_000;

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
    },
    finish() {
      return { days, endMs, regions, fileKeyedBytes, titleKeyedBytes, ignoredRecords: ignored };
    },
  };
}

export function aggregateViews(records: Iterable<ViewRecord>, index: CatalogIndex, options: DemandAggregatorOptions): DemandHistory {
  const agg = createDemandAggregator(index, options);
  for (const r of records) agg.add(r);
  return agg.finish();
}
