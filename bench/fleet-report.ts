/** What `bench:fleet` prints of the fleets it ran: each title's timeline, and the fleets side by side. */
import { chunkRate, type Projection } from './fleet-projection.ts';
import type { FleetRun } from './fleet-run.ts';

export const f1 = (x: number): string => x.toFixed(1);

/** The steps of the critical path, in order; the encode jobs run side by side. */
/**
 * The critical path's steps in order. The sound and subtitles start with the probe, beside
 * the analysis: they end the encode step when they end after its chunks (`package` waits for
 * them), but do not start it.
 */
const STEPS: readonly { readonly jobs: readonly string[]; readonly alsoEndedBy?: readonly string[] }[] = [
  { jobs: ['probe'] },
  { jobs: ['sample'] },
  { jobs: ['build-ladder'] },
  { jobs: ['encode-chunk'], alsoEndedBy: ['encode-audio', 'extract-subtitles'] },
  { jobs: ['package'] },
];

/** Seconds between the critical path's steps that no job ran in (queue hops, a flow parent waking), from the title's timeline. */
export function betweenJobsS(r: FleetRun): number {
  const phases = r.view.timeline?.phases ?? [];
  const edge = (jobs: readonly string[], pick: 'first' | 'last'): number | undefined => {
    const xs = phases.filter((p) => jobs.includes(p.job)).map((p) => (pick === 'first' ? p.firstStartS : p.lastEndS));
    if (xs.length === 0) return undefined;
    return pick === 'first' ? Math.min(...xs) : Math.max(...xs);
  };
  let gapS = 0;
  let prevEnd: number | undefined;
  for (const step of STEPS) {
    const start = edge(step.jobs, 'first');
    if (start !== undefined && prevEnd !== undefined) gapS += Math.max(0, start - prevEnd);
    prevEnd = edge([...step.jobs, ...(step.alsoEndedBy ?? [])], 'last') ?? prevEnd;
  }
  return gapS;
}

/** A fleet's title: its ladder and every step as the title's timeline recorded it, with the step's CPU. */
export function fleetText(r: FleetRun, cores: number): string {
  const t = r.view;
  const shared = r.workers > cores ? `: ${Math.ceil(r.workers / cores)} workers share each core, NOT one core each` : '';
  const phases = (t.timeline?.phases ?? []).map(
    (p) =>
      `      ${p.job.padEnd(14)} x${String(p.runs).padEnd(3)} ${f1(p.firstStartS).padStart(6)} -> ${f1(p.lastEndS).padStart(6)} s` +
      `  longest ${f1(p.longestS).padStart(6)} s  cpu ${f1(t.cpuS[p.job] ?? 0).padStart(6)} s`,
  );
  return [
    `  ${r.workers} worker(s) on core(s) ${r.cores.join(',')}${shared}`,
    `    ladder ${(t.ladder ?? []).map((g) => `${g.height}p@${g.bitrateKbps}k`).join(' ')}`,
    `    timeline (s from the title's creation; upload ${f1(r.uploadS)} s):`,
    ...phases,
    `      critical path (a worker free for every job): ${f1(t.timeline?.criticalPathS ?? NaN)} s`,
  ].join('\n');
}

/** CPU seconds the fleet's chunk encodes took per second of media: what they would run in on cores of their own. */
export function chunkCpuRate(r: FleetRun): number {
  return (r.view.cpuS['encode-chunk'] ?? NaN) / r.chunks.reduce((s, c) => s + c.lengthS, 0);
}

/** The fleets side by side, then the worst chunk and the slowest fleet. */
export function fleetTable(runs: readonly FleetRun[], cores: number): string {
  const base = runs[0];
  if (base === undefined) return '';
  const perChunk = (r: FleetRun): number[] => r.chunks.map((c) => c.runS / c.lengthS);
  const rows = runs.map((r) => {
    const worst = r.chunks.reduce((w, c) => (c.runS > w.runS ? c : w));
    const meanS = r.chunks.reduce((s, c) => s + c.runS, 0) / r.chunks.length;
    return (
      `  ${String(r.workers).padStart(9)} | ${String(new Set(r.cores).size).padStart(5)} | ${f1(r.wallS).padStart(11)} s` +
      ` | ${(base.wallS / r.wallS).toFixed(2).padStart(7)}x | ${String(r.chunks.length).padStart(6)}` +
      ` | ${f1(meanS).padStart(6)} / ${f1(worst.runS).padStart(6)} s (#${worst.index}, ${f1(worst.lengthS)} s of media)` +
      ` | ${chunkRate(r.chunks).toFixed(2).padStart(5)} / ${Math.max(...perChunk(r))
        .toFixed(2)
        .padStart(5)}` +
      ` | ${chunkCpuRate(r).toFixed(2).padStart(5)}${r.workers > cores ? '   cores shared' : ''}`
    );
  });
  const worstChunk = runs
    .flatMap((r) => r.chunks.map((c) => ({ ...c, workers: r.workers })))
    .reduce((w, c) => (c.runS / c.lengthS > w.runS / w.lengthS ? c : w));
  const slowest = runs.reduce((w, r) => (chunkRate(r.chunks) > chunkRate(w.chunks) ? r : w));
  return [
    '  N workers | cores | wall to ready | speed-up | chunks | chunk run s: mean / worst              ' +
      '| run s per media s: all / worst chunk | cpu s per media s',
    ...rows,
    `  worst chunk: #${worstChunk.index} on ${worstChunk.workers} worker(s), ${f1(worstChunk.runS)} s for ${f1(worstChunk.lengthS)} s of media` +
      ` (${(worstChunk.runS / worstChunk.lengthS).toFixed(2)} s/s); slowest fleet per worker: N=${slowest.workers}` +
      ` (${chunkRate(slowest.chunks).toFixed(2)} s/s)`,
  ].join('\n');
}

/** The projected fleets, one row each, then the target's line. */
export function projectionTable(
  rows: readonly { main: Projection; dedicated: Projection; worst: Projection }[],
  target: { workers: number; minutes: number },
): string {
  const min = (p: Projection): string => `${f1(p.totalS / 60)} min`;
  const at = rows.find((r) => r.main.workers === target.workers);
  return [
    '  N workers | chunks x length | analysis s | encode s | critical path | cores of their own | worst case',
    ...rows.map(
      ({ main: p, dedicated, worst }) =>
        `  ${String(p.workers).padStart(9)} | ${String(p.chunks).padStart(6)} x ${f1(p.longestChunkMediaS).padStart(4)} s` +
        ` | ${f1(p.analysisS).padStart(10)} | ${f1(p.encodeS).padStart(8)} | ${min(p).padStart(13)} | ${min(dedicated).padStart(18)}` +
        ` | ${min(worst).padStart(10)}`,
    ),
    at === undefined
      ? ''
      : `  2-hour 1080p title on ${target.workers} one-core workers: ${min(at.main)} (target < ${target.minutes} min);` +
        ` on cores of their own ${min(at.dedicated)}; worst case ${min(at.worst)}`,
  ].join('\n');
}
