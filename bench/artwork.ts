/**
 * Artwork scoring throughput: frames scored per second at analysis size (480×270), one process.
 *
 *   npx tsx bench/artwork.ts
 *
 * Three figures, all on generated frames (sharp-rendered scenes with grain):
 *   1. pure scoring of raw RGB frames (what the extraction job hands over from ffmpeg rawvideo):
 *      featuresOf + scoreAnalysis with two neighbours;
 *   2. the same starting from JPEG buffers (adds a sharp decode per frame);
 *   3. selectArtwork end to end on raw frames (decode path, neighbours, shortlist).
 * sharp runs with concurrency 1 and decodeConcurrency 1, so "per second" is on one core. CPU
 * time is printed beside wall time: on a shared machine wall time can undercount the rate.
 * Target: ≥ 150 frames/s on one core (issue 5). Then `bench/artwork-job.ts`: the artwork job's
 * time as a share of the title's encode time (target ≤ 10 %), on a 60 s title (three rounds) and
 * a 180 s one (one round; BENCH_LONG_DURATION_S).
 */
import { loadavg } from 'node:os';
import sharp from 'sharp';
import { featuresOf } from '../artwork/features.ts';
import { analysisFrameFromRaw, decodeForAnalysis } from '../artwork/decode.ts';
import type { Candidate, RawPixels } from '../artwork/frame.ts';
import { scoreAnalysis } from '../artwork/score.ts';
import { selectArtwork } from '../artwork/select.ts';
import { benchArtworkJob } from './artwork-job.ts';

const TARGET_FPS = 150;
const WIDTH = 480;
const HEIGHT = 270;
const DISTINCT_FRAMES = 24;
const MIN_BENCH_MS = 3000;

sharp.concurrency(1);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function scene(seed: number): Promise<RawPixels> {
  const next = rng(seed);
  const c = () => `rgb(${Math.floor(next() * 256)},${Math.floor(next() * 256)},${Math.floor(next() * 256)})`;
  let shapes = '';
  for (let i = 0; i < 80; i++) {
    shapes += `<circle cx="${next() * WIDTH}" cy="${next() * HEIGHT}" r="${3 + next() * 40}" fill="${c()}"/>`;
    shapes += `<line x1="${next() * WIDTH}" y1="${next() * HEIGHT}" x2="${next() * WIDTH}" y2="${next() * HEIGHT}" stroke="${c()}"/>`;
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}"><rect width="100%" height="100%" fill="${c()}"/>${shapes}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let i = 0; i < data.length; i++) data[i] = Math.max(0, Math.min(255, data[i]! + Math.round((next() - 0.5) * 10)));
  return { data, widthPx: info.width, heightPx: info.height, channels: 3 };
}

interface Rate {
  frames: number;
  wallS: number;
  cpuS: number;
}

async function measure(run: () => Promise<number> | number): Promise<Rate> {
  await run(); // warm-up: JIT and sharp's first-call costs are not throughput
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let frames = 0;
  while (performance.now() - t0 < MIN_BENCH_MS) frames += await run();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { frames, wallS, cpuS: (cpu.user + cpu.system) / 1e6 };
}

function report(label: string, r: Rate): void {
  const wallFps = r.frames / r.wallS;
  const cpuFps = r.frames / r.cpuS;
  console.log(
    `${label.padEnd(44)} ${wallFps.toFixed(0).padStart(6)} frames/s wall  ` +
      `(${(wallFps / TARGET_FPS).toFixed(2)}× target)   ${cpuFps.toFixed(0).padStart(6)} frames per CPU-s  ` +
      `(${(cpuFps / TARGET_FPS).toFixed(2)}× target)   [${r.frames} frames, ${r.wallS.toFixed(2)} s wall, ${r.cpuS.toFixed(2)} s CPU]`,
  );
}

const raws = await Promise.all(Array.from({ length: DISTINCT_FRAMES }, (_, i) => scene(1000 + i)));
const jpegs = await Promise.all(
  raws.map((r) =>
    sharp(r.data, { raw: { width: r.widthPx, height: r.heightPx, channels: 3 } })
      .jpeg({ quality: 85 })
      .toBuffer(),
  ),
);

console.log(
  `artwork scoring benchmark: ${WIDTH}×${HEIGHT} analysis size, ${DISTINCT_FRAMES} distinct generated frames, ` +
    `sharp concurrency ${sharp.concurrency()}, node ${process.version}, target ${TARGET_FPS} frames/s on one core`,
);
// Other work on the machine slows every figure below; the load average says how much there was.
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (1/5/15 min)`,
);

report(
  'raw RGB → analyse + score (2 neighbours)',
  await measure(() => {
    const analyses = raws.map((r) => featuresOf(analysisFrameFromRaw(r)));
    for (let i = 0; i < analyses.length; i++) {
      const before = analyses[i - 1];
      const after = analyses[i + 1];
      scoreAnalysis(analyses[i]!, { ...(before ? { before } : {}), ...(after ? { after } : {}) });
    }
    return analyses.length;
  }),
);

report(
  'JPEG → sharp decode + analyse + score',
  await measure(async () => {
    for (const jpeg of jpegs) {
      const analysis = featuresOf(await decodeForAnalysis(jpeg, WIDTH));
      scoreAnalysis(analysis);
    }
    return jpegs.length;
  }),
);

const candidates: Candidate[] = raws.map((image, i) => ({ atS: i * 0.5, sceneIndex: Math.floor(i / 3), image }));
report(
  'selectArtwork end to end (raw frames, K=8)',
  await measure(async () => {
    await selectArtwork(candidates, { decodeConcurrency: 1 });
    return candidates.length;
  }),
);

// Second part (issue 5): the whole artwork job against the title's encode, on a generated 720p
// master: a 60 s one (where the job's per-title costs, 8 stills and 144 crops, weigh most), then
// a longer one, once, to show how the share falls as those costs are spread over more encode.
const shares = [await benchArtworkJob(), await benchArtworkJob(Number(process.env.BENCH_LONG_DURATION_S ?? 180), 1)];
console.log('');
for (const s of shares) {
  console.log(
    `artwork / encode, ${String(s.durationS).padStart(4)} s title: wall ${s.wall.toFixed(3)}   cpu ${s.cpu.toFixed(3)}   (target <= 0.1)`,
  );
}
