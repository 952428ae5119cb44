import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { derivedMaster } from '../support/corpus.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { plainPsnrYOver } from '../support/plain-psnr.ts';

/**
 * The issue's own cases, through the whole stack on two workers: a 720p20 camera clip whose
 * MP3 audio leads the video, ingested twice at once (the two runs share the fleet, so their
 * timing differs). Both must ship the same ladder, one a viewer can use, with figures that a
 * plain ffmpeg psnr confirms.
 */
describe('per-title ladders on real footage', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;
  const ids: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title', settings: { preset: 'veryfast' } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-real-'));
    master = (await derivedMaster(dir, 'camera-20fps-mp3-led')).file;
    ids.push(await ingest(stack.api.app, master, 'run-1'), await ingest(stack.api.app, master, 'run-2'));
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

  it("every rung's reported PSNR-Y is confirmed by a plain ffmpeg psnr of the published rung", async () => {
    const t = await waitForRungQuality(stack.api.app, ids[0] ?? '', 600_000);
    expect(t.rungQuality?.status).toBe('measured');
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${t.id}/master.m3u8` });
    const variants = parseMultivariant(res.body).variants;
    const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
    expect(video).toHaveLength(variants.length);
    // The title says which of its frames were compared; the plain instrument compares the same ones.
    const frames = t.rungQuality?.frames ?? [];
    expect(frames.length).toBeGreaterThan(0);
    for (const [i, v] of variants.entries()) {
      const track = await downloadTrack(stack.api.app, t.id, v.uri, path.join(dir, t.id));
      const plain = await plainPsnrYOver(
        { encoded: track.joinedFile, master, frameRate: '20/1', width: 1280, height: 720 },
        frames,
        t.rungQuality?.frameStep ?? 1,
      );
      const reported = video[i]?.measuredPsnrDb ?? NaN;
      // A frame out of step would cost 15-30 dB.
      expect(reported).toBeGreaterThan(30);
      expect(Math.abs(reported - plain)).toBeLessThanOrEqual(0.5);
    }
  });
});
