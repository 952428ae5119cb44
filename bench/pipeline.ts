/**
 * `npm run bench:pipeline`: the whole pipeline (upload → probe → chunk encodes → audio →
 * package, through the API, BullMQ on a real redis-server, local storage) on a generated
 * 60 s 720p master, next to ONE plain ffmpeg command encoding the same ladder with the same
 * x264 settings, rates and audio, run in this same script. The figure is pipeline/plain.
 * Then the cost of a studio master's extra audio and subtitle tracks (bench/tracks.ts), and a
 * short title's time to ready behind a long one (bench/fairness.ts).
 */
import { timelineOf } from '../ffmpeg/source-frames.ts';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startRedisServer } from '../orchestrator/runtime/children.ts';
import { createApi, startWorker } from '../orchestrator/runtime/services.ts';
import type { RuntimeConfig } from '../orchestrator/config.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../ffmpeg/encode-settings.ts';
import { buildEncodeChunkArgs } from '../ffmpeg/args.ts';
import { buildEncodeAudioArgs, buildLoudnessScanArgs } from '../ffmpeg/audio-args.ts';
import { parseEbur128, planNormalisation } from '../workers/measure/loudness.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { probeMaster } from '../ffmpeg/probe.ts';
import { appleLadder } from '../ladder/fixed.ts';
import { createQueue, producerConnection } from '../pipeline/queue.ts';
import { ingest, waitForArtwork, waitForFinal, waitForRungQuality } from '../test/support/api.ts';
import { makeMaster } from '../test/support/media.ts';
import { actAsAdmin } from '../test/support/stack.ts';
import { measure, type Measured } from './cpu.ts';
import { benchSupervisorCrash } from './supervisor-crash.ts';
import { benchTracks } from './tracks.ts';
import { benchFairness } from './fairness.ts';

const WORKERS = Number(process.env.BENCH_WORKERS ?? os.availableParallelism());
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 60);
/** Plain/pipeline pairs, alternated. */
const REPS = Number(process.env.BENCH_REPS ?? 3);

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-bench-'));
  const master = path.join(dir, 'master.mp4');
  await makeMaster(master, { width: 1280, height: 720, fps: 30, durationS: DURATION_S });
  const probe = await probeMaster(master);
  const ladder = appleLadder({ width: probe.video.displayWidth, height: probe.video.displayHeight });
  const settings = DEFAULT_ENCODE_SETTINGS;

  // Baseline: one ffmpeg process, the same filter graph and encoder arguments as a chunk job
  // covering the whole title, plus the audio encode.
  const plainOut = path.join(dir, 'plain');
  await mkdir(plainOut);
  const runPlain = () =>
    measure(async () => {
      const video = buildEncodeChunkArgs({
        kind: 'encode-chunk',
        input: master,
        timeline: timelineOf(probe),
        startFrame: 0,
        endFrame: undefined,
        rungs: ladder,
        outputs: ladder.map((_, i) => path.join(plainOut, `r${i}.mp4`)),
        settings,
      });
      // The audio as vodforge makes it: a loudness scan, then the normalised encode.
      const stream = { input: master, streamIndex: 0, offsetS: 0 };
      const target = { integratedLufs: settings.loudnessLufs, truePeakDbtp: settings.truePeakDbtp };
      const scan = await runFfmpeg(buildLoudnessScanArgs({ kind: 'loudness-scan', ...stream, channels: 2 }));
      const audio = buildEncodeAudioArgs({
        kind: 'encode-audio',
        ...stream,
        format: { codec: 'aac', channels: 2, bitrateKbps: settings.audioBitrateKbps },
        output: path.join(plainOut, 'a.m4a'),
        target,
        normalisation: planNormalisation(parseEbur128(scan.stderrTail), target),
      });
      await runFfmpeg([...video, ...audio.slice(2)]);
    });

  // The pipeline.
  const redis = await startRedisServer(dir);
  const config: RuntimeConfig = {
    redisUrl: redis.url,
    prefix: 'bench',
    dataDir: dir,
    storage: { kind: 'local', root: path.join(dir, 'storage') },
    settings,
    ladderPolicy: 'fixed',
    maxUploadBytes: 10 * 1024 ** 3,
    tmpDir: dir,
    publicUrl: undefined,
    applianceOrigins: [],
  };
  const api = await createApi(config, redis.url, false);
  actAsAdmin(api.app, (await api.keys.create('admin', 'bench')).key);
  const log = pino({ level: 'silent' });
  const workers = await Promise.all(Array.from({ length: WORKERS }, () => startWorker(config, redis.url, log)));
  const conn = producerConnection(redis.url);
  const queue = createQueue(conn, config.prefix);
  const runPipeline = async () => {
    const m = await measure(async () => {
      const id = await ingest(api.app, master);
      return waitForFinal(api.app, id, 3_600_000);
    });
    if (m.result.state !== 'ready') throw new Error(`pipeline failed: ${JSON.stringify(m.result.error)}`);
    // The rungs' quality measurement and the artwork run on after `ready` (players do not wait
    // for them): timed apart, and let end before the next run.
    const t = performance.now();
    const q = await waitForRungQuality(api.app, m.result.id);
    if (q.rungQuality?.status !== 'measured') throw new Error(`rung quality not measured: ${JSON.stringify(q.rungQuality)}`);
    const measuredAfterS = (performance.now() - t) / 1000;
    await waitForArtwork(api.app, m.result.id);
    return { ...m, measuredAfterS };
  };

  // Plain and pipeline alternate: on a shared machine the speed drifts within minutes, so each
  // pair is measured close together and the figure is the median of the pairs' ratios.
  const pairs: { plain: Measured; pipeline: Measured & { id: string; measuredAfterS: number } }[] = [];
  for (let i = 0; i < REPS; i++) {
    const plain = await runPlain();
    const pipeline = await runPipeline();
    pairs.push({ plain, pipeline: { ...pipeline, id: pipeline.result.id } });
  }

  // Critical path from BullMQ's own timestamps (the last pair's title): what one title takes
  // with unlimited workers. The title turns ready inside the package job, a moment before
  // BullMQ marks that job completed.
  const lastId = pairs.at(-1)!.pipeline.id;
  const ofLast = async () => (await queue.getCompleted(0, 1000)).filter((j) => JSON.stringify(j.data).includes(lastId));
  let jobs = await ofLast();
  for (let i = 0; i < 100 && !jobs.some((j) => j.name === 'package'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    jobs = await ofLast();
  }
  const spanS = (name: string): number[] =>
    jobs.filter((j) => j.name === name).map((j) => ((j.finishedOn ?? 0) - (j.processedOn ?? 0)) / 1000);
  const probeS = Math.max(...spanS('probe'));
  const chunkS = spanS('encode-chunk');
  const audioS = Math.max(0, ...spanS('encode-audio'));
  const packageS = Math.max(...spanS('package'));
  const critical = probeS + Math.max(...chunkS, audioS) + packageS;
  const t0 = Math.min(...jobs.map((j) => j.timestamp));
  const sinceT0 = (ms: number): string => ((ms - t0) / 1000).toFixed(1).padStart(5);
  const timeline = [...jobs]
    .sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0))
    .map(
      (j) =>
        `  ${j.name.padEnd(13)} queued ${sinceT0(j.timestamp)} s  ran ${sinceT0(j.processedOn ?? 0)} → ${sinceT0(j.finishedOn ?? 0)} s`,
    );
  await benchTracks(api.app, master, dir, DURATION_S, Math.max(1, Math.min(2, REPS)));
  await benchFairness(api.app, master, dir, Math.max(4, Math.round(DURATION_S / 6)));
  await queue.close();
  conn.disconnect();
  await Promise.all(workers.map((w) => w.close()));
  await api.close();
  await redis.stop();
  const crash = await benchSupervisorCrash(master, dir, WORKERS);
  await rm(dir, { recursive: true, force: true });

  const row = (label: string, wall: number, cpu: number): string =>
    `${label.padEnd(42)} wall ${wall.toFixed(1).padStart(7)} s   cpu ${cpu.toFixed(1).padStart(7)} s   realtime ×${(DURATION_S / wall).toFixed(2)}`;
  console.log(
    `bench:pipeline: ${DURATION_S} s 1280x720@30 master, ${ladder.length} rungs (${ladder.map((r) => `${r.height}p@${r.bitrateKbps}k`).join(' ')}), ` +
      `preset ${settings.preset}, ${WORKERS} workers on ${os.availableParallelism()} cores`,
  );
  pairs.forEach(({ plain, pipeline }, i) => {
    console.log(row(`pair ${i + 1}: plain ffmpeg (one process)`, plain.wallS, plain.cpuS));
    console.log(
      `${row(`pair ${i + 1}: vodforge pipeline (API→ready)`, pipeline.wallS, pipeline.cpuS)}   ` +
        `ratio wall ${(pipeline.wallS / plain.wallS).toFixed(3)}, cpu ${(pipeline.cpuS / plain.cpuS).toFixed(3)}   ` +
        `rungs measured ${pipeline.measuredAfterS.toFixed(1)} s after ready`,
    );
  });
  const median = (xs: number[]): number => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 === 1 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const wallRatio = median(pairs.map((p) => p.pipeline.wallS / p.plain.wallS));
  const cpuRatio = median(pairs.map((p) => p.pipeline.cpuS / p.plain.cpuS));
  const plainWall = median(pairs.map((p) => p.plain.wallS));
  console.log(
    `ratio pipeline/plain, median of ${pairs.length} pairs: wall ${wallRatio.toFixed(3)} (target <= 1.15)   cpu ${cpuRatio.toFixed(3)}`,
  );
  console.log(
    `supervisor kill -9 at the midpoint, restarted at once (vodforge up, ${WORKERS} workers): ` +
      `${crash.crashedS.toFixed(1)} s to ready against ${crash.uninterruptedS.toFixed(1)} s uninterrupted` +
      `   ratio ${(crash.crashedS / crash.uninterruptedS).toFixed(3)}, work lost ${(crash.crashedS - crash.uninterruptedS).toFixed(1)} s`,
  );
  console.log(`job timeline of the last title (from its first job's queueing):\n${timeline.join('\n')}`);
  console.log(
    `critical path (unlimited workers): probe ${probeS.toFixed(1)} s + longest chunk ${Math.max(...chunkS).toFixed(1)} s ` +
      `(of ${chunkS.length}; audio ${audioS.toFixed(1)} s) + package ${packageS.toFixed(1)} s = ${critical.toFixed(1)} s  ` +
      `(${(critical / plainWall).toFixed(3)} of plain's median)`,
  );
}

await main();
