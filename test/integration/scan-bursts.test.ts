import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { probeMaster, type ProbeResult } from '../../ffmpeg/probe.ts';
import { keyframeTimes } from '../../workers/measure/keyframes.ts';
import { scanTitle } from '../../workers/jobs/analysis-reads.ts';
import { planScanBursts } from '../../ladder/scan-bursts.ts';

/**
 * The analysis scan of a long-GOP master on real ffmpeg: bursts from its keyframes read the
 * same SI/TI as the whole-title scan where they look, and nothing where they do not.
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

  it('reads in each burst what the whole scan reads there, and leaves the rest unknown', async () => {
    const bursts = planScanBursts({ durationS: probe.durationS, keyframesS: await keyframeTimes(master, probe.video.startTimeS) });
    expect(bursts?.map((b) => Math.round(b.startS))).toEqual([10, 20, 30]);
    const whole = await scanTitle({ tmpDir: dir }, 'whole', master, probe, undefined);
    const sparse = await scanTitle({ tmpDir: dir }, 'sparse', master, probe, bursts);
    expect(sparse.sitiPerSecond).toHaveLength(40);
    const scanned = new Set(bursts!.flatMap((b) => [0, 1, 2].map((s) => Math.floor(b.startS) + s)));
    for (const [sec, v] of sparse.sitiPerSecond.entries()) {
      if (!scanned.has(sec)) {
        expect(v).toBeNull();
        continue;
      }
      expect(v).not.toBeNull();
      // The same frames' SI, and TI from reference frames alike.
      expect(Math.abs(v!.si - whole.sitiPerSecond[sec]!.si)).toBeLessThan(0.05 * whole.sitiPerSecond[sec]!.si + 0.5);
    }
    // The two halves read differently, so agreeing with the whole scan means something.
    expect(Math.abs(sparse.sitiPerSecond[21]!.si - sparse.sitiPerSecond[11]!.si)).toBeGreaterThan(10);
  }, 120_000);
});
