/**
 * An independent world for judging the fill planner: a catalog, clusters of edge appliances,
 * twelve days of view history and one day of plays to replay, drawn from a popularity process
 * written here from the description, not from the planner's model. It imports only
 * the planner's input types (the format a CDN operator sends); a test keeps it that way, so
 * the planner cannot be graded on its own assumptions (the old simulator shared its trace
 * with the planner's tuning and reported 98.6% of the oracle where an outside trace found
 * less than LRU).
 *
 * The process: each region has a Zipf-ranked back catalog bent by regional taste (some titles
 * are watched in one region only), releases with a launch spike that halves every few days,
 * optionally a flash crowd on an old title on the replayed day; plays follow a daily cycle
 * peaking at 21:00 local time and a weekly one; each play fetches one rendition, the top ones
 * most (players on good links climb the ladder), and watches part of it.
 */
import type { Appliance, CatalogTitle, ViewRecord } from '../../types.ts';
import { CumulativeSampler, WorldRng } from './rng.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface Regime {
  readonly name: string;
  /** Plays per day over all regions. */
  readonly viewsPerDay: number;
  /** `file-4h`: records name the file, aggregated per 4 h; `title`: one record per play, title only. */
  readonly records: 'file-4h' | 'title';
  readonly zipfAlpha: number;
  /** Releases over the history and the replayed day. */
  readonly releases: number;
  /** Share of titles watched in one region only. */
  readonly regionalShare: number;
  /** An old title gets this many times its usual plays on the replayed day (1: none). */
  readonly flashCrowd: number;
  /** Appliance sizes and fill speeds vary within a cluster. */
  readonly heterogeneous: boolean;
  /** One appliance per cluster is down and one draining. */
  readonly failures: boolean;
  readonly seed: number;
}

const BASE: Omit<Regime, 'name'> = {
  viewsPerDay: 600_000,
  records: 'file-4h',
  zipfAlpha: 0.9,
  releases: 40,
  regionalShare: 0.1,
  flashCrowd: 1,
  heterogeneous: true,
  failures: true,
  seed: 11,
};

/** The regimes bench:planner reports, each a separate world. */
export const REGIMES: readonly Regime[] = [
  { ...BASE, name: 'dense' },
  { ...BASE, name: 'sparse', viewsPerDay: 60_000, records: 'title', seed: 12 },
  { ...BASE, name: 'dense zipf 0.6', zipfAlpha: 0.6, seed: 13 },
  { ...BASE, name: 'dense zipf 1.2', zipfAlpha: 1.2, seed: 14 },
  { ...BASE, name: 'release-heavy', releases: 160, seed: 15 },
  { ...BASE, name: 'regional', regionalShare: 0.4, seed: 16 },
  { ...BASE, name: 'flash crowd', flashCrowd: 40, seed: 17 },
  { ...BASE, name: 'sparse regional', viewsPerDay: 60_000, records: 'title', regionalShare: 0.4, seed: 18 },
];

/** One play of the replayed day (or of the warm-up days). */
export interface Play {
  readonly ms: number;
  readonly region: number;
  /** File index (see {@link World.fileKeys}). */
  readonly file: number;
  readonly bytes: number;
}

export interface World {
  readonly regime: Regime;
  readonly regions: readonly string[];
  readonly appliances: readonly Appliance[];
  readonly catalog: readonly CatalogTitle[];
  readonly fileKeys: readonly string[];
  readonly fileBytes: Float64Array;
  readonly fileTitle: Int32Array;
  /** Midnight UTC starting the replayed day: the plan instant. */
  readonly planAtMs: number;
  readonly historyDays: number;
  /** View history before `planAtMs`, as an operator would send it; generated afresh on each call. */
  readonly history: () => Iterable<ViewRecord>;
  /** Plays of the last history days, in time order: caches are warmed on them. */
  readonly warmup: readonly Play[];
  /** Plays of the replayed day, in time order. */
  readonly plays: readonly Play[];
  /** Per region, the expected bytes per file on the replayed day: the process's own rates. */
  readonly expected: readonly Float64Array[];
  /** Titles released during the replayed day (inside the plan's horizon). */
  readonly releasedInHorizon: ReadonlySet<number>;
}

const ZONES: readonly { tz: string; offsetH: number }[] = [
  { tz: 'America/Chicago', offsetH: -6 },
  { tz: 'Europe/Berlin', offsetH: 1 },
  { tz: 'Asia/Tokyo', offsetH: 9 },
  { tz: 'America/Sao_Paulo', offsetH: -3 },
];
const RUNGS_KBPS = [235, 560, 1050, 2350, 4300, 5800] as const;
/** Share of plays fetching each rung (bottom to top). */
const RUNG_PLAYS = [0.03, 0.05, 0.09, 0.18, 0.3, 0.35] as const;
const TITLES = 3000;
const HISTORY_DAYS = 12;
const WARMUP_DAYS = 3;
const PER_CLUSTER = 8;
const RELEASE_HALF_LIFE_DAYS = 3;
/** Mean share of a file a play watches (uniform 0.1-1). */
const MEAN_WATCH = 0.55;

export function generateWorld(regime: Regime): World {
  const rng = new WorldRng(regime.seed);
  // Mid-January: none of the zones shifts for daylight saving over the history.
  const startMs = Date.parse('2025-01-06T00:00:00Z');
  const planAtMs = startMs + HISTORY_DAYS * DAY_MS;
  const regions = ZONES.map((_, r) => `region-${r}`);
  const catalog: CatalogTitle[] = [];
  const fileKeys: string[] = [];
  const fileBytes: number[] = [];
  const fileTitle: number[] = [];
  const releasedMs = new Float64Array(TITLES);
  const firstRelease = TITLES - regime.releases;
  for (let t = 0; t < TITLES; t++) {
    releasedMs[t] = t < firstRelease ? startMs - (30 + rng.below(1500)) * DAY_MS : startMs + rng.uniform() * (HISTORY_DAYS + 1) * DAY_MS;
    const durationS = 1200 + rng.below(7800);
    const id = `title-${t}`;
    const files = RUNGS_KBPS.map((kbps, i) => ({ key: `${id}/v${i}.mp4`, bytes: Math.round((kbps * 1000 * durationS) / 8) }));
    for (const f of files) {
      fileKeys.push(f.key);
      fileBytes.push(f.bytes);
      fileTitle.push(t);
    }
    catalog.push({ titleId: id, releasedAt: new Date(releasedMs[t]!).toISOString(), files });
  }
  const popularity = titlePopularity(regime, rng, regions.length, firstRelease);
  const flashTitle = Math.floor(firstRelease / 3);
  const weightsOn = (r: number, d: number): Float64Array => {
    const dayStart = startMs + d * DAY_MS;
    const w = new Float64Array(TITLES);
    for (let t = 0; t < TITLES; t++) {
      const rel = releasedMs[t]!;
      if (rel >= dayStart + DAY_MS) continue;
      const exposure = Math.min(1, (dayStart + DAY_MS - rel) / DAY_MS);
      const age = Math.max(0, (dayStart - rel) / DAY_MS);
      const flash = t === flashTitle && d === HISTORY_DAYS ? regime.flashCrowd : 1;
      w[t] = exposure * flash * (popularity.base[r]![t]! + popularity.launch[r]![t]! * 0.5 ** (age / RELEASE_HALF_LIFE_DAYS));
    }
    return w;
  };
  const rungs = new CumulativeSampler(RUNG_PLAYS);
  const hours = new CumulativeSampler(Array.from({ length: 24 }, (_, h) => 1 + 0.6 * Math.cos((2 * Math.PI * (h - 21)) / 24)));
  const warmup: Play[] = [];
  const plays: Play[] = [];
  const expected: Float64Array[] = [];
  const files = fileKeys.length;
  const slots = HISTORY_DAYS * 6;
  // History, kept compact: bytes per (region, 4 h slot, file), or every play's time, title and bytes.
  const buckets = regime.records === 'file-4h' ? new Float64Array(regions.length * slots * files) : new Float64Array(0);
  const titlePlays: { ms: number[]; region: number[]; title: number[]; bytes: number[] } = { ms: [], region: [], title: [], bytes: [] };
  for (let d = 0; d <= HISTORY_DAYS; d++) {
    const dayStart = startMs + d * DAY_MS;
    for (let r = 0; r < regions.length; r++) {
      const w = weightsOn(r, d);
      const titles = new CumulativeSampler(w);
      const count = rng.poisson((regime.viewsPerDay / regions.length) * (1 + 0.1 * Math.sin((2 * Math.PI * d) / 7)));
      if (d === HISTORY_DAYS) expected.push(expectedBytes(w, titles.total, count, fileBytes));
      for (let i = 0; i < count; i++) {
        const t = titles.sample(rng);
        const file = t * RUNGS_KBPS.length + rungs.sample(rng);
        const localHour = hours.sample(rng);
        let ms = dayStart + ((((localHour - ZONES[r]!.offsetH) % 24) + 24) % 24) * HOUR_MS + rng.uniform() * HOUR_MS;
        // A play of a title released today happens after its release.
        if (ms < releasedMs[t]!) ms = releasedMs[t]! + rng.uniform() * (dayStart + DAY_MS - releasedMs[t]!);
        const bytes = Math.round(fileBytes[file]! * (0.1 + 0.9 * rng.uniform()));
        const play: Play = { ms, region: r, file, bytes };
        if (d === HISTORY_DAYS) plays.push(play);
        else {
          if (d >= HISTORY_DAYS - WARMUP_DAYS) warmup.push(play);
          if (regime.records === 'title') {
            titlePlays.ms.push(ms);
            titlePlays.region.push(r);
            titlePlays.title.push(t);
            titlePlays.bytes.push(bytes);
          } else {
            const slot = Math.min(slots - 1, Math.floor((ms - startMs) / (4 * HOUR_MS)));
            buckets[(r * slots + slot) * files + file]! += bytes;
          }
        }
      }
    }
  }
  function* history(): Generator<ViewRecord> {
    for (let i = 0; i < titlePlays.ms.length; i++) {
      yield {
        ts: new Date(titlePlays.ms[i]!).toISOString(),
        titleId: catalog[titlePlays.title[i]!]!.titleId,
        region: regions[titlePlays.region[i]!]!,
        bytes: titlePlays.bytes[i]!,
      };
    }
    for (let cell = 0; cell < buckets.length; cell++) {
      const bytes = buckets[cell]!;
      if (bytes === 0) continue;
      const file = cell % files;
      const slot = Math.floor(cell / files) % slots;
      const r = Math.floor(cell / files / slots);
      yield {
        ts: new Date(startMs + slot * 4 * HOUR_MS + 2 * HOUR_MS).toISOString(),
        titleId: catalog[fileTitle[file]!]!.titleId,
        region: regions[r]!,
        bytes,
        key: fileKeys[file]!,
      };
    }
  }
  const byTime = (a: Play, b: Play): number => a.ms - b.ms || a.region - b.region || a.file - b.file;
  const releasedInHorizon = new Set<number>();
  for (let t = firstRelease; t < TITLES; t++)
    if (releasedMs[t]! >= planAtMs && releasedMs[t]! < planAtMs + DAY_MS) releasedInHorizon.add(t);
  return {
    regime,
    regions,
    appliances: appliancesOf(regime, rng, regions),
    catalog,
    fileKeys,
    fileBytes: Float64Array.from(fileBytes),
    fileTitle: Int32Array.from(fileTitle),
    planAtMs,
    historyDays: HISTORY_DAYS,
    history,
    warmup: warmup.sort(byTime),
    plays: plays.sort(byTime),
    expected,
    releasedInHorizon,
  };
}

/** Per region and title: the back catalog's weight (Zipf x taste) and a release's launch weight. */
function titlePopularity(
  regime: Regime,
  rng: WorldRng,
  regions: number,
  firstRelease: number,
): { base: Float64Array[]; launch: Float64Array[] } {
  const rank = Array.from({ length: TITLES }, (_, i) => i + 1);
  for (let i = rank.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [rank[i], rank[j]] = [rank[j]!, rank[i]!];
  }
  const home = Int32Array.from({ length: TITLES }, () => (rng.uniform() < regime.regionalShare ? rng.below(regions) : -1));
  // A release starts near the top of the charts: as popular as a title ranked 1-50, twice over.
  const spike = Float64Array.from({ length: TITLES }, (_, t) => (t < firstRelease ? 0 : 2 * (1 + rng.below(50)) ** -regime.zipfAlpha));
  const base: Float64Array[] = [];
  const launch: Float64Array[] = [];
  for (let r = 0; r < regions; r++) {
    const taste = (t: number): number => (home[t] === -1 ? Math.exp(0.5 * rng.gaussian()) : home[t] === r ? regions : 0.02);
    base.push(Float64Array.from(rank, (k, t) => k ** -regime.zipfAlpha * taste(t)));
    launch.push(Float64Array.from(spike, (s, t) => s * (home[t] === -1 ? Math.exp(0.3 * rng.gaussian()) : home[t] === r ? regions : 0.02)));
  }
  return { base, launch };
}

function expectedBytes(weights: Float64Array, total: number, plays: number, fileBytes: readonly number[]): Float64Array {
  const out = new Float64Array(fileBytes.length);
  if (total <= 0) return out;
  for (let f = 0; f < out.length; f++) {
    const t = Math.floor(f / RUNGS_KBPS.length);
    out[f] = ((plays * weights[t]!) / total) * RUNG_PLAYS[f % RUNGS_KBPS.length]! * fileBytes[f]! * MEAN_WATCH;
  }
  return out;
}

function appliancesOf(regime: Regime, rng: WorldRng, regions: readonly string[]): Appliance[] {
  return regions.flatMap((region, r) =>
    Array.from(
      { length: PER_CLUSTER },
      (_, i): Appliance => ({
        id: `${region}-edge-${i}`,
        cluster: `cluster-${r}`,
        region,
        capacityBytes: regime.heterogeneous ? [1e11, 2e11, 3e11, 4e11][rng.below(4)]! : 2.5e11,
        fillGbps: regime.heterogeneous ? [0.4, 1.2][rng.below(2)]! : 1.2,
        serveGbps: regime.heterogeneous ? [10, 20][rng.below(2)]! : 10,
        fillWindow: { start: '02:00', end: '14:00', tz: ZONES[r]!.tz },
        state: regime.failures && i === PER_CLUSTER - 1 ? 'down' : regime.failures && i === PER_CLUSTER - 2 ? 'draining' : 'active',
      }),
    ),
  );
}
