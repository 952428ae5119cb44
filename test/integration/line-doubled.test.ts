import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { chooseDeinterlace, parseIdetMetadata } from '../../workers/measure/interlace.ts';
import { derivedMaster } from '../support/corpus.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { countFrames } from '../support/media.ts';
import { plainPsnrY } from '../support/plain-psnr.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * A picture whose every line is drawn twice (a DOS game's 320x200 in 640x400, scrolling) is
 * progressive, yet `idet` calls it interlaced: cytadela's outro (cytadela-data) was
 * deinterlaced to twice its frames, each pair the same picture softened. Its two fields are
 * one picture, so nothing can comb and it is encoded as it is.
 */
describe('a line-doubled master', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;

  beforeAll(async () => {
    dir = await tempDir('vf-line-doubled-');
    master = (await derivedMaster(dir, 'line-doubled-scroll')).file;
    stack = await startTestStack({ storage: 'local', workers: 2 });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is the premise: idet alone calls it interlaced', async () => {
    const metadataFile = path.join(dir, 'idet.txt');
    await runFfmpeg(['-i', master, '-frames:v', '150', '-vf', `idet,metadata=mode=print:file=${metadataFile}`, '-f', 'null', '-']);
    expect(chooseDeinterlace(parseIdetMetadata(await readFile(metadataFile, 'utf8')))).toBeDefined();
  });

  it('ships its frames as they are, each rung confirmed by a plain psnr of every frame', async () => {
    const id = await ingest(stack.api.app, master);
    expect((await waitForFinal(stack.api.app, id, 600_000)).state).toBe('ready');
    const t = await waitForRungQuality(stack.api.app, id, 600_000);
    expect(t.rungQuality?.status).toBe('measured');
    const masterFrames = await countFrames(master);
    expect(masterFrames).toBe(150);
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
    const variants = parseMultivariant(res.body).variants;
    const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
    expect(video.length).toBeGreaterThan(1);
    expect(video).toHaveLength(variants.length);
    for (const [i, v] of variants.entries()) {
      const track = await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id));
      // Deinterlaced, every field became a frame: 300 of them at 30 fps.
      expect(await countFrames(track.joinedFile)).toBe(masterFrames);
      const plain = await plainPsnrY({ encoded: track.joinedFile, master, frameRate: '15/1', width: 640, height: 400 });
      expect(Math.abs((video[i]?.measuredPsnrDb ?? Number.NaN) - plain)).toBeLessThanOrEqual(0.5);
    }
  }, 600_000);
});
