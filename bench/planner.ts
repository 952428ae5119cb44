/**
 * CDN planner benchmark, second part: scale. 20,000 titles x 8 files, 500 appliances in 25
 * clusters, 30 days of views: planning time on one core, peak memory, and placements moved
 * when one appliance joins or leaves. Offload and origin traffic are judged by the first part
 * (bench/planner-regimes.ts) on worlds the planner shares no code with; this trace is the
 * planner's own simulator's, so its offload figures are not printed. A benchmark, not a test.
 *
 *   npx tsx bench/planner.ts [--requests 40000] [--eval-days 1] [--seed 1]
 */
import { loadavg } from 'node:os';
import { availableParallelism } from 'node:os';
import { resourceUsage } from 'node:process';
import { parseArgs } from 'node:util';
import { simulate } from '../cdn-planner/sim/simulate.ts';

const { values } = parseArgs({
  options: { requests: { type: 'string' }, 'eval-days': { type: 'string' }, seed: { type: 'string' } },
});
const options = {
  seed: Number(values.seed ?? 1),
  titles: 20_000,
  filesPerTitle: 8,
  regions: 25,
  appliancesPerCluster: 20,
  historyDays: 30,
  evalDays: Number(values['eval-days'] ?? 1),
  requestsPerRegionDay: Number(values.requests ?? 40_000),
  zipfAlpha: 0.9,
  releasesPerDay: 10,
  cacheFraction: 0.2,
};

let peakHeap = 0;
const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 200);
const t0 = performance.now();
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const r = simulate(options, {
  wall: () => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    return performance.now();
  },
  cpu: cpuMs,
});
const wall = performance.now() - t0;
clearInterval(sampler);
peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

const f = (x: number, d = 3) => x.toFixed(d);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const tb = (b: number) => `${(b / 1e12).toFixed(1)} TB`;
const planS = r.planner.planMs.map((ms) => ms / 1000);
const planCpuS = r.planner.planCpuMs.map((ms) => ms / 1000);
const [load1] = loadavg();
const N = r.moved.appliancesPerCluster;
const lines = [
  `vodforge planner benchmark: ${r.scenario.titles} titles x ${options.filesPerTitle} files (${r.scenario.files}), ` +
    `${r.scenario.appliances} appliances in ${r.scenario.regions} clusters, ` +
    `${r.scenario.historyDays} days of views (${r.scenario.requests} plays replayed, ${tb(r.scenario.requestedBytes)})`,
  `planning time (forecast + placement + schedule, one plan): CPU ${planCpuS.map((s) => `${f(s, 2)} s`).join(', ')}  ` +
    `(target < 10 s on one core: ${f(Math.max(...planCpuS) / 10, 2)}x of budget); ` +
    `wall ${planS.map((s) => `${f(s, 2)} s`).join(', ')} (load average ${f(load1 ?? 0, 1)} on ${availableParallelism()} cores)`,
  `peak memory: maxRSS ${(resourceUsage().maxRSS / 1024).toFixed(0)} MB, peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MB (whole simulation incl. trace)`,
  `moved placements, one appliance added: ${pct(r.moved.add)} = ${f(r.moved.add * N, 2)}/N (ideal ${f(r.moved.addIdeal * N, 2)}/N, target <= 1.1/N); ` +
    `removed: ${pct(r.moved.remove)} = ${f(r.moved.remove * N, 2)}/N (ideal ${f(r.moved.removeIdeal * N, 2)}/N)`,
  `wall time: ${f(wall / 1000, 1)} s`,
];
process.stdout.write(`${lines.join('\n')}\n`);
