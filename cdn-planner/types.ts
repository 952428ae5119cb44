/** Domain types shared by the planner modules. All byte counts are bytes, all times UTC ms or ISO-8601. */

export type ApplianceState = 'active' | 'draining' | 'down';

/** Local off-peak period during which an appliance may be filled, e.g. 02:00-14:00 America/Chicago. */
export interface FillWindow {
  /** Local wall-clock start, `HH:MM` (24 h). */
  readonly start: string;
  /** Local wall-clock end, `HH:MM`; earlier than `start` means the window crosses midnight. */
  readonly end: string;
  /** IANA time zone name. */
  readonly tz: string;
}

export interface Appliance {
  readonly id: string;
  readonly cluster: string;
  /** Region whose players this appliance serves; every appliance of a cluster shares it. */
  readonly region: string;
  readonly capacityBytes: number;
  /** Fill bandwidth cap in gigabits per second (1 Gbps = 1e9 bit/s). */
  readonly fillGbps: number;
  /**
   * What it can stream to players at its peak, Gbps. A file gets a second copy in a cluster
   * only when its predicted peak-hour traffic needs more than one appliance can serve.
   * @defaultValue unknown: one copy per file, and the plan's summary says so
   */
  readonly serveGbps?: number;
  readonly fillWindow: FillWindow;
  /** `draining` and `down` appliances receive no placements and no fills. */
  readonly state: ApplianceState;
  /**
   * Where players fetch from it, an http(s) URL; an object `key` it holds is served at
   * `<baseUrl>/<key>`. Needed only for steering. @defaultValue none (never steered to)
   */
  readonly baseUrl?: string;
}

export interface CatalogFile {
  /** Object key, unique across the catalog. */
  readonly key: string;
  readonly bytes: number;
}

export interface CatalogTitle {
  readonly titleId: string;
  /** ISO-8601 instant from which the title may be played. */
  readonly releasedAt: string;
  readonly files: readonly CatalogFile[];
}

/**
 * One line of view history: `bytes` served for a title to players of `region` at `ts`.
 * `key` is an optional extension: when present the bytes belong to that file of the title,
 * otherwise they are spread over the title's files in proportion to their size.
 */
export interface ViewRecord {
  readonly ts: string;
  readonly titleId: string;
  readonly region: string;
  readonly bytes: number;
  readonly key?: string;
}

/** What each appliance holds now: applianceId to keys. */
export type Holdings = Readonly<Record<string, readonly string[]>>;

export interface Fill {
  readonly applianceId: string;
  readonly key: string;
  readonly bytes: number;
  /** ISO-8601 UTC. */
  readonly startAt: string;
  /** ISO-8601 UTC. */
  readonly endAt: string;
  /** Appliance id of a peer in the same cluster that holds the file, or `origin`. */
  readonly source: string;
}

/**
 * An eviction. The executor runs an appliance's evictions, in listed order, before that
 * appliance's first fill: the schedule assumes their room is free from the first fill on.
 */
export interface Eviction {
  readonly applianceId: string;
  readonly key: string;
}

export interface ClusterStats {
  readonly cluster: string;
  readonly region: string;
  readonly activeAppliances: number;
  readonly capacityBytes: number;
  readonly placedBytes: number;
  /** Distinct files placed in the cluster. */
  readonly placedFiles: number;
  /** Files placed on more than one appliance. */
  readonly replicatedFiles: number;
  /** Files with predicted demand that did not fit and stay at the origin. */
  readonly filesLeftAtOrigin: number;
  readonly bytesToFill: number;
  readonly bytesFromOrigin: number;
  readonly fills: number;
  readonly evictions: number;
  /** Sum over appliances of fill time, in hours of their windows. */
  readonly windowHoursUsed: number;
  /** Days (24 h from `at`) until the last fill of the cluster ends. */
  readonly fillDays: number;
  /** Predicted bytes served by the cluster over the next day. */
  readonly predictedDemandBytes: number;
  /** Predicted fraction of the cluster's demand served by its appliances (not the origin). */
  readonly expectedOffload: number;
  /** Max over active appliances of (predicted traffic / capacity share) divided by the mean. */
  readonly peakToMeanLoad: number;
  /** The same ratio for bytes placed. */
  readonly peakToMeanBytes: number;
  /** Predicted peak-hour traffic of the busiest appliance, Gbps. */
  readonly peakApplianceGbps: number;
}

export interface PlanStats {
  readonly at: string;
  /** What the plan could not model and how it chose instead, e.g. one copy per file without `serveGbps`. */
  readonly notes: readonly string[];
  readonly model: string;
  readonly loadFactor: number;
  readonly clusters: readonly ClusterStats[];
  /** Adds that could not be scheduled within the horizon (a file larger than a whole window). */
  readonly unscheduled: number;
}

export interface Plan {
  readonly placements: Readonly<Record<string, readonly string[]>>;
  readonly fills: readonly Fill[];
  readonly evictions: readonly Eviction[];
  /**
   * For files placed on more than one appliance of a cluster: applianceId to key to the share
   * (0-1) of the file's predicted traffic in that cluster that appliance is to serve. Steering
   * weights its choice between copies by it; a key missing here is served evenly by its copies.
   */
  readonly shares?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly stats: PlanStats;
}
