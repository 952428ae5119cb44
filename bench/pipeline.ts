/**
 * `npm run bench:pipeline`: the whole pipeline (upload → probe → per-title analysis → chunk
 * encodes → audio → package, through the API, BullMQ on a real redis-server, local storage)
 * on real and generated masters, each next to ONE plain ffmpeg command encoding the ladder the
 * title shipped (same rungs, rates and x264 settings, same audio) in this same script. The
 * figure is pipeline/plain wall time, analysis included: the median of alternated pairs per
 * title, and the worst title. Then the cost of a studio master's extra audio and subtitle
 * tracks (bench/tracks.ts), a short title's time to ready behind a long one
 * (bench/fairness.ts), and a supervisor killed mid-title (bench/supervisor-crash.ts).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startRedisServer } from '../orchestrator/runtime/children.ts';
import { createApi, startWorker } from '../orchestrator/runtime/services.ts';
import type { RuntimeConfig } from '../orchestrator/config.ts';
import type { App } from '../orchestrator/deps.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../ffmpeg/encode-settings.ts';
import { probeMaster } from '../ffmpeg/probe.ts';
import { getTitle, ingest, waitForArtwork, waitForFinalEvent, waitForRungQuality } from '../test/support/api.ts';
import { actAsAdmin } from '../test/support/stack.ts';
import { measure, type Measured } from './cpu.ts';
import { benchSupervisorCrash } from './supervisor-crash.ts';
import { benchTracks } from './tracks.ts';
import { benchFairness } from './fairness.ts';
import { benchMasters, generatedMaster, type BenchMaster } from './pipeline-masters.ts';
import { plainLadder } from './plain-ladder.ts';

const WORKERS = Number(process.env.BENCH_WORKERS ?? os.availableParallelism());
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 60);
/** Plain/pipeline pairs per title, alternated. */
const REPS = Number(process.env.BENCH_REPS ?? 2);
/** Runs only the masters whose name matches (`generated`, `mixed-real`, `vtest`). */
const ONLY = new RegExp(process.env.BENCH_ONLY ?? '');
/** Issue 19's target, for every title of 60 s or more. */
const TARGET = 1.1;

interface TitleResult {
  readonly master: BenchMaster;
  readonly durationS: number;
  readonly pairs: readonly { plain: Measured; pipeline: Measured }[];
  readonly ladders: readonly string[];
  readonly timeline: string;
}

const median = (xs: readonly number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 === 1 ? (v[(v.length - 1) / 2] ?? NaN) : ((v[v.length / 2 - 1] ?? NaN) + (v[v.length / 2] ?? NaN)) / 2;
};

async function runPipeline(app: App, file: string): Promise<Measured & { id: string; ladder: string }> {
  // On the title's event stream: the time ends when `ready` is published, as the plain
  // ffmpeg's ends when its process does, and nothing polls the API meanwhile (reading the title
  // every 50 ms took 0.45 s of CPU from a 10 s run on two cores).
  const m = await measure(async () => waitForFinalEvent(app, await ingest(app, file)));
  if (m.result.state !== 'ready') throw new Error(`pipeline failed: ${JSON.stringify(m.result.error)}`);
  // The rungs' quality measurement and the artwork run on after `ready` (players do not wait
  // for them): let them end before the next run, outside the timing.
  const q = await waitForRungQuality(app, m.result.id);
  if (q.rungQuality?.status !== 'measured') throw new Error(`rung quality not measured: ${JSON.stringify(q.rungQuality)}`);
  await waitForArtwork(app, m.result.id);
  const ladder = (m.result.ladder ?? []).map((r) => `${r.width}x${r.height}@${r.bitrateKbps}k/crf${r.crf ?? '-'}`).join(' ');
  return { ...m, id: m.result.id, ladder };
}

async function timelineText(app: App, id: string): Promise<string> {
  const t = await getTitle(app, id);
  const phases = (t.timeline?.phases ?? []).map(
    (p) =>
      `    ${p.job.padEnd(18)} ×${String(p.runs).padEnd(3)} ${p.firstStartS.toFixed(1).padStart(6)} → ${p.lastEndS.toFixed(1).padStart(6)} s` +
      `   cpu ${(t.cpuS[p.job] ?? 0).toFixed(1).padStart(6)} s`,
  );
  return `${phases.join('\n')}\n    critical path (a worker free for every job): ${t.timeline?.criticalPathS.toFixed(1)} s`;
}

async function benchTitle(app: App, master: BenchMaster, outDir: string): Promise<TitleResult> {
  const probe = await probeMaster(master.file);
  // The first run decides the ladder the plain ffmpeg is given; it is also the first pair's pipeline run.
  const first = await runPipeline(app, master.file);
  const rungs = (await getTitle(app, first.id)).ladder ?? [];
  const plain = (): Promise<Measured> => measure(() => plainLadder(master.file, probe, rungs, DEFAULT_ENCODE_SETTINGS, outDir));
  const pairs: { plain: Measured; pipeline: Measured }[] = [{ pipeline: first, plain: await plain() }];
  const ladders = [first.ladder];
  let last = first.id;
  // Plain and pipeline alternate: on a shared machine the speed drifts within minutes.
  for (let i = 1; i < REPS; i++) {
    const p = await plain();
    const run = await runPipeline(app, master.file);
    pairs.push({ plain: p, pipeline: run });
    ladders.push(run.ladder);
    last = run.id;
  }
  return { master, durationS: probe.durationS, pairs, ladders, timeline: await timelineText(app, last) };
}

function report(r: TitleResult): number {
  const ratios = r.pairs.map((p) => p.pipeline.wallS / p.plain.wallS);
  console.log(`\n${r.master.name}: ${r.master.description}`);
  console.log(`  ladder  ${r.ladders[0]}   same on ${r.ladders.length} runs: ${r.ladders.every((l) => l === r.ladders[0]) ? 'yes' : 'NO'}`);
  r.pairs.forEach(({ plain, pipeline }, i) => {
    console.log(
      `  pair ${i + 1}: plain ffmpeg wall ${plain.wallS.toFixed(1).padStart(6)} s cpu ${plain.cpuS.toFixed(1).padStart(6)} s` +
        `   vodforge (API→ready, analysis included) wall ${pipeline.wallS.toFixed(1).padStart(6)} s cpu ${pipeline.cpuS.toFixed(1).padStart(6)} s` +
        `   ratio wall ${(ratios[i] ?? NaN).toFixed(3)} cpu ${(pipeline.cpuS / plain.cpuS).toFixed(3)}`,
    );
  });
  const m = median(ratios);
  console.log(`  median wall ratio ${m.toFixed(3)}, worst pair ${Math.max(...ratios).toFixed(3)}`);
  console.log(`  timeline of the last run (seconds from the title's creation):\n${r.timeline}`);
  return m;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-bench-'));
  const masters = await benchMasters(dir, DURATION_S, ONLY);
  const outDir = path.join(dir, 'plain');
  await mkdir(outDir);
  const redis = await startRedisServer(dir);
  const config: RuntimeConfig = {
    redisUrl: redis.url,
    prefix: 'bench',
    dataDir: dir,
    storage: { kind: 'local', root: path.join(dir, 'storage') },
    settings: DEFAULT_ENCODE_SETTINGS,
    ladderPolicy: 'per-title',
    maxUploadBytes: 10 * 1024 ** 3,
    tmpDir: dir,
    publicUrl: undefined,
    applianceOrigins: [],
  };
  const api = await createApi(config, redis.url, false);
  actAsAdmin(api.app, (await api.keys.create('admin', 'bench')).key);
  const log = pino({ level: 'silent' });
  const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorker(config, redis.url, log)));
  console.log(
    `bench:pipeline: ${masters.length} titles, per-title ladders, preset ${DEFAULT_ENCODE_SETTINGS.preset}, ` +
      `${WORKERS} workers on ${os.availableParallelism()} cores, ${REPS} alternated pairs each`,
  );
  const medians: { name: string; durationS: number; ratio: number }[] = [];
  for (const m of masters) {
    const r = await benchTitle(api.app, m, outDir);
    medians.push({ name: m.name, durationS: r.durationS, ratio: report(r) });
  }
  const long = medians.filter((x) => x.durationS >= 60);
  const worst = long.reduce<(typeof long)[number] | undefined>((w, x) => (w === undefined || x.ratio > w.ratio ? x : w), undefined);
  console.log(
    `\nratio vodforge/plain, median per title: ${medians.map((x) => `${x.name} ${x.ratio.toFixed(3)}`).join(', ')}` +
      `\nworst title of 60 s or more: ${worst === undefined ? '-' : `${worst.name} ${worst.ratio.toFixed(3)}`} (target <= ${TARGET})`,
  );
  const generated = generatedMaster(masters);
  if (generated !== undefined) {
    await benchTracks(api.app, generated.file, dir, DURATION_S, Math.max(1, Math.min(2, REPS)));
    await benchFairness(api.app, generated.file, dir, Math.max(4, Math.round(DURATION_S / 6)));
  }
  await Promise.all(workers.map((w) => w.close()));
  await api.close();
  await redis.stop();
  if (generated !== undefined) {
    const crash = await benchSupervisorCrash(generated.file, dir, WORKERS);
    console.log(
      `supervisor kill -9 at the midpoint, restarted at once (vodforge up, ${WORKERS} workers): ` +
        `${crash.crashedS.toFixed(1)} s to ready against ${crash.uninterruptedS.toFixed(1)} s uninterrupted` +
        `   ratio ${(crash.crashedS / crash.uninterruptedS).toFixed(3)}, work lost ${(crash.crashedS - crash.uninterruptedS).toFixed(1)} s`,
    );
  }
  await rm(dir, { recursive: true, force: true });
}

await main();
