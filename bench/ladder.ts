/**
 * `npm run bench:ladder`: per-title ladders against Apple's fixed ladder on a small corpus of
 * contrasting generated content, both encoded by the real pipeline with identical x264
 * settings. Every rung of both is decoded and its PSNR-Y measured against the master over
 * the whole title; BD-rate (PSNR-Y) of per-title against fixed is the figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestStack, type TestStack } from '../test/support/stack.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal } from '../test/support/api.ts';
import { runFfmpeg } from '../workers/ffmpeg/run.ts';
import { plainPsnrY } from '../test/support/plain-psnr.ts';
import { bdRate, type RateQualityPoint } from '../ladder/bd-rate.ts';
import { monotoneCurve } from '../ladder/aggregate.ts';
import { createQueue, producerConnection } from '../workers/jobs/queue.ts';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 60);
const SIZE = { width: 1280, height: 720 };
/** Runs only the corpus titles whose name matches this regular expression (e.g. `BENCH_ONLY='noisy|life'`). */
const ONLY = new RegExp(process.env.BENCH_ONLY ?? '');

/** A detailed still (a deep mandelbrot frame): the picture of the slide and of the pan. */
const STILL = 'mandelbrot=s=1280x720:r=25,trim=start_frame=600:end_frame=601';

const CORPUS: { name: string; args: string[] }[] = [
  {
    name: 'near-static slide (detailed still, moving pointer)',
    args: ['-f', 'lavfi', '-i', `${STILL},loop=loop=-1:size=1,setpts=N/25/TB`, '-f', 'lavfi', '-i', 'color=white:s=48x48:r=25', '-filter_complex', "[0][1]overlay=x='mod(t*60,1200)':y=620"],
  },
  { name: 'flat animation (testsrc2)', args: ['-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=25'] },
  { name: 'noisy high motion (mandelbrot + grain)', args: ['-f', 'lavfi', '-i', 'mandelbrot=s=1280x720:r=25', '-vf', 'noise=alls=20:allf=t+u'] },
  { name: 'cellular detail (life)', args: ['-f', 'lavfi', '-i', 'life=s=1280x720:r=25:mold=10:ratio=0.15:life_color=#33cc66:death_color=#202040'] },
  {
    name: 'zoom/pan over a still',
    args: ['-f', 'lavfi', '-i', `${STILL},zoompan=z='1+0.0004*on':x='iw/2-(iw/zoom/2)+40*sin(on/150)':y='ih/2-(ih/zoom/2)':d=${DURATION_S * 25}:s=1280x720:fps=25`],
  },
];

interface Run {
  readonly points: RateQualityPoint[];
  readonly rungs: string;
  readonly analysisS: number;
  /** The analysis by job: probe (with the scan), samples, build-ladder. */
  readonly analysisParts: string;
  readonly encodeS: number;
}

/** Ingests the master with one ladder policy and measures every rung over the whole title. */
async function runPolicy(stack: TestStack, master: string, dir: string): Promise<Run> {
  const id = await ingest(stack.api.app, master);
  const t = await waitForFinal(stack.api.app, id, 3_600_000);
  if (t.state !== 'ready') throw new Error(`${master}: ${JSON.stringify(t.error)}`);
  const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
  const variants = parseMultivariant(res.body).variants;
  const tracks = [];
  for (const v of variants) tracks.push(await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id)));
  // Measured by a plain ffmpeg psnr, not by vodforge's own path: the figure is the judge of vodforge's choices.
  const quality = await Promise.all(tracks.map(async (tr) => ({ psnrY: await plainPsnrY({ encoded: tr.joinedFile, master, frameRate: '25', ...SIZE }) })));
  const points = tracks.map((tr, i) => ({
    bitrateKbps: (tr.segments.reduce((s, x) => s + x.bytes, 0) * 8) / 1000 / DURATION_S,
    quality: quality[i]?.psnrY ?? NaN,
    label: variants[i]?.attrs.RESOLUTION ?? '',
  }));
  // Job processing times from BullMQ: analysis (probe incl. scan, samples, ladder) vs chunk encodes.
  const conn = producerConnection(stack.redis.url);
  const queue = createQueue(conn, stack.config.prefix);
  const jobs = (await queue.getCompleted(0, 10_000)).filter((j) => JSON.stringify(j.data).includes(id));
  const span = (names: string[]): number =>
    jobs.filter((j) => names.includes(j.name)).reduce((s, j) => s + ((j.finishedOn ?? 0) - (j.processedOn ?? 0)) / 1000, 0);
  const analysisS = span(['probe', 'sample', 'build-ladder']);
  const analysisParts = (['probe', 'sample', 'build-ladder'] as const)
    .map((n) => `${n} ${span([n]).toFixed(1)} s${n === 'sample' ? ` (${jobs.filter((j) => j.name === n).length} jobs)` : ''}`)
    .join(', ');
  const encodeS = span(['encode-chunk']);
  await queue.close();
  conn.disconnect();
  return {
    points,
    rungs: [...points].sort((a, b) => a.bitrateKbps - b.bitrateKbps).map((p) => `${p.label.split('x')[1]}p@${Math.round(p.bitrateKbps)}k/${p.quality.toFixed(1)}dB`).join(' '),
    analysisS,
    analysisParts,
    encodeS,
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-bench-ladder-'));
  const perTitle = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title', settings: { preset: 'veryfast' }, maxUploadBytes: 4 * 1024 ** 3 });
  const fixed = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'fixed', settings: { preset: 'veryfast' }, maxUploadBytes: 4 * 1024 ** 3 });
  const rows: { name: string; bd: number; topSaved: number; share: number }[] = [];
  console.log(`bench:ladder: ${CORPUS.filter((t) => ONLY.test(t.name)).length} titles, ${DURATION_S} s each at 1280x720@25, x264 veryfast, PSNR-Y over every frame`);
  try {
    for (const c of CORPUS.filter((t) => ONLY.test(t.name))) {
      const master = path.join(dir, `${c.name.split(/[^a-z0-9-]/)[0]}.mp4`);
      await runFfmpeg([...c.args, '-t', String(DURATION_S), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p', master]);
      const pt = await runPolicy(perTitle, master, dir);
      const fx = await runPolicy(fixed, master, dir);
      let bd: number;
      try {
        bd = bdRate(monotoneCurve(fx.points), monotoneCurve(pt.points));
      } catch (err) {
        console.log(`\n${c.name}: no BD-rate (${(err as Error).message})\n  fixed     ${fx.rungs}\n  per-title ${pt.rungs}`);
        continue;
      }
      const top = (r: Run): RateQualityPoint => r.points.reduce((a, b) => (b.bitrateKbps > a.bitrateKbps ? b : a));
      const topSaved = 1 - top(pt).bitrateKbps / top(fx).bitrateKbps;
      const share = pt.analysisS / pt.encodeS;
      rows.push({ name: c.name, bd, topSaved, share });
      console.log(`\n${c.name}`);
      console.log(`  fixed     ${fx.rungs}`);
      console.log(`  per-title ${pt.rungs}`);
      console.log(
        `  BD-rate per-title vs fixed ${bd.toFixed(1)}%   top rung ${(topSaved * 100).toFixed(1)}% fewer bits (${top(pt).quality.toFixed(1)} vs ${top(fx).quality.toFixed(1)} dB)` +
          `   analysis ${pt.analysisS.toFixed(1)} s = ${(share * 100).toFixed(1)}% of the final encode's ${pt.encodeS.toFixed(1)} s`,
      );
      console.log(`  analysis by job: ${pt.analysisParts}`);
    }
  } finally {
    await perTitle.close();
    await fixed.close();
    await rm(dir, { recursive: true, force: true });
  }
  const avg = (f: (r: (typeof rows)[number]) => number): number => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  const worst = Math.max(...rows.map((r) => r.bd));
  console.log(`\naverage BD-rate ${avg((r) => r.bd).toFixed(1)}% (target <= -25%: ratio ${(avg((r) => r.bd) / -25).toFixed(2)} of target)   worst title ${worst.toFixed(1)}% (target <= 0%)`);
  console.log(`average top-rung bits saved ${(avg((r) => r.topSaved) * 100).toFixed(1)}%`);
  console.log(`average analysis share of final encode ${(avg((r) => r.share) * 100).toFixed(1)}% (target <= 20%: ratio ${(avg((r) => r.share) / 0.2).toFixed(2)} of budget)`);
}

await main();
