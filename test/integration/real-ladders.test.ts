import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { derivedMaster, realMasters } from '../support/corpus.ts';
import { countFrames } from '../support/media.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { plainPsnrY, type PlainPsnrInput } from '../support/plain-psnr.ts';

/**
 * The issue's own cases, through the whole stack on two workers: a 720p20 camera clip whose
 * MP3 audio leads the video, ingested twice at once (the two runs share the fleet, so their
 * timing differs). Both must ship the same ladder, one a viewer can use, with figures that a
 * plain ffmpeg psnr of each whole rung confirms; so must the real rocket launch, whose sample
 * window alone read 1.1 dB above its whole top rung.
 */
describe('per-title ladders on real footage', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;
  let launch: string;
  const ids: string[] = [];
  let launchId: string;
  let letterboxId: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title', settings: { preset: 'veryfast' } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-real-'));
    master = (await derivedMaster(dir, 'camera-20fps-mp3-led')).file;
    ids.push(await ingest(stack.api.app, master, 'run-1'), await ingest(stack.api.app, master, 'run-2'));
    launch = (await realMasters()).find((m) => m.name === 'launch')?.file ?? '';
    launchId = await ingest(stack.api.app, launch, 'launch');
    letterboxId = await ingest(stack.api.app, (await derivedMaster(dir, 'letterbox-2997')).file, 'letterbox');
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('the same master gives the same ladder on every run, whatever the timing', async () => {
    const [a, b] = await Promise.all(ids.map((id) => waitForFinal(stack.api.app, id, 600_000)));
    expect(a?.state).toBe('ready');
    expect(b?.state).toBe('ready');
    expect(a?.ladderAnalysis?.policy).toBe('per-title');
    expect(b?.ladder).toEqual(a?.ladder);
    expect(b?.ladderAnalysis?.points).toEqual(a?.ladderAnalysis?.points);
  });

  it('a 720p title gets at least three rungs spanning 4x, and its samples measure as a viewer sees them', async () => {
    const t = await waitForFinal(stack.api.app, ids[0] ?? '', 600_000);
    const ladder = t.ladder ?? [];
    expect(ladder.length).toBeGreaterThanOrEqual(3);
    expect((ladder.at(-1)?.bitrateKbps ?? 0) / (ladder[0]?.bitrateKbps ?? 1)).toBeGreaterThanOrEqual(4);
    // Misaligned samples read 15-20 dB at every size; aligned, the full-size CRF 20 point is far above.
    const best = Math.max(...(t.ladderAnalysis?.points ?? []).map((p) => p.psnrY));
    expect(best).toBeGreaterThan(38);
  });

  it('a window that ends with the title is sampled within its frames, and the title keeps its per-title ladder', async () => {
    // 108 frames at 29.97 fps: the last 2 s ran a frame past the end, and every analysis fell back.
    const t = await waitForFinal(stack.api.app, letterboxId, 600_000);
    expect(t.state).toBe('ready');
    expect(t.ladderAnalysis?.fallbackReason).toBeUndefined();
    expect(t.ladderAnalysis?.policy).toBe('per-title');
  });

  it.each([
    ['the camera clip', () => ids[0] ?? '', { master: () => master, frameRate: '20/1', width: 1280, height: 720 }],
    ['the rocket launch', () => launchId, { master: () => launch, frameRate: '24/1', width: 640, height: 360 }],
  ])("every rung's reported PSNR-Y of %s is its whole rung's, by a plain ffmpeg psnr of every frame", async (_, id, m) => {
    const t = await waitForRungQuality(stack.api.app, id(), 600_000);
    expect(t.state).toBe('ready');
    expect(t.rungQuality?.status).toBe('measured');
    // The title says which of its frames were compared: all of them, as ffprobe counts the master's.
    expect(t.rungQuality?.frames).toEqual([{ startFrame: 0, endFrame: await countFrames(m.master()) }]);
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${t.id}/master.m3u8` });
    const variants = [...new Map(parseMultivariant(res.body).variants.map((v) => [v.uri, v])).values()];
    const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
    expect(video).toHaveLength(variants.length);
    for (const [i, v] of variants.entries()) {
      const track = await downloadTrack(stack.api.app, t.id, v.uri, path.join(dir, t.id));
      const input: PlainPsnrInput = {
        encoded: track.joinedFile,
        master: m.master(),
        frameRate: m.frameRate,
        width: m.width,
        height: m.height,
      };
      const plain = await plainPsnrY(input);
      const reported = video[i]?.measuredPsnrDb ?? NaN;
      // A frame out of step would cost 15-30 dB.
      expect(reported).toBeGreaterThan(30);
      expect(Math.abs(reported - plain)).toBeLessThanOrEqual(0.5);
    }
  });
});
