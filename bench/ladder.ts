/**
 * `npm run bench:ladder`: per-title ladders against Apple's fixed ladder, both encoded by the
 * real pipeline with identical x264 settings, on the corpus of real masters (Debian packages,
 * scripts/fetch-corpus.sh), the masters derived from them, and five generated contrasts.
 * Every rung of both is measured by a plain ffmpeg psnr over the whole title (not by
 * vodforge's own path); BD-rate (PSNR-Y) of per-title against fixed is the figure (against a
 * fixed ladder of one rung, its limit at that rung's quality, `vs-fixed.ts`). Per title
 * it also prints the rungs, the analysis' CPU as a share of the final encode's (by the title's own
 * account: the per-title analysis' own runs, and with the ingest checks every title gets; and by
 * the kernel's account of the worker's children, `children-cpu.ts`), the largest gap between the
 * PSNR vodforge reports for a rung and the plain figure over every frame of the rung (and over
 * the frames vodforge compared, which tells its path apart from its choice of frames), and
 * whether BENCH_REPEATS (default 3) ingests of the same master gave the same ladder.
 * BENCH_ONLY='megamind|screen' runs the titles whose name matches. BENCH_MASTERS='a.mov,b.mxf'
 * runs the given files instead of the corpus: a catalogue's own masters, judged the same way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestStack } from '../test/support/stack.ts';
import { allStacks, describeMaster, runPolicy, type Master, type Run } from './ladder-run.ts';
import { derivedMasters, realMasters } from '../test/support/corpus.ts';
import { mixedRealMaster, oneKeyframeMaster } from './pipeline-masters.ts';
import { generatedMasters, renderGeneratedMaster } from './generated-masters.ts';
import { frameRateValue } from '../ffmpeg/probe.ts';
import type { RateQualityPoint } from '../ladder/bd-rate.ts';
import { describeVsFixed, vsFixed, vsFixedPercent, type VsFixed } from './vs-fixed.ts';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 60);
/** Runs only the corpus titles whose name matches this regular expression (e.g. `BENCH_ONLY='noisy|life'`). */
const ONLY = new RegExp(process.env.BENCH_ONLY ?? '');

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

/** Files given in BENCH_MASTERS (comma-separated), run instead of the corpus; none when unset. */
const OWN_MASTERS = (process.env.BENCH_MASTERS ?? '')
  .split(',')
  .map((f) => f.trim())
  .filter((f) => f !== '');

/** The masters to run: the files given, else the corpus, its derived masters and the generated contrasts. */
async function chosenMasters(dir: string, failures: string[]): Promise<Master[]> {
  const masters: Master[] = [];
  const describe = async (name: string, file: string): Promise<void> => {
    try {
      masters.push(await describeMaster(name, file));
    } catch (err) {
      // A master the pipeline refuses is a finding, not a reason to stop measuring the others.
      failures.push(name);
      console.log(`${name}: FAILED ${(err as Error).message}`);
    }
  };
  if (OWN_MASTERS.length > 0) {
    for (const file of OWN_MASTERS) await describe(path.basename(file), path.resolve(file));
    return masters;
  }
  for (const m of [...(await realMasters()), ...(await derivedMasters(dir))]) if (ONLY.test(m.name)) await describe(m.name, m.file);
  // Real footage cut together: one title whose complexity changes at every cut.
  if (ONLY.test('mixed-real')) {
    const mixed = await mixedRealMaster(dir, { width: 1280, height: 720 });
    masters.push(await describeMaster(mixed.name, mixed.file));
  }
  // A browser's recording: one keyframe, so every read of a window decodes from the title's start.
  if (ONLY.test('one-keyframe')) {
    const recording = await oneKeyframeMaster(dir);
    masters.push(await describeMaster(recording.name, recording.file));
  }
  for (const c of generatedMasters(DURATION_S).filter((t) => ONLY.test(t.name))) {
    const file = await renderGeneratedMaster(c, dir, DURATION_S);
    masters.push({ ...(await describeMaster(c.name, file)), frameRate: '25' });
  }
  return masters;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-bench-ladder-'));
  const failures: string[] = [];
  const masters = await chosenMasters(dir, failures);
  const perTitle = await startTestStack({
    storage: 'local',
    workers: 2,
    ladderPolicy: 'per-title',
    settings: { preset: 'veryfast' },
    maxUploadBytes: 4 * 1024 ** 3,
  });
  const fixed = await startTestStack({
    storage: 'local',
    workers: 2,
    ladderPolicy: 'fixed',
    settings: { preset: 'veryfast' },
    maxUploadBytes: 4 * 1024 ** 3,
  });
  allStacks.push(perTitle, fixed);
  const rows: {
    name: string;
    /** 60 s or more: the titles the analysis' share is judged on apart (a short clip's encode is smaller than one sample window's). */
    long: boolean;
    bd: number;
    /** Against the fixed ladder by its BD-rate, its limit at a one-rung fixed ladder, or a bound: what "never above 0%" is judged on. */
    vs: VsFixed;
    topSaved: number;
    share: number;
    shareWithIngest: number;
    shareWhole: number;
    analysisS: number;
    ingestS: number;
    analysisWholeS: number;
    encodeS: number;
    gap: number;
    gapWhole: number;
    /** The most a rung's predicted PSNR-Y promised over its plain figure (negative: every rung gave more than predicted). */
    promised: number;
    same: boolean;
  }[] = [];
  console.log(
    `bench:ladder: ${masters.length} titles (real, derived, generated ${DURATION_S} s), x264 veryfast, ` +
      `PSNR-Y by a plain ffmpeg psnr over every frame, ${REPEATS} per-title runs each`,
  );
  try {
    for (const m of masters) {
      let pt: Run;
      let fx: Run;
      const repeats: string[] = [];
      try {
        pt = await runPolicy(perTitle, m, dir);
        repeats.push(pt.ladder);
        for (let i = 1; i < REPEATS; i++) repeats.push((await runPolicy(perTitle, m, dir, false)).ladder);
        fx = await runPolicy(fixed, m, dir);
      } catch (err) {
        failures.push(m.name);
        console.log(`\n${m.name}: FAILED ${(err as Error).message}`);
        continue;
      }
      const same = repeats.every((l) => l === pt.ladder);
      const gap = Math.max(0, ...pt.reportedMinusPlain.map(Math.abs));
      const gapWhole = Math.max(0, ...pt.reportedMinusWhole.map(Math.abs));
      const promised = pt.predictedMinusWhole.length === 0 ? NaN : Math.max(...pt.predictedMinusWhole);
      const [fpsNum, fpsDen] = m.frameRate.split('/');
      const fps = frameRateValue({ num: Number(fpsNum), den: Number(fpsDen ?? 1) });
      console.log(`\n${m.name} (${m.width}x${m.height} @ ${fps.toFixed(3)} fps, ${m.durationS.toFixed(1)} s)`);
      console.log(`  fixed     ${fx.rungs}`);
      console.log(`  per-title ${pt.rungs}`);
      console.log(`  ladder    ${pt.ladder}   ${same ? `same on ${REPEATS} runs` : `DIFFERS across runs: ${repeats.join(' | ')}`}`);
      console.log(
        `  reported - plain PSNR per rung: ${pt.reportedMinusPlain.map((d) => d.toFixed(2)).join(' ')} dB over the same frames, ` +
          `${pt.reportedMinusWhole.map((d) => d.toFixed(2)).join(' ')} dB over every frame; ` +
          `predicted - plain: ${pt.predictedMinusWhole.map((d) => d.toFixed(2)).join(' ')} dB`,
      );
      // A fixed ladder of one rung (a source under Apple's 234p box) is compared at that rung's quality.
      const vs = vsFixed(fx.points, pt.points);
      const bd = vs.kind === 'bd-rate' ? vs.percent : NaN;
      const top = (r: Run): RateQualityPoint => r.points.reduce((a, b) => (b.bitrateKbps > a.bitrateKbps ? b : a));
      const topSaved = 1 - top(pt).bitrateKbps / top(fx).bitrateKbps;
      const share = pt.analysisS / pt.encodeS;
      const shareWithIngest = (pt.analysisS + pt.ingestS) / pt.encodeS;
      const shareWhole = pt.analysisWholeS / pt.encodeS;
      rows.push({
        name: m.name,
        long: m.durationS >= 60,
        bd,
        vs,
        topSaved,
        share,
        shareWithIngest,
        shareWhole,
        analysisS: pt.analysisS,
        ingestS: pt.ingestS,
        analysisWholeS: pt.analysisWholeS,
        encodeS: pt.encodeS,
        gap,
        gapWhole,
        promised,
        same,
      });
      console.log(
        `  BD-rate per-title vs fixed ${describeVsFixed(vs)}   ${pt.points.length} rungs, top ${pt.top}, ` +
          `${(topSaved * 100).toFixed(1)}% fewer top-rung bits than fixed (${top(fx).quality.toFixed(1)} dB)` +
          `   analysis CPU ${pt.analysisS.toFixed(1)} s = ${(share * 100).toFixed(1)}% of the final encode's ${pt.encodeS.toFixed(1)} s, ` +
          `${(shareWithIngest * 100).toFixed(1)}% with the ingest checks` +
          ` (wall of probe, samples and ladder ${pt.analysisWallS.toFixed(1)} s = ` +
          `${((pt.analysisWallS / pt.encodeWallS) * 100).toFixed(1)}% of ${pt.encodeWallS.toFixed(1)} s)`,
      );
      console.log(
        `  CPU by step: ${pt.analysisParts}; the fixed ladder's ingest checks ${fx.ingestS.toFixed(1)} s. ` +
          `Ingest to first chunk by the kernel's account (second instrument) ${pt.analysisWholeS.toFixed(1)} s = ` +
          `${(shareWhole * 100).toFixed(1)}% of the final encode's, against ${(pt.analysisS + pt.ingestS).toFixed(1)} s by vodforge's`,
      );
      console.log(`  predicted PSNR-Y per rung: ${pt.predicted}${pt.warnings === '' ? '' : `\n  warnings: ${pt.warnings}`}`);
    }
  } finally {
    await perTitle.close();
    await fixed.close();
    await rm(dir, { recursive: true, force: true });
  }
  // Means and worst cases over the titles where the figure exists (no BD-rate against a one-rung fixed ladder).
  const defined = (f: (r: (typeof rows)[number]) => number): (typeof rows)[number][] => rows.filter((r) => Number.isFinite(f(r)));
  const avg = (f: (r: (typeof rows)[number]) => number): number => defined(f).reduce((s, r) => s + f(r), 0) / defined(f).length;
  const worstOf = (f: (r: (typeof rows)[number]) => number): string => {
    const w = defined(f).reduce<(typeof rows)[number] | undefined>((a, b) => (a === undefined || f(b) > f(a) ? b : a), undefined);
    return w === undefined ? '-' : `${f(w).toFixed(2)} (${w.name})`;
  };
  if (failures.length > 0) console.log(`\nFAILED titles: ${failures.join(', ')}`);
  if (rows.length === 0) return;
  console.log(
    `\nBD-rate over ${defined((r) => r.bd).length} titles: mean ${avg((r) => r.bd).toFixed(1)}% ` +
      `(target <= -25%: ratio ${(avg((r) => r.bd) / -25).toFixed(2)} of target), worst ${worstOf((r) => r.bd)}% (target <= 0%)`,
  );
  const onePoint = rows.filter((r) => r.vs.kind === 'at-point' || r.vs.kind === 'at-most');
  const noFigure = rows.filter((r) => r.vs.kind === 'none').map((r) => r.name);
  console.log(
    `against a fixed ladder of one rung, at its quality: ${onePoint.length} titles, ` +
      `${onePoint.map((r) => `${r.name} ${r.vs.kind === 'at-most' ? '<= ' : ''}${vsFixedPercent(r.vs).toFixed(1)}%`).join(', ') || '-'}; ` +
      `all ${defined((r) => vsFixedPercent(r.vs)).length} titles with a figure (a bound counted as its value): ` +
      `mean ${avg((r) => vsFixedPercent(r.vs)).toFixed(1)}%, ` +
      `worst ${worstOf((r) => vsFixedPercent(r.vs))}% (target <= 0%); no figure: ${noFigure.join(', ') || '-'}`,
  );
  console.log(
    `reported vs plain PSNR: worst gap ${worstOf((r) => r.gapWhole)} dB against every frame of the rung (target <= 0.5), ` +
      `${worstOf((r) => r.gap)} dB over the frames compared`,
  );
  // What content ops were shown before the encode, against what the rungs gave: a miss is a
  // ladder chosen for a quality it does not reach (the prediction check warns of it per title).
  console.log(
    `predicted vs plain PSNR: worst rung promised ${worstOf((r) => r.promised)} dB more than it gave; ` +
      `titles with a rung 1 dB or more under its prediction: ${
        rows
          .filter((r) => r.promised >= 1)
          .map((r) => r.name)
          .join(', ') || '-'
      }`,
  );
  const long = rows.filter((r) => r.long);
  const worstLong = long.length === 0 ? '-' : `${(Math.max(...long.map((r) => r.share)) * 100).toFixed(1)}%`;
  console.log(
    `analysis CPU (scan, samples, ladder) as a share of the final encode's: mean ${(avg((r) => r.share) * 100).toFixed(1)}%, ` +
      `worst ${worstOf((r) => r.share * 100)}% (target <= 15%), worst of the ${long.length} titles of 60 s or more ${worstLong}; ` +
      `with the ingest checks every title gets: mean ${(avg((r) => r.shareWithIngest) * 100).toFixed(1)}%, ` +
      `worst ${worstOf((r) => r.shareWithIngest * 100)}%; ` +
      `that span by the kernel's account: mean ${(avg((r) => r.shareWhole) * 100).toFixed(1)}%, worst ${worstOf((r) => r.shareWhole * 100)}%`,
  );
  // What a catalog pays: every title's analysis over every title's encode (short clips weigh
  // what their encodes weigh, not one title's share each).
  const total = (f: (r: (typeof rows)[number]) => number): number => rows.reduce((s, r) => s + f(r), 0);
  const encodeTotalS = total((r) => r.encodeS);
  const pct = (x: number): string => `${((x / encodeTotalS) * 100).toFixed(1)}%`;
  console.log(
    `analysis CPU over the whole corpus: ${total((r) => r.analysisS).toFixed(1)} s = ${pct(total((r) => r.analysisS))} ` +
      `of the final encodes' ${encodeTotalS.toFixed(1)} s; with the ingest checks ${pct(total((r) => r.analysisS + r.ingestS))}, ` +
      `by the kernel's account ${total((r) => r.analysisWholeS).toFixed(1)} s = ${pct(total((r) => r.analysisWholeS))}`,
  );
  console.log(`same ladder on ${REPEATS} runs: ${rows.filter((r) => r.same).length} of ${rows.length} titles`);
  console.log(`top-rung bits saved: mean ${(avg((r) => r.topSaved) * 100).toFixed(1)}%`);
}

await main();
