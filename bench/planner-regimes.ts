/**
 * `npm run bench:planner`, first part: the fill planner judged on worlds it was not tuned on
 * (cdn-planner/sim/world/, which shares no code with the planner), one per regime. Per regime:
 * bytes served from the appliances (offload), against LRU and LFU pull-through caches of the
 * same disk, plain consistent hashing and two oracles (the day's expected rates; its realised
 * plays); origin egress against LRU's and LFU's with whole-file fetches and fills counted; the
 * worst cluster's peak/mean served load; the share of the bytes of titles released inside the
 * horizon that appliances served; how well the forecast ranked the day's files; and what the
 * world's own audit finds wrong with the plan (disk, fill windows, fill bandwidth, sources). Targets
 * are printed beside the figures; the worst regime of each closes the table.
 *
 *   npx tsx bench/planner-regimes.ts [--only 'sparse']
 */
import { parseArgs } from 'node:util';
import { indexCatalog } from '../cdn-planner/catalog-index.ts';
import { aggregateViews } from '../cdn-planner/demand.ts';
import { DAY_MS } from '../cdn-planner/units.ts';
import { planFill, planFromHistory } from '../cdn-planner/plan.ts';
import { auditPlan } from '../cdn-planner/sim/world/audit.ts';
import { generateWorld, REGIMES, type World } from '../cdn-planner/sim/world/generate.ts';
import {
  LfuCache,
  LruCache,
  realisedBytes,
  replayClusterCache,
  replayConsistentHashing,
  replayOracle,
  replayPlan,
  spearman,
  weightedError,
  type Outcome,
} from '../cdn-planner/sim/world/replay.ts';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = new RegExp(values.only ?? '');

interface Row {
  readonly regime: string;
  readonly dense: boolean;
  readonly ours: Outcome;
  readonly lru: Outcome;
  readonly lfu: Outcome;
  readonly hashing: Outcome;
  readonly expected: Outcome;
  readonly truth: Outcome;
  readonly rho: number;
  readonly wape: number;
  readonly planCpuS: number;
  /** Broken physical limits found by the world's own audit of the plan. */
  readonly violations: readonly string[];
}

const cpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function judge(world: World): Row {
  const { appliances, catalog } = world;
  // The day before, planned the same way and filled: what the appliances hold at midnight.
  const yesterday = planFill({ appliances, catalog, views: world.history(), at: new Date(world.planAtMs - DAY_MS).toISOString() });
  const holdings = yesterday.placements;
  const t0 = cpuS();
  const index = indexCatalog(catalog);
  const history = aggregateViews(world.history(), index, { endMs: world.planAtMs, days: 28 });
  const detail = planFromHistory({ appliances, index, history, holdings, atMs: world.planAtMs });
  const planCpuS = cpuS() - t0;
  const realised = realisedBytes(world);
  const order = world.fileKeys.map((k) => index.keyIndex.get(k) ?? -1);
  let rho = 0;
  let wape = 0;
  world.regions.forEach((region, r) => {
    const demand = detail.forecast.regions.get(region)?.fileDemand;
    const predicted = Float64Array.from(order, (f) => (f < 0 || demand === undefined ? 0 : demand[f]!));
    rho += spearman(predicted, realised[r]!) / world.regions.length;
    wape += weightedError(predicted, realised[r]!) / world.regions.length;
  });
  return {
    regime: world.regime.name,
    dense: world.regime.records === 'file-4h',
    ours: replayPlan(world, detail.plan, holdings),
    lru: replayClusterCache(world, 'LRU', (c) => new LruCache(c)),
    lfu: replayClusterCache(world, 'LFU', (c) => new LfuCache(c)),
    hashing: replayConsistentHashing(world),
    expected: replayOracle(world, 'oracle (expected)', world.expected),
    truth: replayOracle(world, 'oracle (next-day truth)', realised),
    rho,
    wape,
    planCpuS,
    violations: auditPlan(world, detail.plan, holdings),
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const offload = (o: Outcome): number => o.servedBytes / o.requestedBytes;
const rows: Row[] = [];
console.log(
  'bench:planner regimes: worlds from cdn-planner/sim/world (3,000 titles x 6 rungs, 4 regions x 8 appliances, 12 days of history, ' +
    'plan at midnight UTC, the next day replayed in time order)',
);
console.log(
  'regime            | offload: ours  LRU    LFU    hash   oracle(exp) oracle(truth) | ours/oracle(exp) | origin vs LRU  vs LFU | ' +
    'peak/mean | releases served (ours, LRU) | forecast rho, wape | plan CPU | violations',
);
for (const regime of REGIMES) {
  if (!only.test(regime.name)) continue;
  const row = judge(generateWorld(regime));
  rows.push(row);
  const rel = (o: Outcome): string => (o.releaseRequestedBytes > 0 ? pct(o.releaseServedBytes / o.releaseRequestedBytes) : 'n/a');
  console.log(
    `${row.regime.padEnd(17)} | ${[row.ours, row.lru, row.lfu, row.hashing].map((o) => pct(offload(o)).padStart(6)).join(' ')} ` +
      `${pct(offload(row.expected)).padStart(11)} ${pct(offload(row.truth)).padStart(13)} | ` +
      `${(offload(row.ours) / offload(row.expected)).toFixed(3).padStart(16)} | ` +
      `${(row.ours.originBytes / row.lru.originBytes).toFixed(2).padStart(13)}x ${(row.ours.originBytes / row.lfu.originBytes).toFixed(2).padStart(5)}x | ` +
      `${row.ours.peakToMean.toFixed(2).padStart(9)} | ${rel(row.ours).padStart(15)}, ${rel(row.lru).padStart(6)}    | ` +
      `${row.rho.toFixed(3)}, ${row.wape.toFixed(3)}       | ${row.planCpuS.toFixed(2).padStart(5)} s  | ${row.violations.length}`,
  );
  for (const v of row.violations.slice(0, 5)) console.log(`  violation: ${v}`);
}
if (rows.length > 0) {
  const worst = (pick: (r: Row) => number, lowIsBad = true): Row =>
    rows.reduce((a, b) => ((lowIsBad ? pick(b) < pick(a) : pick(b) > pick(a)) ? b : a));
  const vsLru = worst((r) => offload(r.ours) - offload(r.lru));
  const vsOracle = worst((r) => offload(r.ours) / offload(r.expected));
  const origin = worst((r) => r.ours.originBytes / r.lru.originBytes, false);
  const withReleases = rows.filter((r) => r.ours.releaseRequestedBytes > 0);
  const releases =
    withReleases.length === 0
      ? undefined
      : withReleases.reduce((a, b) =>
          b.ours.releaseServedBytes / b.ours.releaseRequestedBytes < a.ours.releaseServedBytes / a.ours.releaseRequestedBytes ? b : a,
        );
  console.log(
    `worst vs LRU: ${vsLru.regime} ours ${pct(offload(vsLru.ours))} vs ${pct(offload(vsLru.lru))} (target: more than LRU in every regime)`,
  );
  console.log(
    `worst share of the expected-demand oracle: ${vsOracle.regime} ${(offload(vsOracle.ours) / offload(vsOracle.expected)).toFixed(3)} ` +
      '(target >= 0.95 in dense regimes)',
  );
  console.log(
    `worst origin vs LRU: ${origin.regime} ${(origin.ours.originBytes / origin.lru.originBytes).toFixed(2)}x (target <= 0.8x dense, <= 1x sparse)`,
  );
  if (releases !== undefined)
    console.log(
      `worst release bytes served: ${releases.regime} ${pct(releases.ours.releaseServedBytes / releases.ours.releaseRequestedBytes)} (target >= 90%)`,
    );
  const broken = rows.reduce((s, r) => s + r.violations.length, 0);
  console.log(`capacity, window, bandwidth and source violations: ${broken} (target: none)`);
  console.log(`slowest plan: ${Math.max(...rows.map((r) => r.planCpuS)).toFixed(2)} s CPU (target < 10 s)`);
}
