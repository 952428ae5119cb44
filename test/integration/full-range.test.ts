import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbe } from '../../ffmpeg/run.ts';
import { derivedMaster } from '../support/corpus.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { plainPsnrY } from '../support/plain-psnr.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

/**
 * A full-range master whose decoder gives plain `yuv420p` tagged `pc` (VP9 here, a webcam's
 * MPEG-4 in the wild: psychopy's testMovie.mp4 shipped one rung at 29.4 dB, every sample
 * reading 27-29 dB whatever its CRF). Its rungs ship in limited range like every other
 * master's, and every figure is the picture's, not its levels'.
 */
describe('a full-range master', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;
  let id: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title', settings: { preset: 'veryfast' } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-full-range-'));
    master = (await derivedMaster(dir, 'full-range-vp9')).file;
    id = await ingest(stack.api.app, master);
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is the premise: it decodes as yuv420p tagged full range', async () => {
    const { stdout } = await runProbe([
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=pix_fmt,color_range',
      '-of',
      'csv=p=0',
      master,
    ]);
    expect(stdout.trim()).toBe('yuv420p,pc');
  });

  it('gets a ladder from samples that read the picture: quality rises with the rate', async () => {
    const t = await waitForFinal(stack.api.app, id, 600_000);
    expect(t.state).toBe('ready');
    const points = t.ladderAnalysis?.points ?? [];
    // Levels compared instead of pictures read 27-31 dB at every CRF.
    expect(Math.max(...points.map((p) => p.psnrY))).toBeGreaterThan(40);
    const atSource = (crf: number): number => points.find((p) => p.width === 640 && p.crf === crf)?.psnrY ?? NaN;
    expect(atSource(20) - atSource(34)).toBeGreaterThan(5);
    expect((t.ladder ?? []).length).toBeGreaterThanOrEqual(3);
  });

  it('ships every rung in limited range, its reported PSNR-Y confirmed by a plain psnr of every frame', async () => {
    const t = await waitForRungQuality(stack.api.app, id, 600_000);
    expect(t.rungQuality?.status).toBe('measured');
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
    const variants = parseMultivariant(res.body).variants;
    const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
    expect(video).toHaveLength(variants.length);
    for (const [i, v] of variants.entries()) {
      const track = await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id));
      const { stdout } = await runProbe([
        ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=pix_fmt,color_range', '-of', 'csv=p=0', track.joinedFile],
      ]);
      expect(stdout.trim()).toBe('yuv420p,tv');
      const plain = await plainPsnrY({ encoded: track.joinedFile, master, frameRate: '24/1', width: 640, height: 360 });
      const reported = video[i]?.measuredPsnrDb ?? NaN;
      expect(Math.abs(reported - plain)).toBeLessThanOrEqual(0.5);
    }
    // Levels compared instead of pictures cap every rung near 30 dB.
    expect(video.at(-1)?.measuredPsnrDb).toBeGreaterThan(38);
  });
});
