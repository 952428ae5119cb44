import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { derivedMaster } from '../support/corpus.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { plainPsnrYOver } from '../support/plain-psnr.ts';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { TitleStore } from '../../titles/store.ts';
import { connectedProducer } from '../../pipeline/queue.ts';

/**
 * Masters in the formats of editing, broadcast and archive (derived from real clips, see
 * corpus.ts), a 25i broadcast cut among them, through the whole stack: each is published, keeps its picture's shape, and every
 * rung's reported PSNR-Y is confirmed by a plain ffmpeg psnr of the published rung over the
 * frames the title names.
 */
const NAMES = ['prores-mov', 'dnxhr-mxf', 'pal-dv', 'interlaced-ts'] as const;

describe('studio, broadcast and archive masters', () => {
  let stack: TestStack;
  let dir: string;
  const masters = new Map<string, { file: string; id: string }>();

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title', settings: { preset: 'veryfast' } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-studio-'));
    for (const name of NAMES) {
      const { file } = await derivedMaster(dir, name);
      masters.set(name, { file, id: await ingest(stack.api.app, file, name) });
    }
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(NAMES)(
    '%s is published in its own shape, and its rungs measure as a plain psnr does',
    async (name) => {
      const { file, id } = masters.get(name) ?? { file: '', id: '' };
      const done = await waitForFinal(stack.api.app, id, 600_000);
      expect(done.error).toBeUndefined();
      expect(done.state).toBe('ready');
      const t = await waitForRungQuality(stack.api.app, id, 600_000);
      expect(t.rungQuality?.status).toBe('measured');
      const probe = await probeMaster(file);
      const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
      expect(video.length).toBeGreaterThanOrEqual(2);
      // The top rung keeps the display shape (PAL DV's 720x576 of 16:15 pixels is 4:3).
      const top = (t.ladder ?? []).at(-1);
      const shape = probe.video.displayWidth / probe.video.displayHeight;
      expect(Math.abs((top?.width ?? 0) / (top?.height ?? 1) - shape)).toBeLessThan(0.02);
      // The title's own frame grid (a phone's varying rate is put on one; a 25i broadcast's is
      // 50p once deinterlaced): the plain instrument puts the master's frames on it, at the
      // master's coded size, deinterlacing them as the title says it did.
      const conn = await connectedProducer(stack.redis.url);
      const stored = (await new TitleStore(conn, stack.config.prefix).get(id))?.probe?.video;
      conn.disconnect();
      const grid = stored?.frameRate ?? probe.video.frameRate;
      const d = stored?.deinterlace;
      expect(d === undefined).toBe(name !== 'interlaced-ts');
      const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
      const variants = [...new Map(parseMultivariant(res.body).variants.map((v) => [v.uri, v])).values()];
      expect(variants).toHaveLength(video.length);
      const frames = t.rungQuality?.frames ?? [];
      expect(frames.length).toBeGreaterThan(0);
      for (const [i, v] of variants.entries()) {
        const track = await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id));
        const plain = await plainPsnrYOver(
          {
            encoded: track.joinedFile,
            master: file,
            frameRate: `${grid.num}/${grid.den}`,
            width: probe.video.width,
            height: probe.video.height,
            ...(d === undefined ? {} : { deinterlace: { mode: d.mode, parity: d.parity } }),
          },
          frames,
          t.rungQuality?.frameStep ?? 1,
        );
        const reported = video[i]?.measuredPsnrDb ?? NaN;
        // Frames out of step read 15-20 dB; a whole 234p rung of a 1080p master reads about 29.5.
        expect(reported).toBeGreaterThan(25);
        expect(Math.abs(reported - plain)).toBeLessThanOrEqual(0.5);
      }
    },
    900_000,
  );
});
