import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { chooseDeinterlace, parseIdetMetadata, type IdetCounts } from '../../workers/measure/interlace.ts';
import { derivedMaster } from '../support/corpus.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { countFrames } from '../support/media.ts';
import { plainPsnrY } from '../support/plain-psnr.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * Progressive masters `idet` calls interlaced, which deinterlacing would ship at twice their
 * frames, each pair one picture softened:
 * - a picture whose every line is drawn twice (a DOS game's 320x200 in 640x400, scrolling):
 *   cytadela's outro (cytadela-data). Its two fields are one picture, so nothing can comb.
 * - a master with one combed frame whose other frames `idet` cannot decide: kuttypy-gui's
 *   10 fps stepper gauge, BFF 191 of 192 frames by the multiple-frame count from 4 frames
 *   decided alone. The count carries one decision over every frame it cannot decide.
 */
describe('progressive masters idet calls interlaced', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('vf-idet-misreads-');
    stack = await startTestStack({ storage: 'local', workers: 2 });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  /** `idet`'s counts over the master's first `frames` frames, read as the probe reads them. */
  async function idetCounts(master: string, frames: number): Promise<IdetCounts | undefined> {
    const metadataFile = path.join(dir, `${path.basename(master)}.idet.txt`);
    await runFfmpeg(['-i', master, '-frames:v', String(frames), '-vf', `idet,metadata=mode=print:file=${metadataFile}`, '-f', 'null', '-']);
    return parseIdetMetadata(await readFile(metadataFile, 'utf8'));
  }

  /** Ingests `master` and checks every rung has its frames, measured as a plain psnr of every frame measures it. */
  async function shipsItsFrames(master: string, shape: { frameRate: string; width: number; height: number }): Promise<void> {
    const id = await ingest(stack.api.app, master);
    expect((await waitForFinal(stack.api.app, id, 600_000)).state).toBe('ready');
    const t = await waitForRungQuality(stack.api.app, id, 600_000);
    expect(t.rungQuality?.status).toBe('measured');
    const masterFrames = await countFrames(master);
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
    const variants = parseMultivariant(res.body).variants;
    const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
    expect(video.length).toBeGreaterThan(1);
    expect(video).toHaveLength(variants.length);
    for (const [i, v] of variants.entries()) {
      const track = await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id));
      // Deinterlaced, every field would have become a frame: twice as many.
      expect(await countFrames(track.joinedFile)).toBe(masterFrames);
      const plain = await plainPsnrY({ encoded: track.joinedFile, master, ...shape });
      expect(Math.abs((video[i]?.measuredPsnrDb ?? Number.NaN) - plain)).toBeLessThanOrEqual(0.5);
    }
  }

  describe('a line-doubled master', () => {
    let master: string;
    beforeAll(async () => {
      master = (await derivedMaster(dir, 'line-doubled-scroll')).file;
    }, 120_000);

    it('is the premise: idet alone calls it interlaced', async () => {
      expect(chooseDeinterlace(await idetCounts(master, 150))).toBeDefined();
      expect(await countFrames(master)).toBe(150);
    });

    it('ships its frames as they are, each rung confirmed by a plain psnr of every frame', async () => {
      await shipsItsFrames(master, { frameRate: '15/1', width: 640, height: 400 });
    }, 600_000);
  });

  describe('a master with one woven frame', () => {
    let master: string;
    beforeAll(async () => {
      master = (await derivedMaster(dir, 'one-woven-frame')).file;
    }, 120_000);

    it("is the premise: idet's multiple-frame count calls it interlaced from a handful of frames decided alone", async () => {
      const c = await idetCounts(master, 250);
      expect(c).toBeDefined();
      if (c === undefined) return;
      expect(Math.max(c.tff, c.bff)).toBeGreaterThan(150);
      expect(c.decidedAlone).toBeLessThan(20);
      // Had every frame the multiple-frame count decided been decided alone, it would be deinterlaced.
      expect(chooseDeinterlace({ ...c, decidedAlone: c.tff + c.bff + c.progressive })).toBeDefined();
    });

    it('ships its frames as they are, each rung confirmed by a plain psnr of every frame', async () => {
      await shipsItsFrames(master, { frameRate: '24/1', width: 640, height: 360 });
    }, 600_000);
  });
});
