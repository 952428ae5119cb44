/**
 * `npm run bench:fleet`: a fleet measured, not assumed (issue 19). One 1080p30 master of real
 * footage (BENCH_FLEET_DURATION_S, 60 s by default) goes through the API to `ready` on 1, 2 and
 * 4 `vodforge worker` processes, each pinned to one core (`taskset`) with one x264 thread per
 * rung and the chunk plan balanced over the fleet (BENCH_FLEET_LADDER: `per-title`, the
 * default, or `fixed`). From every encode-chunk's run time and length, and the other steps'
 * measured times, bench/fleet-projection.ts computes the critical path of a 2-hour 1080p title
 * on fleets of 1 to 200 one-core workers.
 */
import { sampleOptions } from '../workers/jobs/ladder-analysis.ts';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_ENCODE_SETTINGS } from '../ffmpeg/encode-settings.ts';
import { probeMaster, videoExtentS, type ProbeResult } from '../ffmpeg/probe.ts';
import { chooseSampleWindows } from '../ladder/sample-windows.ts';
import { planScanBursts } from '../ladder/scan-bursts.ts';
import { startRedisServer } from '../orchestrator/runtime/children.ts';
import { CHUNK_OVERHEAD_S } from '../pipeline/chunks.ts';
import { packetIndex } from '../workers/measure/keyframes.ts';
import {
  chunkCostModel,
  chunkRate,
  projectTitle,
  scaledCosts,
  type JobCosts,
  type MeasuredTitle,
  type TitleShape,
} from './fleet-projection.ts';
import { betweenJobsS, chunkCpuRate, f1, fleetTable, fleetText, projectionTable } from './fleet-report.ts';
import { runFleet, type FleetRun } from './fleet-run.ts';
import { mixedRealMaster } from './pipeline-masters.ts';

const DURATION_S = Number(process.env.BENCH_FLEET_DURATION_S ?? 60);
const LADDER = process.env.BENCH_FLEET_LADDER === 'fixed' ? 'fixed' : 'per-title';
const FLEETS = [1, 2, 4];
const PROJECTED = [1, 10, 50, 100, 200];
const TITLE_S = 7200;
const TARGET = { workers: 100, minutes: 10 };
/** The analysis' sampling, as the sample jobs use it. */
const SAMPLING = sampleOptions(DEFAULT_ENCODE_SETTINGS);

/** A title of `durationS` as the pipeline chunks it. */
const shape = (durationS: number, frameRate = { num: 30, den: 1 }): TitleShape => ({
  durationS,
  frameRate,
  segmentS: DEFAULT_ENCODE_SETTINGS.segmentS,
  gopS: DEFAULT_ENCODE_SETTINGS.gopS,
  chunkSegments: DEFAULT_ENCODE_SETTINGS.chunkSegments,
});

/** Seconds of a title the analysis scan decodes: bursts from keyframes, or the whole title. */
function scannedS(durationS: number, keyframesS: readonly number[]): number {
  const bursts = planScanBursts({ durationS, keyframesS }, { burstS: SAMPLING.windowS });
  return bursts === undefined ? durationS : bursts.reduce((s, b) => s + b.durationS, 0);
}

/** The measured title's costs: of each job, the longest run over `fleets`, with its CPU. */
function measuredTitle(
  fleets: readonly FleetRun[],
  durationS: number,
  scanned: number,
): Omit<MeasuredTitle, 'chunkOverheadS' | 'chunkSPerMediaS'> {
  const worst = (job: string): { runS: number; cpuS: number } =>
    fleets
      .map((r) => ({ runS: Math.max(0, ...(r.jobs[job] ?? [])), cpuS: r.view.cpuS[job] ?? 0 }))
      .reduce((w, x) => (x.runS > w.runS ? x : w), { runS: 0, cpuS: 0 });
  // A window's sizes may be split over jobs: its cost is theirs summed (fleet-run.ts).
  const longest = (r: FleetRun): number => Math.max(0, ...r.sampleWindows.map((w) => w.runS));
  const windows = fleets.reduce((w, r) => (longest(r) > longest(w) ? r : w)).sampleWindows;
  const [probe, audio, pkg] = [worst('probe'), worst('encode-audio'), worst('package')];
  return {
    durationS,
    scannedS: scanned,
    sampleWindowS: windows[0]?.durationS ?? 0,
    probeS: probe.runS,
    probeCpuS: probe.cpuS,
    sampleS: Math.max(0, ...windows.map((w) => w.runS)),
    samples: windows.length,
    buildLadderS: worst('build-ladder').runS,
    audioS: audio.runS,
    audioCpuS: audio.cpuS,
    packageS: pkg.runS,
    packageCpuS: pkg.cpuS,
    betweenJobsS: Math.max(0, ...fleets.map(betweenJobsS)),
  };
}

async function main(): Promise<void> {
  if (spawnSync('taskset', ['-V']).error !== undefined) throw new Error('bench:fleet needs taskset (util-linux)');
  const cores = os.availableParallelism();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-fleet-'));
  const master = await mixedRealMaster(dir, { width: 1920, height: 1080 }, DURATION_S);
  const probe = await probeMaster(master.file);
  const redis = await startRedisServer(dir);
  console.log(`bench:fleet: ${master.description}, preset ${DEFAULT_ENCODE_SETTINGS.preset}, ${LADDER} ladder, one x264 thread per rung`);
  console.log(`  ${cores} cores; worker i pinned to core i mod ${cores}; load average ${os.loadavg()[0]?.toFixed(1)} at the start`);
  const runs: FleetRun[] = [];
  for (const workers of FLEETS) {
    const r = await runFleet({ redisUrl: redis.url, dir, master: master.file, workers, cores, ladderPolicy: LADDER });
    runs.push(r);
    console.log(`\n${fleetText(r, cores)}`);
  }
  await redis.stop();
  console.log(`\n  load average ${os.loadavg()[0]?.toFixed(1)} at the end (other processes share these cores)\n${fleetTable(runs, cores)}`);
  const topRung = Math.max(0, ...runs.flatMap((r) => (r.view.ladder ?? []).map((g) => g.height)));
  if (topRung < probe.video.height) {
    console.log(
      `  NOTE: the ladder stops at ${topRung}p on this footage (low-resolution clips scaled up): a title with 1080p rungs costs more per second`,
    );
  }
  // The packet index the probe job reads: the keyframes the scan starts from, and the video's end (its extent plans the chunks).
  const packets = await packetIndex(master.file, probe.video.startTimeS, probe.durationS);
  const video = { ...probe.video, ...(packets.endS === undefined ? {} : { endS: packets.endS }) };
  project(runs, cores, { ...probe, video }, packets.keyframesS);
  await rm(dir, { recursive: true, force: true });
}

/** The chunk model and the other steps' costs from the fleets `runs`, and the 2-hour title on the fleets of {@link PROJECTED}. */
function project(runs: readonly FleetRun[], cores: number, probe: ProbeResult, keyframesS: readonly number[]): void {
  // Costs from the fleets whose workers each had a core of their own.
  const oneCore = runs.filter((r) => r.workers <= cores);
  const model = chunkCostModel(
    oneCore.map((r) => r.chunks),
    CHUNK_OVERHEAD_S,
  );
  const measured: MeasuredTitle = {
    ...measuredTitle(oneCore, probe.durationS, scannedS(probe.durationS, keyframesS)),
    chunkOverheadS: model.chunkOverheadS,
    chunkSPerMediaS: model.chunkSPerMediaS,
  };
  const sampled = chooseSampleWindows({ durationS: probe.durationS }, SAMPLING);
  const fitText = model.fit === undefined ? 'no fit (one chunk length)' : `fit a ${f1(model.fit.a)} s, b ${model.fit.b.toFixed(2)} s/s`;
  console.log(
    `\n  chunk model: ${f1(measured.chunkOverheadS)} + ${measured.chunkSPerMediaS.toFixed(2)} x length s on one core` +
      `\n    through the worst of the N=${oneCore.map((r) => r.workers).join(',')} fleets' rates (${model.rate.toFixed(2)} s/s)` +
      ` at its mean chunk length; ${fitText} over their chunks;` +
      (model.overheadFrom === 'fit'
        ? ' overhead: the fit'
        : ` overhead ASSUMED: the chunk planner's ${CHUNK_OVERHEAD_S} s of media per chunk (pipeline/chunks.ts)`) +
      `\n    other steps (longest of those fleets): probe ${f1(measured.probeS)} s (cpu ${f1(measured.probeCpuS)} s, scan of` +
      ` ${f1(measured.scannedS)} s), ${measured.samples} sample window(s) of ${measured.sampleWindowS} s: ${f1(measured.sampleS)} s each,` +
      ` build-ladder ${f1(measured.buildLadderS)} s, audio ${f1(measured.audioS)} s (cpu ${f1(measured.audioCpuS)} s),` +
      ` package ${f1(measured.packageS)} s (cpu ${f1(measured.packageCpuS)} s), between jobs ${f1(measured.betweenJobsS)} s` +
      (LADDER === 'per-title' && (sampled.length !== measured.samples || sampled[0]?.durationS !== measured.sampleWindowS)
        ? `\n    WARNING: ${measured.samples} windows measured, ${sampled.length} from SAMPLING: update bench/fleet.ts`
        : ''),
  );
  for (const r of oneCore) {
    // Chunked over the video's extent, as the pipeline plans it (`enqueueEncode`), not the container's duration.
    const m = projectTitle(shape(videoExtentS(probe), probe.video.frameRate), measured, r.workers);
    console.log(
      `    check, the measured title on ${r.workers} worker(s): model ${f1(m.totalS)} s, ${m.chunks} chunk(s);` +
        ` measured ${f1(r.wallS - r.uploadS)} s from upload to ready, ${r.chunks.length} chunk(s)`,
    );
  }

  // The 2-hour title: its scan (keyframes every gopS, as the pipeline's own outputs) and sample windows, from the planners.
  const keyframes = Array.from({ length: TITLE_S / DEFAULT_ENCODE_SETTINGS.gopS }, (_, i) => i * DEFAULT_ENCODE_SETTINGS.gopS);
  const windows = LADDER === 'per-title' ? chooseSampleWindows({ durationS: TITLE_S }, SAMPLING) : [];
  const to = {
    durationS: TITLE_S,
    scannedS: scannedS(TITLE_S, keyframes),
    samples: windows.length,
    sampleWindowS: windows[0]?.durationS ?? 0,
  };
  const costs = scaledCosts(measured, to, 'cpu');
  // The chunk model at another rate per media second, with the same share of overhead.
  const atRate = (c: JobCosts, rate: number): JobCosts => ({
    ...c,
    chunkOverheadS: (c.chunkOverheadS * rate) / model.rate,
    chunkSPerMediaS: (c.chunkSPerMediaS * rate) / model.rate,
  });
  const cpuRate = Math.max(...oneCore.map(chunkCpuRate));
  const slowest = runs.reduce((w, r) => (chunkRate(r.chunks) > chunkRate(w.chunks) ? r : w));
  const worstCase = atRate(scaledCosts(measured, to, 'linear'), Math.max(model.rate, chunkRate(slowest.chunks)));
  const byDuration = f1(TITLE_S / measured.durationS);
  console.log(
    `\n  projection, a 2-hour 1080p30 title from upload to ready (the upload itself excluded):` +
      `\n    probe ${f1(costs.probeS)} s (its cpu x ${f1(to.scannedS / measured.scannedS)}: scan of ${f1(to.scannedS)} s),` +
      ` ${to.samples} sample jobs of ${f1(costs.sampleS)} s (a window's sizes not split over workers),` +
      ` build-ladder ${f1(costs.buildLadderS)} s, audio ${f1(costs.audioS)} s and package ${f1(costs.packageS)} s` +
      ` (their cpu x ${byDuration}, the rest as measured); chunks by the model above, in queue order` +
      `\n    cores of their own: chunks at the worst one-core fleet's chunk CPU rate (${cpuRate.toFixed(2)} s/s) instead of its wall rate,` +
      ` other steps as above (this machine is shared: wall time includes waiting for a core)` +
      `\n    worst case: chunks at the slowest fleet's rate (N=${slowest.workers}${slowest.workers > cores ? ', two workers per core' : ''},` +
      ` ${f1(worstCase.chunkOverheadS)} + ${worstCase.chunkSPerMediaS.toFixed(2)} x length s), probe, audio and package whole x ${byDuration}` +
      ` (probe ${f1(worstCase.probeS)} s, package ${f1(worstCase.packageS)} s)`,
  );
  const title = shape(TITLE_S);
  console.log(
    projectionTable(
      PROJECTED.map((n) => ({
        main: projectTitle(title, costs, n),
        dedicated: projectTitle(title, atRate(costs, cpuRate), n),
        worst: projectTitle(title, worstCase, n),
      })),
      TARGET,
    ),
  );
}

await main();
