/**
 * `npm run bench:sample-grid`: how well the analysis' sample grid (sizes × CRFs) chooses a
 * ladder, screened in minutes on 2 s windows (at a quarter and at half of each title)
 * of the corpus of real masters, the masters derived from them, and the generated contrasts.
 *
 * The truth is a dense grid: every sampled size at CRF 16 to 40, each encode made with the
 * analysis' x264 settings from the window's own frames (Y4M, so both sides are the same frames)
 * and measured by a plain ffmpeg psnr at the source's size. Each grid under test keeps its own
 * points of that grid, interpolates between them as the analysis does (`densifyCrf`), and lets
 * `perTitleLadder` choose; its rungs' true rate and PSNR-Y are then read off the dense grid, and
 * the BD-rate of that curve is printed against the ladder the dense grid itself chooses and
 * against the shipped design (`SAMPLE_CRFS` at every sampled size). Cost: the grid's encodes
 * (measured CPU) and one comparison per encode (`COMPARISON_COST` of the top size's mean encode),
 * against the shipped grid's. Letterboxed masters are not cropped here.
 *
 * It screens a sample design before bench:ladder judges it on whole titles through the
 * pipeline. BENCH_ONLY='megamind|noisy' screens the titles whose name matches.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runFfmpeg, runProbe } from '../ffmpeg/run.ts';
import { frameRateValue, probeMaster } from '../ffmpeg/probe.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../ffmpeg/encode-settings.ts';
import { appleLadder } from '../ladder/fixed.ts';
import { COMPARISON_COST, sampleSizes } from '../ladder/sample-sizes.ts';
import { SAMPLE_CRFS } from '../workers/jobs/ladder-analysis.ts';
import { densifyCrf, monotoneCurve } from '../ladder/aggregate.ts';
import { perTitleLadder } from '../ladder/per-title.ts';
import { viewerMinimums } from '../ladder/per-title-options.ts';
import { bdRate, type RateQualityPoint } from '../ladder/bd-rate.ts';
import type { FrameSize, RdPoint } from '../ladder/types.ts';
import { derivedMasters, realMasters } from '../test/support/corpus.ts';
import { generatedMasters, renderGeneratedMaster } from './generated-masters.ts';

const ONLY = new RegExp(process.env.BENCH_ONLY ?? '');
const DENSE_CRFS = [16, 18, 20, 22, 24, 27, 30, 32, 34, 37, 40];
const WINDOW_S = 2;
/** The analysis' ladder options (workers/jobs/ladder-analysis.ts): every Pareto point, rungs from 16 kbit/s. */
const LADDER_OPTIONS = { hullToleranceDb: 100, minBitrateKbps: 16 } as const;

/** The designs screened: each maps the sampled sizes (largest first) to the CRFs encoded at each. */
const GRIDS: Record<string, (sizes: readonly FrameSize[]) => (FrameSize & { readonly crfs: readonly number[] })[]> = {
  'SAMPLE_CRFS at every size': (sizes) => sizes.map((s) => ({ ...s, crfs: SAMPLE_CRFS })),
  'the smallest at 27/34': (sizes) => sizes.map((s, i) => ({ ...s, crfs: i > 0 && i === sizes.length - 1 ? [27, 34] : SAMPLE_CRFS })),
  'below the top at 27/34': (sizes) => sizes.map((s, i) => ({ ...s, crfs: i === 0 ? SAMPLE_CRFS : [27, 34] })),
  'CRF 20 and 34 at every size': (sizes) => sizes.map((s) => ({ ...s, crfs: [20, 34] })),
};
/** The shipped design (workers/jobs/ladder-analysis.ts), which the others are judged against. */
const BASELINE_GRID = 'SAMPLE_CRFS at every size';

type Point = RdPoint & { readonly encodeCpuS: number };

interface Window {
  readonly name: string;
  readonly source: FrameSize;
  readonly points: readonly Point[];
}

/** Encodes and measures one window of `file` at every sampled size and dense CRF. */
async function measureWindow(name: string, file: string, at: number, dir: string): Promise<Window> {
  const probe = await probeMaster(file);
  const fps = frameRateValue(probe.video.frameRate);
  const source = { width: probe.video.width, height: probe.video.height };
  const startS = Math.max(0, probe.durationS * at - WINDOW_S / 2);
  const y4m = path.join(dir, 'window.y4m');
  const frames = Math.round(WINDOW_S * fps);
  await runFfmpeg([
    '-i',
    file,
    '-ss',
    startS.toFixed(3),
    '-an',
    '-sn',
    '-frames:v',
    String(frames),
    '-vf',
    'format=yuv420p',
    '-f',
    'yuv4mpegpipe',
    y4m,
  ]);
  // Frames counted by ffprobe, not assumed: a window near a short title's end may hold fewer.
  const counted = Number(
    (await runProbe(['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', y4m])).stdout.trim(),
  );
  const seconds = counted / fps;
  const gop = String(Math.max(1, Math.round(DEFAULT_ENCODE_SETTINGS.gopS * fps)));
  const even = { width: source.width - (source.width % 2), height: source.height - (source.height % 2) };
  const points: Point[] = [];
  for (const size of sampleSizes([even, ...appleLadder(even)])) {
    for (const crf of DENSE_CRFS) {
      const out = path.join(dir, `${size.height}-${crf}.mp4`);
      const encode = await runFfmpeg([
        ...['-i', y4m, '-vf', `scale=${size.width}:${size.height}:flags=bicubic,setsar=1`, '-c:v', 'libx264', '-threads', '1'],
        ...['-preset', DEFAULT_ENCODE_SETTINGS.preset, '-profile:v', 'high', '-crf', String(crf), '-g', gop, '-keyint_min', gop],
        ...['-sc_threshold', '0', '-x264-params', 'open_gop=0:scenecut=0', '-an', '-f', 'mp4', out],
      ]);
      const psnr = await runFfmpeg([
        ...['-i', out, '-i', y4m, '-lavfi', `[0:v]scale=${source.width}:${source.height}:flags=bicubic,format=yuv420p[d];[d][1:v]psnr`],
        ...['-f', 'null', '-'],
      ]);
      // psnr's summary pools MSE over the frames, as the analysis' figure does.
      const psnrY = Number(/PSNR y:(\S+)/.exec(psnr.stderrTail)?.[1]);
      const bitrateKbps = ((await stat(out)).size * 8) / 1000 / seconds;
      points.push({ ...size, crf, bitrateKbps, psnrY, ssim: 0, encodeCpuS: encode.cpuS ?? Number.NaN });
    }
  }
  return { name: `${name} @ ${startS.toFixed(1)} s`, source, points };
}

interface Verdict {
  readonly ladder: string;
  readonly curve: RateQualityPoint[];
  readonly cost: number;
}

/** The ladder a grid chooses from its own points, valued at the rungs' true points. Pure. */
function judge(window: Window, crfsOf: (size: FrameSize) => readonly number[] | undefined): Verdict {
  const key = (p: { height: number; crf: number }): string => `${p.height}@${Math.round(p.crf * 100) / 100}`;
  const truth = new Map(densifyCrf(window.points).map((p) => [key(p), p]));
  const top = window.points.filter((p) => p.height === Math.max(...window.points.map((q) => q.height)));
  const comparisonS = COMPARISON_COST * (top.reduce((s, p) => s + p.encodeCpuS, 0) / top.length);
  const own = window.points.filter((p) => crfsOf(p)?.includes(p.crf) === true);
  const { rungs } = perTitleLadder(densifyCrf(own), window.source, { ...LADDER_OPTIONS, ...viewerMinimums(window.source) });
  const curve = rungs.map((r) => {
    const t = truth.get(key(r));
    if (t === undefined) throw new Error(`${window.name}: no true point at ${key(r)}`);
    return { bitrateKbps: t.bitrateKbps, quality: t.psnrY };
  });
  return {
    ladder: rungs.map((r) => `${r.height}p@${r.crf}`).join(' '),
    curve: monotoneCurve(curve),
    cost: own.reduce((s, p) => s + p.encodeCpuS + comparisonS, 0),
  };
}

const bdOrNaN = (reference: RateQualityPoint[], test: RateQualityPoint[]): number => {
  try {
    return bdRate(reference, test);
  } catch {
    return Number.NaN; // a one-rung ladder has no curve to compare
  }
};
const pct = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(1)}%`.padStart(7);

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-bench-grid-'));
  try {
    const masters = [...(await realMasters()), ...(await derivedMasters(dir))].map((m) => ({ name: m.name, file: m.file }));
    for (const g of generatedMasters(6)) masters.push({ name: g.name, file: await renderGeneratedMaster(g, dir, 6) });
    const chosen = masters.filter((m) => ONLY.test(m.name));
    console.log(
      `bench:sample-grid: ${chosen.length} titles, 2 windows of ${WINDOW_S} s each, dense truth at CRF ${DENSE_CRFS.join('/')}, ` +
        `x264 ${DEFAULT_ENCODE_SETTINGS.preset}, PSNR-Y by a plain ffmpeg psnr`,
    );
    const rows = new Map<string, { bdDense: number; bdBaseline: number; cost: number; window: string }[]>();
    for (const m of chosen) {
      for (const at of [0.25, 0.5]) {
        const work = await mkdtemp(path.join(dir, 'w-'));
        const window = await measureWindow(m.name, m.file, at, work);
        await rm(work, { recursive: true, force: true });
        const sizes = [...new Map(window.points.map((p) => [p.height, { width: p.width, height: p.height }])).values()];
        const dense = judge(window, () => DENSE_CRFS);
        const verdicts = Object.entries(GRIDS).map(([name, grid]) => {
          const crfs = new Map(grid(sizes).map((s) => [s.height, s.crfs]));
          return [name, judge(window, (s) => crfs.get(s.height))] as const;
        });
        const baseline = verdicts.find(([name]) => name === BASELINE_GRID)?.[1];
        if (baseline === undefined) throw new Error(`no grid named ${BASELINE_GRID}`);
        console.log(`\n${window.name} (${window.source.width}x${window.source.height}), sizes ${sizes.map((s) => s.height).join('/')}p`);
        console.log(`  ${'dense grid'.padEnd(28)} ${dense.ladder}`);
        for (const [name, v] of verdicts) {
          const row = {
            bdDense: bdOrNaN(dense.curve, v.curve),
            bdBaseline: bdOrNaN(baseline.curve, v.curve),
            cost: v.cost / baseline.cost,
            window: window.name,
          };
          rows.set(name, [...(rows.get(name) ?? []), row]);
          console.log(
            `  ${name.padEnd(28)} vs dense ${pct(row.bdDense)}  vs shipped ${pct(row.bdBaseline)}  cost ${row.cost.toFixed(2)}  ${v.ladder}`,
          );
        }
      }
    }
    console.log(
      "\nBD-rate of each grid's ladder at its rungs' true points (+: more bits for the same PSNR-Y); cost against the shipped grid",
    );
    for (const [name, r] of rows) {
      const finite = (pick: (x: (typeof r)[number]) => number): (typeof r)[number][] => r.filter((x) => Number.isFinite(pick(x)));
      const mean = (pick: (x: (typeof r)[number]) => number): number => finite(pick).reduce((s, x) => s + pick(x), 0) / finite(pick).length;
      const worst = (pick: (x: (typeof r)[number]) => number): string => {
        const w = finite(pick).reduce<(typeof r)[number] | undefined>((a, b) => (a === undefined || pick(b) > pick(a) ? b : a), undefined);
        return w === undefined ? 'n/a' : `${pct(pick(w))} (${w.window})`;
      };
      console.log(
        `  ${name.padEnd(28)} vs dense mean ${pct(mean((x) => x.bdDense))} worst ${worst((x) => x.bdDense)}; ` +
          `vs shipped mean ${pct(mean((x) => x.bdBaseline))} worst ${worst((x) => x.bdBaseline)}; cost mean ${mean((x) => x.cost).toFixed(2)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
