import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { downloadTrack, ingest, waitForFinal } from '../support/api.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { tempDir } from '../support/temp-dirs.ts';

/** Each frame shows its index in the source in binary: eight stripes, 40 px wide, black for 0 and white for 1. */
const BARCODE = "geq=lum='16+219*mod(floor(N/pow(2\\,floor(X/40)))\\,2)'";

/** The indices a video's frames show (`BARCODE`), read by a plain ffmpeg: each stripe averaged to one pixel. */
async function shownIndices(file: string, dir: string): Promise<Set<number>> {
  const raw = path.join(dir, `${path.basename(file)}.gray`);
  await runFfmpeg(['-i', file, '-vf', 'scale=8:1:flags=area,format=gray', '-fps_mode', 'passthrough', '-f', 'rawvideo', raw]);
  const bytes = await readFile(raw);
  const shown = new Set<number>();
  for (let i = 0; i + 8 <= bytes.length; i += 8) {
    let index = 0;
    for (let bit = 0; bit < 8; bit++) if (bytes[i + bit]! > 125) index += 1 << bit;
    shown.add(index);
  }
  return shown;
}

/**
 * A variable-rate master (a phone in low light, a screen recording that pauses when nothing
 * moves) declares the rate its frames come at and averages far less. Its grid was the average:
 * a real phone clip lost 4 of 41 frames, and this master, 30 fps with a still stretch, lost a
 * third. The grid is now the lower of the two that keeps every frame.
 */
describe('a variable-rate master', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 1 });
    dir = await tempDir('vf-variable-rate-');
    master = path.join(dir, 'paused.mp4');
    // 30 fps for 2 s, one frame in ten for 2 s, 30 fps for 2 s: 126 frames, 21 fps on average.
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', `nullsrc=s=320x180:r=30:d=6,format=gray,${BARCODE},format=yuv420p`],
      ...['-vf', "select='lt(t\\,2)+gte(t\\,4)+not(mod(n\\,10))'", '-fps_mode', 'vfr'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', master],
    ]);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('ships every frame of the master, on the grid of its declared 30 fps', async () => {
    const source = await shownIndices(master, dir);
    expect(source.size).toBe(126);
    const id = await ingest(stack.api.app, master);
    const title = await waitForFinal(stack.api.app, id);
    expect(title.state).toBe('ready');
    const rung = await downloadTrack(stack.api.app, id, 'v0/playlist.m3u8', dir);
    const shipped = await shownIndices(rung.joinedFile, dir);
    expect([...source].filter((i) => !shipped.has(i))).toEqual([]);
  }, 180_000);
});
