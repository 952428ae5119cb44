import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { countFrames } from '../support/media.ts';
import { downloadTrack, ingest, waitForArtwork, waitForFinal } from '../support/api.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { tempDir } from '../support/temp-dirs.ts';

/** Mean luma (0-255) of the top `rows` rows of the frame at `atS`, by ffmpeg's signalstats. */
async function topLuma(file: string, atS: number, rows: number, dir: string): Promise<number> {
  const printed = path.join(dir, `luma-${atS}.txt`);
  await runFfmpeg([
    ...['-ss', String(atS), '-i', file, '-frames:v', '1'],
    ...['-vf', `crop=iw:${rows}:0:0,signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG:file=${printed}`, '-f', 'null', '-'],
  ]);
  const match = /YAVG=([\d.]+)/.exec(await readFile(printed, 'utf8'));
  if (match === null) throw new Error(`no YAVG printed for ${atS} s`);
  return Number(match[1]);
}

/**
 * A browser's recording of a window that was resized changes its picture size mid-stream, at a
 * keyframe. ffmpeg rebuilt its filter graph at the change, which flushed the frame-rate grid: the
 * chunk crossing it came out a frame long, its edit list differed from its neighbour's, and the
 * title failed with VF_CHUNK_SEGMENTS. Every frame is now fitted into the title's size.
 */
describe('a master whose picture size changes mid-stream', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 1 });
    dir = await tempDir('vf-size-change-');
    const parts = [
      { file: path.join(dir, 'wide-4x3.webm'), size: '320x240' },
      { file: path.join(dir, 'then-16x9.webm'), size: '320x180' },
    ];
    for (const p of parts) {
      await runFfmpeg([
        ...['-f', 'lavfi', '-i', `testsrc2=s=${p.size}:r=25:d=4`],
        ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', p.file],
      ]);
    }
    const list = path.join(dir, 'list.txt');
    await writeFile(list, parts.map((p) => `file '${p.file}'\n`).join(''));
    master = path.join(dir, 'resized.webm');
    await runFfmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', master]);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is ready with every frame, the second picture letterboxed in the first one’s shape', async () => {
    expect(await countFrames(master)).toBe(200);
    const id = await ingest(stack.api.app, master);
    const title = await waitForFinal(stack.api.app, id);
    expect(title.state).toBe('ready');
    const rung = await downloadTrack(stack.api.app, id, 'v0/playlist.m3u8', dir);
    expect(await countFrames(rung.joinedFile)).toBe(200);
    // testsrc2's top rows are coloured: 4:3 picture before the change, black bars after it.
    expect(await topLuma(rung.joinedFile, 1, 8, dir)).toBeGreaterThan(40);
    expect(await topLuma(rung.joinedFile, 6, 8, dir)).toBeLessThan(20);
  }, 180_000);

  it('gets artwork from every frame its candidate pass logged, on both sides of the change', async () => {
    const id = await ingest(stack.api.app, master);
    expect((await waitForFinal(stack.api.app, id)).state).toBe('ready');
    const art = await waitForArtwork(stack.api.app, id);
    expect(art.status).toBe('ready');
    // ffmpeg rebuilt the candidate pass's graph at the change, which reopened its frame log:
    // frames written and frames logged no longer matched, and frames got others' times.
    expect(art.warnings ?? []).toEqual([]);
    expect(art.candidates.some((c) => c.atS < 4)).toBe(true);
    expect(art.candidates.some((c) => c.atS > 4)).toBe(true);
  }, 180_000);
});
