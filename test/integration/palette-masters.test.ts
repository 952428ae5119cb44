import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { derivedMaster } from '../support/corpus.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal } from '../support/api.ts';
import { plainPsnrY } from '../support/plain-psnr.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * A palettized master (QuickTime Graphics in MOV, from the real launch clip) gets its palette
 * with its first packet only: a read that seeks to any later keyframe decodes black, and no
 * decoder says so. contextfree's trill2.mov (QuickTime Animation, pal8) was published black
 * past its first chunk.
 */
describe('a palettized master', () => {
  let stack: TestStack;
  let master: string;

  beforeAll(async () => {
    const dir = await tempDir('vf-palette-');
    master = (await derivedMaster(dir, 'palette-smc-mov')).file;
    // One 6 s chunk a job: the second starts past keyframes a seek would land on.
    stack = await startTestStack({ storage: 'local', workers: 2, settings: { chunkSegments: 1, fleetSlots: 2 } });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is the premise: a read that seeks to a keyframe decodes black', async () => {
    expect((await probeMaster(master)).video.pixFmt).toBe('pal8');
    const mean = async (seek: string[]): Promise<number> => {
      const { stderrTail } = await runFfmpeg([
        ...seek,
        ...['-i', master, '-frames:v', '1', '-vf', 'signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG', '-f', 'null', '-'],
      ]);
      return Number(/YAVG=([\d.]+)/.exec(stderrTail)?.[1]);
    };
    expect(await mean(['-ss', '6.5'])).toBeLessThan(17);
    expect(await mean([])).toBeGreaterThan(40);
  });

  it('is read from its start by every reader: every rung is the master, by a plain psnr of every frame', async () => {
    const id = await ingest(stack.api.app, master);
    const t = await waitForFinal(stack.api.app, id, 300_000);
    expect(t.state).toBe('ready');
    expect(t.warnings?.map((w) => w.code)).toContain('VF_KEYFRAMES_NOT_ENTRY_POINTS');
    expect(t.timeline?.phases.find((p) => p.job === 'encode-chunk')?.runs).toBeGreaterThan(1);
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
    const variants = parseMultivariant(res.body).variants;
    expect(variants.length).toBeGreaterThan(0);
    for (const v of variants) {
      const track = await downloadTrack(stack.api.app, id, v.uri, path.join(stack.dir, id));
      // Black past the first chunk reads about 10 dB; the palette kept, far above 30.
      expect(await plainPsnrY({ encoded: track.joinedFile, master, frameRate: '24/1', width: 320, height: 180 })).toBeGreaterThan(30);
    }
  }, 300_000);
});
