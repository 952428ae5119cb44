import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { probeMaster, type ProbeResult } from '../../ffmpeg/probe.ts';
import { keyframeTimes } from '../../workers/measure/keyframes.ts';
import { scanTitle } from '../../workers/jobs/analysis-reads.ts';
import { planScanBursts } from '../../ladder/scan-bursts.ts';
import { codedMse, codedRate } from '../../ladder/coded-rate.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../ffmpeg/encode-settings.ts';
import { buildScanArgs, buildScanLossArgs } from '../../ffmpeg/scan-args.ts';
import { encodeScanFrames, scanCodedFiles } from '../../workers/jobs/scan-encode.ts';
import { parseMseY } from '../../workers/measure/parse.ts';
import { runProbe } from '../../ffmpeg/run.ts';

const deps = (tmpDir: string) => ({ tmpDir, settings: DEFAULT_ENCODE_SETTINGS });

/** Stretches the scan's figures are checked on, in seconds: each half of the master, and 2 s of each. */
const STRETCHES = [
  [0, 20],
  [20, 40],
  [4, 6],
  [30, 32],
] as const;

/**
 * The analysis scan of a long-GOP master on real ffmpeg: bursts from its keyframes price and
 * measure what the whole-title scan does where they look, and nothing where they do not.
 */
describe('sparse analysis scan', () => {
  let dir: string;
  let master: string;
  let probe: ProbeResult;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-scan-'));
    master = path.join(dir, 'master.mp4');
    // 40 s: 20 s of animation, then 20 s of a noisy fractal; 10 s GOPs, no scene-cut keyframes.
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=320x180:r=25:d=20',
      '-f',
      'lavfi',
      '-i',
      'mandelbrot=s=320x180:r=25,noise=alls=30:allf=t,trim=duration=20',
      '-filter_complex',
      '[0][1]concat=n=2:v=1',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '250',
      '-sc_threshold',
      '0',
      '-pix_fmt',
      'yuv420p',
      master,
    ]);
    probe = await probeMaster(master);
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the keyframes from packets alone, as seek positions in title time', async () => {
    const k = await keyframeTimes(master, probe.video.startTimeS);
    expect(k.map((t) => Math.round(t))).toEqual([0, 10, 20, 30]);
    for (const t of k) expect(t - Math.round(t)).toBeGreaterThan(0);
  });

  it('reads each second a burst covers and leaves the rest unknown; the whole scan finds the cut', async () => {
    const bursts = planScanBursts({ durationS: probe.durationS, keyframesS: await keyframeTimes(master, probe.video.startTimeS) });
    expect(bursts?.map((b) => Math.round(b.startS))).toEqual([10, 20, 30]);
    const whole = await scanTitle(deps(dir), 'whole', master, probe, undefined);
    // The animation gives way to the fractal at 20 s; scdet lists no other cut.
    expect(whole.sceneCutsS.map((t) => Math.round(t * 10) / 10)).toEqual([20]);
    const sparse = await scanTitle(deps(dir), 'sparse', master, probe, bursts);
    expect(sparse.codedPerSecond).toHaveLength(40);
    const scanned = new Set(bursts!.flatMap((b) => [0, 1, 2].map((s) => Math.floor(b.startS) + s)));
    for (const [sec, v] of sparse.codedPerSecond.entries()) {
      if (!scanned.has(sec)) {
        expect(v).toBeNull();
        continue;
      }
      expect(v?.bits).toBeGreaterThan(0);
      expect(v?.comparedS).toBeGreaterThan(0);
    }
  }, 120_000);

  it('prices each second by its own encode as a plain ffmpeg encode of the same frames does, in bursts too', async () => {
    const whole = await scanTitle(deps(dir), 'whole-coded', master, probe, undefined);
    expect(whole.codedPerSecond).toHaveLength(40);
    // The second instrument: x264 at the scan's CRF on the whole title at 160 px (every frame:
    // this master has no B-frames to skip), its packets read back by ffprobe.
    const plain = path.join(dir, 'plain.mp4');
    await runFfmpeg([
      '-i',
      master,
      '-vf',
      'scale=160:-2:flags=bilinear,format=yuv420p',
      '-c:v',
      'libx264',
      '-threads',
      '1',
      '-preset',
      'veryfast',
      '-crf',
      '27',
      '-force_key_frames',
      'expr:gte(t,n_forced*2)',
      '-sc_threshold',
      '0',
      '-an',
      plain,
    ]);
    const packets = (
      await runProbe(['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,size', '-of', 'csv=p=0', plain])
    ).stdout
      .trim()
      .split('\n')
      .map((l) => l.split(',').map(Number) as [number, number]);
    const plainRate = (from: number, to: number): number =>
      packets.filter(([t]) => t >= from && t < to).reduce((s, [, size]) => s + size * 8, 0) / (to - from);
    for (const [from, to] of STRETCHES) {
      const ours = codedRate(whole.codedPerSecond, from, to) ?? Number.NaN;
      expect(Math.abs(ours / plainRate(from, to) - 1)).toBeLessThan(0.1);
    }
    // The halves cost differently (at 160 px, the animation's detail more than the fractal's
    // noise, averaged out by the scaling): agreeing above means something.
    expect(Math.abs(Math.log2(plainRate(20, 40) / plainRate(0, 20)))).toBeGreaterThan(0.5);
    // Bursts price the seconds they read as the whole scan does, and nothing else.
    const bursts = planScanBursts({ durationS: probe.durationS, keyframesS: await keyframeTimes(master, probe.video.startTimeS) });
    const sparse = await scanTitle(deps(dir), 'sparse-coded', master, probe, bursts);
    for (const b of bursts ?? []) {
      const ours = codedRate(sparse.codedPerSecond, b.startS, b.startS + b.durationS) ?? Number.NaN;
      expect(Math.abs(ours / (codedRate(whole.codedPerSecond, b.startS, b.startS + b.durationS) ?? Number.NaN) - 1)).toBeLessThan(0.25);
    }
    expect(sparse.codedPerSecond[5]).toBeNull();
  }, 120_000);

  it('measures what its encode loses on each stretch as a plain ffmpeg psnr of the same encode does, in bursts too', async () => {
    const whole = await scanTitle(deps(dir), 'whole-loss', master, probe, undefined);
    // The second instrument: the scan's encode made by a plain ffmpeg command (as above, to
    // Matroska), decoded and compared on every frame with the master scaled as the scan scales it.
    const plain = path.join(dir, 'plain-loss.mkv');
    const thumb = 'scale=160:-2:flags=bilinear,format=yuv420p';
    const x264 = ['-c:v', 'libx264', '-threads', '1', '-preset', 'veryfast', '-crf', '27', '-force_key_frames', 'expr:gte(t,n_forced*2)'];
    await runFfmpeg(['-i', master, '-vf', thumb, ...x264, '-sc_threshold', '0', '-an', plain]);
    const stats = path.join(dir, 'plain-loss.txt');
    await runFfmpeg([
      ...['-i', plain, '-i', master],
      ...['-lavfi', `[0:v]settb=AVTB,setpts=N*1000[a];[1:v]${thumb},settb=AVTB,setpts=N*1000[b];[a][b]psnr=stats_file=${stats}`],
      ...['-f', 'null', '-'],
    ]);
    const mse = (await readFile(stats, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => Number(/mse_y:([\d.]+)/.exec(l)?.[1]));
    expect(mse).toHaveLength(1000);
    // 25 fps: frame n is at n / 25 s.
    const plainMse = (from: number, to: number): number => {
      const part = mse.slice(from * 25, to * 25);
      return part.reduce((a, b) => a + b, 0) / part.length;
    };
    for (const [from, to] of STRETCHES) {
      // The scan compares half the frames: a mean over two dozen of them on the 2 s stretches.
      expect(Math.abs(Math.log((codedMse(whole.codedPerSecond, from, to) ?? Number.NaN) / plainMse(from, to)))).toBeLessThan(0.15);
    }
    // The halves lose differently: agreeing above means something.
    expect(Math.abs(Math.log(plainMse(20, 40) / plainMse(0, 20)))).toBeGreaterThan(0.3);
    const bursts = planScanBursts({ durationS: probe.durationS, keyframesS: await keyframeTimes(master, probe.video.startTimeS) });
    const sparse = await scanTitle(deps(dir), 'sparse-loss', master, probe, bursts);
    for (const b of bursts ?? []) {
      const ours = codedMse(sparse.codedPerSecond, b.startS, b.startS + b.durationS) ?? Number.NaN;
      expect(Math.abs(Math.log(ours / (codedMse(whole.codedPerSecond, b.startS, b.startS + b.durationS) ?? Number.NaN)))).toBeLessThan(
        0.25,
      );
    }
    expect(codedMse(sparse.codedPerSecond, 5, 6)).toBeUndefined();
  }, 120_000);

  it('reads its encode back with nothing logged but what went wrong', async () => {
    const files = scanCodedFiles(dir, 'quiet', DEFAULT_ENCODE_SETTINGS);
    await runFfmpeg(
      buildScanArgs({
        kind: 'scan',
        input: master,
        metadataFile: path.join(dir, 'quiet.txt'),
        widthPx: 160,
        sceneThreshold: 10,
        coded: files.coded,
      }),
    );
    await encodeScanFrames(files);
    const statsFile = files.statsFile(0);
    const run = await runFfmpeg(
      buildScanLossArgs({ kind: 'scan-loss', coded: files.coded, listingFile: files.listingFile, statsFiles: [statsFile] }),
    );
    // Every frame numbered a millisecond apart reaches the muxer in order, not as an error per frame.
    expect(run.stderrTail).not.toMatch(/non monotonically increasing dts/);
    // Half of the 1000 frames, as picked: a comparison was made.
    expect(parseMseY(await readFile(statsFile, 'utf8')).length).toBeGreaterThan(400);
  }, 120_000);
});
