/**
 * The per-title analysis' own reads (its scan, and where its windows land) are counted under
 * their step, apart from the ingest checks that run beside them in the probe job; reads the
 * checks started stay theirs, though the analysis waits for them. Real ffmpeg, real meter.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meterCpu } from '../../../ffmpeg/cpu-meter.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../../ffmpeg/encode-settings.ts';
import { probeMaster, type ProbeResult } from '../../../ffmpeg/probe.ts';
import { ANALYSIS_SCAN_STEP, readForAnalysis, windowKeyframes } from '../../../workers/jobs/analysis-reads.ts';
import { packetIndex } from '../../../workers/measure/keyframes.ts';
import { makeMaster } from '../../support/media.ts';

describe("the analysis' CPU step", () => {
  let dir: string;
  let file: string;
  let probe: ProbeResult;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-step-'));
    file = path.join(dir, 'master.mp4');
    await makeMaster(file, { width: 320, height: 240, fps: 25, durationS: 8, audio: false });
    probe = await probeMaster(file);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts the scan under the step and the packet index it waits for outside it', async () => {
    const signal = new AbortController().signal;
    const m = await meterCpu(async () => {
      // Started by the probe's checks, as the probe job does, before the analysis waits for it.
      const packets = packetIndex(file, probe.video.startTimeS, probe.durationS, signal);
      const reads = await readForAnalysis(
        { tmpDir: dir, settings: DEFAULT_ENCODE_SETTINGS },
        't1',
        file,
        probe,
        packets,
        Promise.resolve(undefined),
        Promise.resolve(0),
        Promise.resolve(true),
        signal,
      );
      return reads.scan.codedPerSecond.filter((c) => c !== null).length;
    });
    if (!('result' in m)) throw m.error;
    expect(m.result).toBeGreaterThan(0);
    const scanS = m.steps.get(ANALYSIS_SCAN_STEP) ?? 0;
    expect(scanS).toBeGreaterThan(0);
    // The packet index is an ingest check: in the whole, not in the step.
    expect(m.cpuS - scanS).toBeGreaterThan(0);
    expect([...m.steps.keys()]).toEqual([ANALYSIS_SCAN_STEP]);
  });

  it('counts the read that finds where a window lands under the step', async () => {
    const m = await meterCpu(() =>
      // No burst read says where the keyframe at 4 s lands: one frame is decoded to find out.
      windowKeyframes({ tmpDir: dir }, 't1', file, probe, [{ startS: 4 }], [0, 4], [], new AbortController().signal),
    );
    if (!('result' in m)) throw m.error;
    expect(m.result).toEqual([{ keyframeS: 4 }]);
    expect(m.cpuS).toBeGreaterThan(0);
    expect(m.steps.get(ANALYSIS_SCAN_STEP)).toBeCloseTo(m.cpuS, 6);
  });
});
