/**
 * `npm run bench:windows`: how well a title's sample windows stand for the whole of it, and what
 * a rung's peak cap costs, on the corpus of real masters (scripts/fetch-corpus.sh) or the files
 * in BENCH_MASTERS (comma-separated). BENCH_ONLY='cartoon|tree' runs the corpus titles matching.
 *
 * Per master, vodforge's own reads and window choice (the probe's scan, `titleWindows`; no black
 * bars are detected, and the plain encodes keep the whole picture likewise), beside
 * two plain ffmpeg encodes of the whole title at its own size with the final encode's x264
 * settings at one CRF (`window-truth.ts`): uncapped, and capped as a rung is (its maxrate and
 * buffer, relative to the uncapped encode's mean rate).
 * - **Windows**: the title's rate and PSNR-Y predicted from the uncapped encode's stretches under
 *   the windows, each weighted and scaled as the analysis weighs and scales its samples,
 *   against the whole encode's. The baseline, run in the same script: one window of the same
 *   length in the middle of the title, unscaled. The ratio of RMS errors is printed.
 * - **Cap**: PSNR-Y the capped encode loses against the uncapped one at the same CRF. The
 *   samples are encoded uncapped, so this is what a rung's prediction leaves out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { probeMaster } from '../ffmpeg/probe.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../ffmpeg/encode-settings.ts';
import { packetIndex, readFirstFrames, firstFrameTimeOf } from '../workers/measure/keyframes.ts';
import { readForAnalysis } from '../workers/jobs/analysis-reads.ts';
import { readsMaySeek } from '../workers/jobs/probe.ts';
import { SAMPLE_CRFS, titleWindows } from '../workers/jobs/ladder-analysis.ts';
import { realMasters } from '../test/support/corpus.ts';
import type { SampleWindow } from '../ladder/sample-windows.ts';
import { plainSeconds, spanMse, spanRate, type PlainSeconds } from './window-truth.ts';

const ONLY = new RegExp(process.env.BENCH_ONLY ?? '');
const OWN_MASTERS = (process.env.BENCH_MASTERS ?? '')
  .split(',')
  .map((f) => f.trim())
  .filter((f) => f !== '');
/** BENCH_MAXRATE and BENCH_BUFSIZE try another cap shape (ratios of the mean rate, as `EncodeSettings` gives them). */
const SETTINGS = {
  ...DEFAULT_ENCODE_SETTINGS,
  maxrateRatio: Number(process.env.BENCH_MAXRATE ?? DEFAULT_ENCODE_SETTINGS.maxrateRatio),
  bufsizeRatio: Number(process.env.BENCH_BUFSIZE ?? DEFAULT_ENCODE_SETTINGS.bufsizeRatio),
};
/** The middle of the samples' CRFs. */
const CRF = SAMPLE_CRFS[Math.floor(SAMPLE_CRFS.length / 2)] ?? 27;

interface Row {
  readonly name: string;
  /** log2 of predicted over whole-title rate; PSNR-Y predicted minus whole (dB): ours and the baseline's. */
  readonly rate: number;
  readonly psnr: number;
  readonly baseRate: number;
  readonly basePsnr: number;
  readonly capLossDb: number;
  /** The capped encode's busiest segment (`segmentS` from the start, whole ones) over its mean rate: Apple's peak rule wants at most 2. */
  readonly peakRatio: number;
}

const psnrOf = (mse: number): number => 10 * Math.log10((255 * 255) / Math.max(mse, 1e-3));

/** The title's rate and MSE as weighted windows predict them from the encode's stretches under them. */
function predict(
  truth: PlainSeconds,
  windows: readonly Pick<SampleWindow, 'startS' | 'durationS' | 'weight' | 'rateScale' | 'mseScale'>[],
) {
  let rate = 0;
  let mse = 0;
  for (const w of windows) {
    const end = w.startS + w.durationS;
    rate += w.weight * spanRate(truth, w.startS, end) * w.rateScale;
    mse += w.weight * spanMse(truth, w.startS, end) * w.mseScale;
  }
  return { rate, mse };
}

/** The busiest whole segment's rate over the encode's mean (segments of `segmentS` from its start; 1 for a title shorter than one). */
function peakSegmentRatio(e: PlainSeconds): number {
  const mean = spanRate(e, 0, e.bits.length);
  let peak = mean;
  for (let start = 0; start + SETTINGS.segmentS <= e.bits.length; start += SETTINGS.segmentS)
    peak = Math.max(peak, spanRate(e, start, start + SETTINGS.segmentS));
  return mean > 0 ? peak / mean : 1;
}

/** Why an encode's frames cannot be paired with the master's by index, or undefined when they can. */
function unpaired(e: PlainSeconds): string | undefined {
  return e.encodedFrames === e.comparedFrames ? undefined : `frames unpaired (${e.encodedFrames} encoded, ${e.comparedFrames} compared)`;
}

async function measure(name: string, file: string, dir: string): Promise<Row | string> {
  const signal = new AbortController().signal;
  const probe = await probeMaster(file);
  const packetsRead = packetIndex(file, probe.video.startTimeS, probe.durationS);
  const firstFrameRead = readFirstFrames(file).then((f) => firstFrameTimeOf(f, file));
  const seekableRead = readsMaySeek(file, probe, packetsRead, dir, signal);
  const deps = { tmpDir: dir, settings: SETTINGS };
  const reads = await readForAnalysis(
    deps,
    name,
    file,
    probe,
    packetsRead,
    Promise.resolve(undefined),
    firstFrameRead,
    seekableRead,
    signal,
  );
  const fromStart = (await seekableRead) ? {} : { decodeFromStart: true as const };
  const described = { ...probe, video: { ...probe.video, firstFrameS: await firstFrameRead, ...fromStart } };
  const windows = titleWindows(described, reads, SETTINGS);
  const truth = await plainSeconds(file, { crf: CRF, settings: SETTINGS }, dir, `${name}-crf`);
  const truthUnpaired = unpaired(truth);
  if (truthUnpaired !== undefined) return truthUnpaired;
  const durationS = truth.bits.length;
  const titleRate = spanRate(truth, 0, durationS);
  const titleMse = spanMse(truth, 0, durationS);
  const ours = predict(truth, windows);
  const lengthS = windows[0]?.durationS ?? 2;
  const middle = Math.max(0, (durationS - lengthS) / 2);
  const base = predict(truth, [{ startS: middle, durationS: lengthS, weight: 1, rateScale: 1, mseScale: 1 }]);
  const cap = { maxrateKbps: (titleRate / 1000) * SETTINGS.maxrateRatio, bufsizeKbit: (titleRate / 1000) * SETTINGS.bufsizeRatio };
  const capped = await plainSeconds(file, { crf: CRF, settings: SETTINGS, cap }, dir, `${name}-capped`);
  const cappedUnpaired = unpaired(capped);
  if (cappedUnpaired !== undefined) return `capped: ${cappedUnpaired}`;
  const row: Row = {
    name,
    rate: Math.log2(ours.rate / titleRate),
    psnr: psnrOf(ours.mse) - psnrOf(titleMse),
    baseRate: Math.log2(base.rate / titleRate),
    basePsnr: psnrOf(base.mse) - psnrOf(titleMse),
    capLossDb: psnrOf(titleMse) - psnrOf(spanMse(capped, 0, capped.bits.length)),
    peakRatio: peakSegmentRatio(capped),
  };
  const pct = (log2: number): string => `${((2 ** log2 - 1) * 100).toFixed(1)}%`;
  console.log(
    `${name.padEnd(24)} ${probe.durationS.toFixed(0).padStart(4)} s, ${windows.length} window(s): ` +
      `rate ${pct(row.rate)}, PSNR-Y ${row.psnr.toFixed(2)} dB (baseline ${pct(row.baseRate)}, ${row.basePsnr.toFixed(2)} dB); ` +
      `at CRF ${CRF} ${(titleRate / 1000).toFixed(0)} kbit/s ${psnrOf(titleMse).toFixed(2)} dB, capped ${row.capLossDb.toFixed(2)} dB lower, ` +
      `peak segment ${row.peakRatio.toFixed(2)}x`,
  );
  return row;
}

async function main(): Promise<void> {
  const masters =
    OWN_MASTERS.length > 0
      ? OWN_MASTERS.map((f) => ({ name: path.basename(f), file: path.resolve(f) }))
      : (await realMasters()).filter((m) => ONLY.test(m.name));
  console.log(
    `bench:windows: ${masters.length} titles, x264 ${SETTINGS.preset} CRF ${CRF} at each master's size, ` +
      `cap ${SETTINGS.maxrateRatio}x / buffer ${SETTINGS.bufsizeRatio} s of the title's mean rate\n`,
  );
  const rows: Row[] = [];
  const failures: string[] = [];
  for (const m of masters) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-bench-windows-'));
    try {
      const r = await measure(m.name, m.file, dir);
      if (typeof r === 'string') failures.push(`${m.name}: ${r}`);
      else rows.push(r);
    } catch (err) {
      failures.push(`${m.name}: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (failures.length > 0) console.log(`\nnot measured: ${failures.join('; ')}`);
  if (rows.length === 0) return;
  const rms = (f: (r: Row) => number): number => Math.sqrt(rows.reduce((s, r) => s + f(r) ** 2, 0) / rows.length);
  const worst = (f: (r: Row) => number): string => {
    const w = rows.reduce((a, b) => (Math.abs(f(b)) > Math.abs(f(a)) ? b : a));
    return `${f(w).toFixed(2)} (${w.name})`;
  };
  console.log(
    `\nwindows over ${rows.length} titles: PSNR-Y off by ${rms((r) => r.psnr).toFixed(2)} dB RMS, worst ${worst((r) => r.psnr)} dB; ` +
      `rate off by ${rms((r) => r.rate).toFixed(2)} octaves RMS, worst ${worst((r) => r.rate)}`,
  );
  console.log(
    `baseline (one unscaled window mid-title): PSNR-Y ${rms((r) => r.basePsnr).toFixed(2)} dB RMS, worst ${worst((r) => r.basePsnr)} dB; ` +
      `rate ${rms((r) => r.baseRate).toFixed(2)} octaves RMS, worst ${worst((r) => r.baseRate)}; ` +
      `ratio ours/baseline: PSNR ${(rms((r) => r.psnr) / rms((r) => r.basePsnr)).toFixed(2)}, rate ${(rms((r) => r.rate) / rms((r) => r.baseRate)).toFixed(2)}`,
  );
  const capped = rows.filter((r) => r.capLossDb >= 1);
  console.log(
    `peak cap: mean ${(rows.reduce((s, r) => s + r.capLossDb, 0) / rows.length).toFixed(2)} dB lost, worst ${worst((r) => r.capLossDb)} dB; ` +
      `titles losing 1 dB or more: ${capped.map((r) => `${r.name} ${r.capLossDb.toFixed(1)}`).join(', ') || '-'}; ` +
      `peak segment over mean: worst ${worst((r) => r.peakRatio)}, over 2: ${rows.filter((r) => r.peakRatio > 2).length}`,
  );
}

await main();
