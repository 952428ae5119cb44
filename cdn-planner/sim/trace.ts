import { indexCatalog, type CatalogIndex } from '../catalog-index.ts';
import { PlannerInputError } from '../errors.ts';
import type { Appliance, CatalogTitle } from '../types.ts';
import { aliasTable, createRng, type AliasTable, type Rng } from './prng.ts';
import { DAY_MS, HOUR_MS } from '../units.ts';

export interface TraceOptions {
  /** @defaultValue 1 */
  readonly seed?: number;
  /** Regions, one cluster each. @defaultValue 4 */
  readonly regions?: number;
  /** @defaultValue 8 */
  readonly appliancesPerCluster?: number;
  /** @defaultValue 2000 */
  readonly titles?: number;
  /** Rendition files per title. @defaultValue 8 */
  readonly filesPerTitle?: number;
  /** Days of history before the first evaluated day. @defaultValue 14 */
  readonly historyDays?: number;
  /** Days planned and replayed. @defaultValue 2 */
  readonly evalDays?: number;
  /** Plays per region per day (before the weekly cycle). @defaultValue 20000 */
  readonly requestsPerRegionDay?: number;
  /** Zipf exponent of title popularity, 0.6-1.2. @defaultValue 0.9 */
  readonly zipfAlpha?: number;
  /** New titles released per day. @defaultValue 4 */
  readonly releasesPerDay?: number;
  /** Days for a release's launch interest to halve. @defaultValue 3 */
  readonly releaseHalfLifeDays?: number;
  /** Each cluster's disk as a fraction of the catalog's bytes. @defaultValue 0.2 */
  readonly cacheFraction?: number;
  /** Relative swing of daily plays over the week. @defaultValue 0.15 */
  readonly weeklyAmplitude?: number;
  /** Relative swing of hourly plays over the day (peak 21:00 local). @defaultValue 0.6 */
  readonly diurnalAmplitude?: number;
  /** Lognormal sigma of each region's taste around the global popularity. @defaultValue 0.5 */
  readonly regionalSkew?: number;
  /** Fill bandwidth per appliance, Gbps. @defaultValue 10 */
  readonly fillGbps?: number;
  /** First history day, UTC midnight. @defaultValue '2025-03-01T00:00:00Z' */
  readonly startAt?: string;
}

export type ResolvedTraceOptions = Required<TraceOptions>;

/** A generated world: appliances, catalog and the popularity process behind the requests. */
export interface Scenario {
  readonly options: ResolvedTraceOptions;
  readonly startMs: number;
  readonly regions: readonly string[];
  readonly appliances: readonly Appliance[];
  readonly catalog: readonly CatalogTitle[];
  readonly index: CatalogIndex;
  /** Per region, per title weight of the back catalog (Zipf x regional taste). */
  readonly base: readonly Float64Array[];
  /** Per region, per title launch interest (0 for the back catalog). */
  readonly hype: readonly Float64Array[];
  /** Play share of the i-th file of a title (rendition mix). */
  readonly mix: Float64Array;
  /** Hours east of UTC per region. */
  readonly utcOffsetHours: readonly number[];
}

const ZONES: readonly [string, number][] = [
  ['America/Chicago', -6],
  ['America/New_York', -5],
  ['Europe/Berlin', 1],
  ['Asia/Tokyo', 9],
  ['America/Los_Angeles', -8],
  ['Europe/London', 0],
  ['Australia/Sydney', 10],
  ['America/Sao_Paulo', -3],
  ['Asia/Kolkata', 5.5],
  ['Africa/Johannesburg', 2],
];
const LADDER_KBPS = [235, 375, 750, 1750, 3000, 4300, 5800, 8000];
const LADDER_MIX = [0.03, 0.05, 0.08, 0.12, 0.2, 0.24, 0.18, 0.1];

export function resolveTraceOptions(o: TraceOptions): ResolvedTraceOptions {
  const r: ResolvedTraceOptions = {
    seed: o.seed ?? 1,
    regions: o.regions ?? 4,
    appliancesPerCluster: o.appliancesPerCluster ?? 8,
    titles: o.titles ?? 2000,
    filesPerTitle: o.filesPerTitle ?? 8,
    historyDays: o.historyDays ?? 14,
    evalDays: o.evalDays ?? 2,
    requestsPerRegionDay: o.requestsPerRegionDay ?? 20000,
    zipfAlpha: o.zipfAlpha ?? 0.9,
    releasesPerDay: o.releasesPerDay ?? 4,
    releaseHalfLifeDays: o.releaseHalfLifeDays ?? 3,
    cacheFraction: o.cacheFraction ?? 0.2,
    weeklyAmplitude: o.weeklyAmplitude ?? 0.15,
    diurnalAmplitude: o.diurnalAmplitude ?? 0.6,
    regionalSkew: o.regionalSkew ?? 0.5,
    fillGbps: o.fillGbps ?? 10,
    startAt: o.startAt ?? '2025-03-01T00:00:00Z',
  };
  if (!(r.zipfAlpha >= 0.6 && r.zipfAlpha <= 1.2)) throw new PlannerInputError('zipfAlpha', 'a number in [0.6, 1.2]', r.zipfAlpha);
  for (const k of [
    'regions',
    'appliancesPerCluster',
    'titles',
    'filesPerTitle',
    'historyDays',
    'evalDays',
    'requestsPerRegionDay',
  ] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new PlannerInputError(k, 'an integer >= 1', r[k]);
  }
  if (r.historyDays < 2) throw new PlannerInputError('historyDays', 'an integer >= 2', r.historyDays);
  if (!(r.cacheFraction > 0 && r.cacheFraction <= 1)) throw new PlannerInputError('cacheFraction', 'a number in (0, 1]', r.cacheFraction);
  const released = r.releasesPerDay * (r.historyDays + r.evalDays);
  if (!Number.isInteger(r.releasesPerDay) || r.releasesPerDay < 0 || released >= r.titles) {
    throw new PlannerInputError('releasesPerDay', `an integer >= 0 with releasesPerDay x days < titles (${r.titles})`, r.releasesPerDay);
  }
  return r;
}

export function createScenario(options: TraceOptions = {}): Scenario {
  const o = resolveTraceOptions(options);
  const rng = createRng(o.seed);
  const startMs = Date.parse(o.startAt);
  const regions = Array.from({ length: o.regions }, (_, i) => `r${String(i).padStart(2, '0')}`);
  const newTitles = o.releasesPerDay * (o.historyDays + o.evalDays);
  const backCatalog = o.titles - newTitles;
  const rungs = Array.from(
    { length: o.filesPerTitle },
    (_, i) => LADDER_KBPS[Math.round((i * (LADDER_KBPS.length - 1)) / Math.max(1, o.filesPerTitle - 1))]!,
  );
  const mixRaw = Array.from(
    { length: o.filesPerTitle },
    (_, i) => LADDER_MIX[Math.round((i * (LADDER_MIX.length - 1)) / Math.max(1, o.filesPerTitle - 1))]!,
  );
  const mixSum = mixRaw.reduce((a, b) => a + b, 0);
  const mix = Float64Array.from(mixRaw, (m) => m / mixSum);
  const catalog: CatalogTitle[] = [];
  for (let t = 0; t < o.titles; t++) {
    const releasedMs =
      t < backCatalog
        ? startMs - (1 + rng.int(700)) * DAY_MS - rng.int(24) * HOUR_MS
        : startMs + Math.floor((t - backCatalog) / o.releasesPerDay) * DAY_MS + rng.int(24) * HOUR_MS;
    const durationS = 1200 + rng.int(7800);
    const id = `t${String(t).padStart(6, '0')}`;
    catalog.push({
      titleId: id,
      releasedAt: new Date(releasedMs).toISOString(),
      files: rungs.map((kbps, i) => ({ key: `${id}/${kbps}k-${i}.mp4`, bytes: Math.round(kbps * 125 * durationS) })),
    });
  }
  const index = indexCatalog(catalog);
  // Global popularity: a random permutation of Zipf ranks; each region bends it by its taste.
  const rank = Array.from({ length: o.titles }, (_, i) => i + 1);
  for (let i = rank.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rank[i], rank[j]] = [rank[j]!, rank[i]!];
  }
  const base: Float64Array[] = [];
  const hype: Float64Array[] = [];
  const launch = Float64Array.from({ length: o.titles }, (_, t) => (t < backCatalog ? 0 : 2 * (1 + rng.int(100)) ** -o.zipfAlpha));
  for (let r = 0; r < o.regions; r++) {
    base.push(Float64Array.from(rank, (k) => k ** -o.zipfAlpha * Math.exp(o.regionalSkew * rng.normal())));
    hype.push(Float64Array.from(launch, (h) => h * Math.exp(0.3 * rng.normal())));
  }
  const appliances: Appliance[] = [];
  let catalogBytes = 0;
  for (const b of index.fileBytes) catalogBytes += b;
  const utcOffsetHours: number[] = [];
  regions.forEach((region, r) => {
    const [tz, offset] = ZONES[r % ZONES.length]!;
    utcOffsetHours.push(offset);
    const sizes = Array.from({ length: o.appliancesPerCluster }, () => [0.5, 1, 1, 1.5, 2][rng.int(5)]!);
    const sum = sizes.reduce((a, b) => a + b, 0);
    sizes.forEach((s, i) => {
      appliances.push({
        id: `${region}-a${String(i).padStart(3, '0')}`,
        cluster: `c-${region}`,
        region,
        capacityBytes: Math.round((o.cacheFraction * catalogBytes * s) / sum),
        fillGbps: o.fillGbps,
        fillWindow: { start: '02:00', end: '10:00', tz },
        state: 'active',
      });
    });
  });
  return { options: o, startMs, regions, appliances, catalog, index, base, hype, mix, utcOffsetHours };
}

/** One play: a file, the bytes watched, and the UTC hour it started. */
export type RequestSink = (file: number, bytes: number, utcHour: number) => void;

/**
 * Plays of region r on day d (0 = first history day), in a random order; deterministic in
 * (seed, r, d) whatever order days and regions are generated in.
 */
export function forEachRequest(s: Scenario, r: number, d: number, sink: RequestSink): void {
  const o = s.options;
  const rng = createRng((o.seed * 1_000_003 + r * 10_007 + d * 101) >>> 0);
  const weights = titleWeights(s, r, d);
  const titles = aliasTable(weights);
  const renditions = aliasTable(s.mix);
  const hours = diurnal(o.diurnalAmplitude);
  const plays = playsOn(s, d);
  const offset = s.utcOffsetHours[r] ?? 0;
  for (let i = 0; i < plays; i++) {
    const t = titles.sample(rng);
    const f = s.index.fileStart[t]! + renditions.sample(rng);
    const localHour = hours.sample(rng);
    sink(f, Math.round(s.index.fileBytes[f]! * (WATCH_MIN + (1 - WATCH_MIN) * rng.next())), ((((localHour - offset) % 24) + 24) % 24) | 0);
  }
}

const WATCH_MIN = 0.2;

/**
 * The true expected bytes per file for region r on day d: what a perfect forecaster would
 * know, before the randomness of who actually presses play. The oracle places by this.
 */
export function expectedFileBytes(s: Scenario, r: number, d: number): Float64Array {
  const weights = titleWeights(s, r, d);
  let total = 0;
  for (const w of weights) total += w;
  const plays = playsOn(s, d);
  const out = new Float64Array(s.index.keys.length);
  const meanWatch = (1 + WATCH_MIN) / 2;
  for (let f = 0; f < out.length; f++) {
    const t = s.index.fileTitle[f]!;
    out[f] = ((plays * weights[t]!) / total) * s.mix[f - s.index.fileStart[t]!]! * s.index.fileBytes[f]! * meanWatch;
  }
  return out;
}

function playsOn(s: Scenario, d: number): number {
  const o = s.options;
  return Math.round(o.requestsPerRegionDay * (1 + o.weeklyAmplitude * Math.sin((2 * Math.PI * (d % 7)) / 7)));
}

function titleWeights(s: Scenario, r: number, d: number): Float64Array {
  const o = s.options;
  const dayStart = s.startMs + d * DAY_MS;
  const weights = new Float64Array(o.titles);
  const base = s.base[r]!;
  const hype = s.hype[r]!;
  for (let t = 0; t < o.titles; t++) {
    const rel = s.index.releasedAtMs[t]!;
    if (rel >= dayStart + DAY_MS) continue;
    const exposure = Math.min(1, (dayStart + DAY_MS - rel) / DAY_MS);
    const age = Math.max(0, (dayStart - rel) / DAY_MS);
    weights[t] = exposure * (base[t]! + hype[t]! * 0.5 ** (age / o.releaseHalfLifeDays));
  }
  return weights;
}

function diurnal(amplitude: number): AliasTable {
  return aliasTable(Array.from({ length: 24 }, (_, h) => 1 + amplitude * Math.cos((2 * Math.PI * (h - 21)) / 24)));
}

export type { Rng };
