import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { makeRotatedClip } from '../support/field-masters.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { probeJson } from '../support/media.ts';

/** What ffprobe says of a published rung: its size, and any display matrix left on it. */
async function rungGeometry(file: string): Promise<{ width: number; height: number; rotated: boolean }> {
  const v = (await probeJson(file)).streams.find((s) => s.codec_type === 'video') as {
    width: number;
    height: number;
    side_data_list?: { side_data_type?: string }[];
  };
  return { width: v.width, height: v.height, rotated: (v.side_data_list ?? []).some((d) => d.side_data_type === 'Display Matrix') };
}

/**
 * A phone clip recorded in portrait (a landscape sensor picture with a 90° display matrix) gave
 * square 234x234-like rungs: sizes came from the coded landscape picture while ffmpeg decoded
 * it upright. Every rung must be portrait, upright, with no rotation left for players to apply.
 */
describe('portrait masters (display rotation) give portrait rungs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-portrait-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('fixed ladder, a 1080p phone clip', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack({ storage: 'local', workers: 2 });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('every rung is portrait (234x416 up to 1080x1920), upright, without a display matrix', async () => {
      const master = path.join(dir, 'phone-1080.mp4');
      await makeRotatedClip(master, { width: 1920, height: 1080, durationS: 2, fps: 30 });
      // The instrument agrees the master is a rotated landscape picture.
      expect(await rungGeometry(master)).toEqual({ width: 1920, height: 1080, rotated: true });
      const id = await ingest(stack.api.app, master);
      const t = await waitForFinal(stack.api.app, id, 240_000);
      expect(t.error).toBeUndefined();
      expect(t.state).toBe('ready');
      expect(t.ladder?.map((r) => `${r.width}x${r.height}`)).toContain('1080x1920');
      const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
      const variants = parseMultivariant(res.body).variants;
      expect(variants.length).toBeGreaterThanOrEqual(4);
      for (const v of variants) {
        const track = await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id));
        const g = await rungGeometry(track.joinedFile);
        expect(g.rotated).toBe(false);
        expect(g.width).toBeLessThan(g.height);
        expect(g.width % 2).toBe(0);
        expect(v.attrs.RESOLUTION).toBe(`${g.width}x${g.height}`);
      }
    }, 300_000);
  });

  describe('per-title ladder, a 360p phone clip', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title' });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('samples, rungs and the quality measured on them are portrait, frames aligned with the upright master', async () => {
      const master = path.join(dir, 'phone-360.mp4');
      await makeRotatedClip(master, { width: 640, height: 360, durationS: 4, fps: 25 });
      const id = await ingest(stack.api.app, master);
      expect((await waitForFinal(stack.api.app, id, 300_000)).state).toBe('ready');
      const t = await waitForRungQuality(stack.api.app, id, 300_000);
      expect(t.ladderAnalysis?.policy).toBe('per-title');
      expect(t.ladderAnalysis?.fallbackReason).toBeUndefined();
      for (const p of t.ladderAnalysis?.points ?? []) expect(p.width).toBeLessThan(p.height);
      const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
      expect(video.length).toBeGreaterThan(0);
      for (const r of video) {
        expect(r.width ?? 0).toBeLessThan(r.height ?? 0);
        // A landscape reference against portrait rungs (or frames out of step) would read far below this.
        expect(r.measuredPsnrDb).toBeGreaterThan(30);
      }
    }, 360_000);
  });
});
