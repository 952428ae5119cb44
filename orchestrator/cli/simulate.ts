/**
 * `vodforge simulate`: generates a deterministic trace, plans each replayed day from the days
 * before it, and prints the planner against LRU, plain consistent hashing and the oracle.
 */
import { parseArgs } from 'node:util';
import { PlannerError } from '../../cdn-planner/index.ts';
import { simulate, type SimulationOptions, type SimulationReport } from '../../cdn-planner/sim/simulate.ts';

const FLAGS = {
  seed: 'seed',
  regions: 'regions',
  'appliances-per-cluster': 'appliancesPerCluster',
  titles: 'titles',
  'files-per-title': 'filesPerTitle',
  'history-days': 'historyDays',
  'eval-days': 'evalDays',
  requests: 'requestsPerRegionDay',
  alpha: 'zipfAlpha',
  'releases-per-day': 'releasesPerDay',
  'cache-fraction': 'cacheFraction',
  'load-factor': 'loadFactor',
} as const satisfies Record<string, keyof SimulationOptions>;

const USAGE = `usage: vodforge simulate [--seed 1] [--regions 4] [--appliances-per-cluster 8] [--titles 2000]
                         [--files-per-title 8] [--history-days 14] [--eval-days 2] [--requests 20000]
                         [--alpha 0.9] [--releases-per-day 4] [--cache-fraction 0.2] [--load-factor 1.25] [--json]
`;

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' as const }]));
    ({ values } = parseArgs({
      args: argv,
      options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`vodforge simulate: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const opts: Record<string, number> = {};
  for (const [flag, key] of Object.entries(FLAGS)) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const v = Number(raw);
    if (!Number.isFinite(v)) {
      process.stderr.write(`vodforge simulate: Expected \`--${flag}\` to be a number, got ${JSON.stringify(raw)}\n`);
      return 2;
    }
    opts[key] = v;
  }
  try {
    const report = simulate(opts as SimulationOptions, () => performance.now());
    process.stdout.write(values.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return 0;
  } catch (err) {
    if (err instanceof PlannerError) {
      process.stderr.write(`vodforge simulate: ${err.code}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

export function formatReport(r: SimulationReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const tb = (b: number) => `${(b / 1e12).toFixed(1)} TB`;
  const row = (name: string, s: SimulationReport['plainHashing']) =>
    `  ${name.padEnd(16)} offload ${pct(s.offload).padStart(6)}  origin ${tb(s.originBytes).padStart(9)}  ` +
    `peak/mean load worst ${s.peakToMeanLoad.toFixed(2)} mean ${s.meanPeakToMeanLoad.toFixed(2)}`;
  const sc = r.scenario;
  return [
    `trace: ${sc.titles} titles, ${sc.files} files, ${sc.regions} regions, ${sc.appliances} appliances, ` +
      `${sc.historyDays} days history, ${sc.evalDays} replayed, ${sc.requests} plays (${tb(sc.requestedBytes)})`,
    row('planner', r.planner),
    row('LRU pull-through', r.lru),
    row('plain hashing', r.plainHashing),
    `  ${'oracle'.padEnd(16)} offload ${pct(r.oracle.offload).padStart(6)}`,
    `planner/oracle offload ${(r.planner.offload / r.oracle.offload).toFixed(3)}; ` +
      `origin serving traffic LRU/planner ${(r.lru.originBytes / r.planner.originBytes).toFixed(2)}x ` +
      `(ceiling at this disk, LRU/oracle ${(r.lru.originBytes / r.oracle.originBytes).toFixed(2)}x); ` +
      `planner fills off-peak: ${tb(r.planner.fillOriginBytes)} from origin, ${tb(r.planner.fillPeerBytes)} from peers`,
    `predicted peak/mean load (bound c) ${r.planner.predictedPeakToMeanLoad.toFixed(3)}`,
    `rank correlation (Spearman) predicted vs actual next-day demand per file: ${r.spearman.toFixed(3)}`,
    `moved on one appliance added: ${pct(r.moved.add)} (ideal ${pct(r.moved.addIdeal)}), ` +
      `removed: ${pct(r.moved.remove)} (ideal ${pct(r.moved.removeIdeal)}), N=${r.moved.appliancesPerCluster}`,
    '',
  ].join('\n');
}
