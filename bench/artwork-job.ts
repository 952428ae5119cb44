/**
 * The artwork job's cost as a share of the title's encode (issue 5 target: ≤ 10 %), both
 * measured in this run on the same generated master (60 s, 1280×720@30, ten 6 s shots):
 *   - encode: ONE plain ffmpeg encoding the whole title to its ladder with the pipeline's own
 *     arguments (`buildEncodeChunkArgs` over every frame), as `bench:pipeline`'s baseline;
 *   - artwork: what the artwork job does (the candidate decode, scoring, full-resolution stills,
 *     crops in AVIF/WebP/JPEG, stored to a local object store), via `computeArtwork`.
 * Wall and CPU (this process and its ffmpeg children) are printed for each, and both ratios.
 * The two alternate for BENCH_ROUNDS rounds (default 3), after one artwork run to warm the JIT
 * (a worker runs many jobs in one process), and the median of the rounds' ratios is the figure:
 * the encode alone varies by a tenth, sometimes a third, between runs on a shared machine.
 * Run by `npm run bench:artwork` after the scoring figures; alone: `npx tsx bench/artwork-job.ts`.
 */
import { timelineOf } from '../ffmpeg/source-frames.ts';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { appleLadder } from '../ladder/fixed.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../ffmpeg/encode-settings.ts';
import { buildEncodeChunkArgs } from '../ffmpeg/args.ts';
import { probeMaster } from '../ffmpeg/probe.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { artworkVideoOf } from '../stills/extract.ts';
import type { ArtworkManifest } from '../stills/manifest.ts';
import { computeArtwork, DEFAULT_ARTWORK_SETTINGS } from '../workers/jobs/artwork.ts';
import type { ArtworkJobData } from '../pipeline/types.ts';
import { LocalObjectStore } from '../storage/local.ts';
import { makeScenesMaster } from '../test/support/artwork-media.ts';
import { measure, type Measured } from './cpu.ts';

const TARGET_SHARE = 0.1;
/** Encode and artwork alternate this many times; medians are compared (the machine is shared and noisy). */
const DEFAULT_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Median shares of one run of {@link benchArtworkJob}. */
export interface ArtworkShare {
  readonly durationS: number;
  readonly wall: number;
  readonly cpu: number;
}

export async function benchArtworkJob(
  durationS = Number(process.env.BENCH_DURATION_S ?? 60),
  rounds = DEFAULT_ROUNDS,
): Promise<ArtworkShare> {
  // The worker runs sharp with its default thread pool; the scoring figures before this ran on one.
  sharp.concurrency(0);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-bench-artwork-'));
  try {
    const master = path.join(dir, 'master.mp4');
    await makeScenesMaster(master, { width: 1280, height: 720, fps: 30, durationS });
    const probe = await probeMaster(master);
    const ladder = appleLadder({ width: probe.video.displayWidth, height: probe.video.displayHeight });
    const settings = DEFAULT_ENCODE_SETTINGS;

    const encodeDir = path.join(dir, 'encode');
    await mkdir(encodeDir);
    const encodeOnce = (): Promise<Measured> =>
      measure(() =>
        runFfmpeg(
          buildEncodeChunkArgs({
            kind: 'encode-chunk',
            input: master,
            timeline: timelineOf(probe),
            startFrame: 0,
            endFrame: undefined,
            rungs: ladder,
            outputs: { files: ladder.map((_, i) => path.join(encodeDir, `r${i}.mp4`)) },
            settings,
          }),
        ),
      );

    // Context: any analysis that looks at every frame pays at least one decode of the master.
    const decode = await measure(() => runFfmpeg(['-i', master, '-map', '0:v:0', '-f', 'null', '-']));

    const storeRoot = path.join(dir, 'storage');
    const data: ArtworkJobData = {
      source: { titleId: 'bench', sourceKey: 'titles/bench/source/master', sha256: '0'.repeat(64) },
      version: 'bench',
      video: artworkVideoOf(probe),
    };
    // The local store's readable location is a file path, as the master would be for a local deployment.
    const store = new LocalObjectStore(storeRoot);
    await store.put(data.source.sourceKey, createReadStream(master));
    const artworkOnce = (): Promise<Measured<ArtworkManifest>> =>
      measure(() =>
        computeArtwork('bench', data, DEFAULT_ARTWORK_SETTINGS, { store, tmpDir: dir }, new AbortController().signal, () => undefined),
      );

    // A worker runs many jobs in one process: the first job's JIT warm-up is not the job's cost.
    await artworkOnce();
    const row = (label: string, r: { wallS: number; cpuS: number }): string =>
      `${label.padEnd(44)} wall ${r.wallS.toFixed(2).padStart(7)} s   cpu ${r.cpuS.toFixed(2).padStart(7)} s`;
    console.log('');
    console.log(
      `artwork job vs encode: ${durationS} s ${probe.video.displayWidth}x${probe.video.displayHeight} master (generated shots, x264 veryfast), ` +
        `ladder ${ladder.map((r) => `${r.height}p@${r.bitrateKbps}k`).join(' ')}, ` +
        `preset ${settings.preset}, ${os.availableParallelism()} cores, ${rounds} alternating rounds`,
    );
    console.log(row('decode of the master alone (ffmpeg -f null)', decode));
    const results: Array<{ encode: Measured; artwork: Measured<ArtworkManifest> }> = [];
    for (let i = 0; i < rounds; i++) {
      const encode = await encodeOnce();
      const artwork = await artworkOnce();
      results.push({ encode, artwork });
      const m = artwork.result;
      const chosen = m.candidates.filter((c) => c.chosen);
      const images = chosen.reduce((n, c) => n + (c.images?.length ?? 0), 0);
      console.log(`round ${i + 1}:`);
      console.log(`  ${row('encode: one plain ffmpeg, whole ladder', encode)}`);
      console.log(`  ${row(`artwork job (${m.candidates.length} candidates, ${chosen.length} chosen, ${images} images)`, artwork)}`);
      console.log(
        `  artwork / encode: wall ${(artwork.wallS / encode.wallS).toFixed(3)}   cpu ${(artwork.cpuS / encode.cpuS).toFixed(3)}` +
          `${m.warnings === undefined ? '' : `   warnings: ${m.warnings.join('; ')}`}`,
      );
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const enc = { wallS: median(results.map((r) => r.encode.wallS)), cpuS: median(results.map((r) => r.encode.cpuS)) };
    const art = { wallS: median(results.map((r) => r.artwork.wallS)), cpuS: median(results.map((r) => r.artwork.cpuS)) };
    console.log(row(`median encode (${rounds} rounds)`, enc));
    console.log(row(`median artwork job (${rounds} rounds)`, art));
    console.log(`decode / encode: wall ${(decode.wallS / enc.wallS).toFixed(3)}   cpu ${(decode.cpuS / enc.cpuS).toFixed(3)}`);
    // The ratio within each round, then their median (as bench:pipeline): the machine's speed
    // drifts between rounds (a third once), and a round's encode and job run next to each other.
    const wall = median(results.map((r) => r.artwork.wallS / r.encode.wallS));
    const cpu = median(results.map((r) => r.artwork.cpuS / r.encode.cpuS));
    console.log(
      `artwork / encode (median of the rounds' ratios): wall ${wall.toFixed(3)}   cpu ${cpu.toFixed(3)}   (target <= ${TARGET_SHARE})`,
    );
    return { durationS, wall, cpu };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await benchArtworkJob();
