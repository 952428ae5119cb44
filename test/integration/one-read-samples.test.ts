import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ENCODE_SETTINGS } from '../../ffmpeg/encode-settings.ts';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { framesOf, timelineOf } from '../../ffmpeg/source-frames.ts';
import type { SampleJobData } from '../../pipeline/types.ts';
import { cpuStepKey } from '../../titles/cpu-steps.ts';
import { ANALYSIS_SCAN_STEP } from '../../workers/jobs/analysis-reads.ts';
import { SAMPLE_CRFS } from '../../workers/jobs/ladder-analysis.ts';
import { oneReadSamples } from '../../workers/jobs/one-read-samples.ts';
import { sampleWindow } from '../../workers/jobs/sample-window.ts';
import { FrameCountMismatchError } from '../../workers/measure/errors.ts';
import { firstFrameTimeS } from '../../workers/measure/keyframes.ts';
import { ingest, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { realMasters } from '../support/corpus.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * The corpus's rocket launch looped three times and re-recorded with one keyframe, as
 * MediaRecorder writes it: VP8, 24 s. libvpx's `good` deadline on one thread, not `realtime`,
 * whose speed (and so its bits) follows the machine's load: every run gets the same master.
 */
async function oneKeyframeLaunch(dir: string): Promise<string> {
  const launch = (await realMasters()).find((m) => m.name === 'launch');
  if (launch === undefined) throw new Error('the corpus has no launch clip');
  const master = path.join(dir, 'recording.webm');
  await runFfmpeg([
    ...['-stream_loop', '2', '-i', launch.file, '-c:v', 'libvpx', '-deadline', 'good', '-cpu-used', '5', '-threads', '1', '-b:v', '1M'],
    ...['-g', '100000', '-keyint_min', '100000', '-c:a', 'libopus', master],
  ]);
  return master;
}

/**
 * A master with one keyframe (a browser's recording) has every window of its analysis cut from
 * one read (`oneReadSamples`): a read of each window decoded the title up to it, twice. Each
 * window's copy must give the very figures a read of that window gives.
 */
describe('samples of a one-keyframe master, from one read', () => {
  let dir: string;
  let master: string;
  let d: SampleJobData;
  const windows = [
    { startS: 1, durationS: 2, weight: 0.3 },
    { startS: 9.5, durationS: 2, weight: 0.3 },
    { startS: 20, durationS: 2, weight: 0.4 },
  ];

  beforeAll(async () => {
    dir = await tempDir('vf-one-read-');
    master = await oneKeyframeLaunch(dir);
    const probed = await probeMaster(master);
    const [first, ...following] = windows;
    d = {
      source: { titleId: 'one-read', sourceKey: 'masters/one-read', sha256: '0'.repeat(64) },
      index: 0,
      window: first!,
      followingWindows: following,
      timeline: timelineOf({ ...probed, video: { ...probed.video, firstFrameS: await firstFrameTimeS(master) } }),
      sourceSize: { width: 640, height: 360 },
      sizes: [
        { width: 416, height: 234 },
        { width: 640, height: 360 },
      ],
      crfs: SAMPLE_CRFS,
      settings: { ...DEFAULT_ENCODE_SETTINGS, preset: 'veryfast' },
    };
  }, 120_000);

  it("gives every window the points a read of that window gives, and proves the first one's alignment", async () => {
    const signal = new AbortController().signal;
    const one = await oneReadSamples(d, master, await tempDir('vf-one-read-copies-'), signal);
    expect(one.selfCheck?.psnrY).toBeGreaterThan(60);
    expect(one.windows.map((w) => w.weight)).toEqual(windows.map((w) => w.weight));
    for (const [k, w] of windows.entries()) {
      const own = await sampleWindow(
        d,
        { input: master, timeline: d.timeline, frames: framesOf(w, d.timeline.frameRate) },
        await tempDir('vf-one-read-own-'),
        {
          selfCheck: true,
          signal,
        },
      );
      expect(own.checked.selfCheck?.psnrY).toBeGreaterThan(60);
      expect(one.windows[k]?.points).toHaveLength(2 * SAMPLE_CRFS.length);
      // The same frames into the same encoder: the same bytes, so the same rate, and the same figures.
      expect(one.windows[k]?.points).toEqual(own.points);
    }
  }, 300_000);

  it('gives the same points when the copies are cut from one read per window, past the scratch bound', async () => {
    const signal = new AbortController().signal;
    const one = await oneReadSamples(d, master, await tempDir('vf-one-read-one-'), signal);
    // A bound of one byte: each window's copy is cut from a read of its own.
    const each = await oneReadSamples(d, master, await tempDir('vf-one-read-each-'), signal, 1);
    expect(each.windows).toEqual(one.windows);
    expect(each.selfCheck?.psnrY).toBeGreaterThan(60);
  }, 300_000);

  it('fails a window the master cannot fill, naming it, instead of measuring fewer frames', async () => {
    const beyond = { startS: 23, durationS: 4, weight: 0.5 };
    const past = { ...d, followingWindows: [beyond] };
    const run = oneReadSamples(past, master, await tempDir('vf-one-read-short-'), new AbortController().signal);
    await expect(run).rejects.toBeInstanceOf(FrameCountMismatchError);
    const f = framesOf(beyond, d.timeline.frameRate);
    await expect(run).rejects.toThrow(`frames ${f.startFrame}-${f.endFrame - 1}`);
  }, 120_000);
});

/** Through the stack: one sample job, no scan, and the same decision whatever runs beside it. */
describe('a one-keyframe master, per-title', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('vf-one-read-stack-');
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title', settings: { preset: 'veryfast' } });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is sampled in one job without a scan, and gets the same ladder on two ingests at once', async () => {
    const master = await oneKeyframeLaunch(dir);
    const ids = await Promise.all([ingest(stack.api.app, master), ingest(stack.api.app, master)]);
    const titles = await Promise.all(ids.map((id) => waitForFinal(stack.api.app, id, 300_000)));
    for (const t of titles) {
      expect(t.state, t.error?.message).toBe('ready');
      expect(t.ladderAnalysis?.policy).toBe('per-title');
      expect(t.ladderAnalysis?.notes?.filter((n) => n.startsWith('SAMPLE_FAILED'))).toEqual([]);
      expect(t.timeline?.phases.find((p) => p.job === 'sample')?.runs).toBe(1);
      expect(t.cpuStepsS?.[cpuStepKey('probe', ANALYSIS_SCAN_STEP)] ?? 0).toBe(0);
    }
    expect(titles[0]?.ladder?.length).toBeGreaterThan(1);
    expect(titles[1]?.ladder).toEqual(titles[0]?.ladder);
    expect(titles[1]?.ladderAnalysis?.points).toEqual(titles[0]?.ladderAnalysis?.points);
    const measured = await waitForRungQuality(stack.api.app, ids[0]!, 300_000);
    expect(measured.rungQuality?.status).toBe('measured');
  }, 300_000);
});
