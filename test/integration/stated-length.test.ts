import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { realMasters, type CorpusMaster } from '../support/corpus.ts';
import { downloadTrack, ingest, waitForFinal } from '../support/api.ts';
import { countFrames } from '../support/media.ts';
import { tempDir } from '../support/temp-dirs.ts';
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';

/** Where a file's packets of one kind end (presentation time plus duration), by a plain ffprobe of every packet. */
async function packetsEndS(file: string, streams: 'v:0' | 'a:0'): Promise<{ firstS: number; lastS: number; endS: number }> {
  const { stdout } = await runProbe([
    '-v',
    'error',
    '-select_streams',
    streams,
    '-show_entries',
    'packet=pts_time,duration_time',
    '-of',
    'csv=p=0',
    file,
  ]);
  const rows = stdout
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number))
    .filter(([pts]) => Number.isFinite(pts));
  const starts = rows.map(([pts]) => pts ?? NaN);
  const ends = rows.map(([pts, d]) => (pts ?? NaN) + (Number.isFinite(d) ? (d ?? 0) : 0));
  return { firstS: Math.min(...starts), lastS: Math.max(...starts), endS: Math.max(...ends) };
}

/** A file's length by ffprobe. */
async function probedS(file: string): Promise<number> {
  const { stdout } = await runProbe(['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

/**
 * A real camera clip in ASF (WMV2 and WMA, from Go's mimetype test files) whose header states
 * 4.41 s, while its frames and samples run on to 6.44 s without a break, as any player plays
 * them. The title was planned over the stated 4.41 s: with every read now cut at the title's
 * frames, two seconds of picture and sound would have been lost.
 */
describe('a master whose picture and sound run past the length its header states', () => {
  let stack: TestStack;
  let dir: string;
  let camera: CorpusMaster;

  beforeAll(async () => {
    dir = await tempDir('vf-stated-length-');
    camera = (await realMasters()).find((m) => m.name === 'camera-wmv2')!;
    stack = await startTestStack({ storage: 'local', workers: 1 });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is as long as its packets, and ships every frame and sample', async () => {
    const video = await packetsEndS(camera.file, 'v:0');
    const audio = await packetsEndS(camera.file, 'a:0');
    // The premise: the header states two seconds less than the packets hold.
    expect(Math.max(video.endS, audio.endS) - (await probedS(camera.file))).toBeGreaterThan(1.5);

    const title = await waitForFinal(stack.api.app, await ingest(stack.api.app, camera.file));
    expect(title.state, JSON.stringify(title.error)).toBe('ready');
    expect(title.durationS).toBeCloseTo(Math.max(video.endS, audio.endS), 1);

    const v0 = await downloadTrack(stack.api.app, title.id, 'v0/playlist.m3u8', dir);
    // On the 30 fps grid, every slot from the first frame's to the last frame's: 193.
    const slots = Math.round((video.lastS - video.firstS) * 30) + 1;
    expect(await countFrames(v0.joinedFile)).toBe(slots);
    const a0 = await downloadTrack(stack.api.app, title.id, 'a0/playlist.m3u8', dir);
    expect(await probedS(a0.joinedFile)).toBeGreaterThan(audio.endS - 0.1);
  }, 180_000);

  it('a raw MPEG-1 stream whose header states a bit rate it does not have ships all its frames', async () => {
    // As a real 20 s MPEG-1 elementary stream that ffprobe took for 9 ms (the title shipped 1
    // frame of 500): ffprobe estimates a raw stream's length from its file size over the
    // sequence header's bit rate, here raised to the field's largest (104.9 Mbit/s).
    const made = path.join(dir, 'made.m1v');
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=8', '-c:v', 'mpeg1video', '-q:v', '4', '-f', 'mpeg1video', made]);
    const bytes = await readFile(made);
    for (let i = bytes.indexOf(SEQUENCE_HEADER); i !== -1; i = bytes.indexOf(SEQUENCE_HEADER, i + 4)) {
      // bit_rate: the 18 bits after the size, aspect and frame rate codes.
      bytes[i + 8] = 0xff;
      bytes[i + 9] = 0xff;
      bytes[i + 10] = (bytes[i + 10] ?? 0) | 0xc0;
    }
    const master = path.join(dir, 'raw-mpeg1.mpg');
    await writeFile(master, bytes);
    expect(await probedS(master)).toBeLessThan(0.5);
    const frames = await countFrames(master);
    expect(frames).toBe(200);

    const title = await waitForFinal(stack.api.app, await ingest(stack.api.app, master));
    expect(title.state, JSON.stringify(title.error)).toBe('ready');
    expect(title.durationS).toBeCloseTo(8, 1);
    const v0 = await downloadTrack(stack.api.app, title.id, 'v0/playlist.m3u8', path.join(dir, 'raw'));
    // Every frame. ffmpeg times a raw stream's flushed last frame a slot late, so the grid may show
    // the one before it twice; every reader sees the same, and the count follows it.
    const published = await countFrames(v0.joinedFile);
    expect(published).toBeGreaterThanOrEqual(frames);
    expect(published).toBeLessThanOrEqual(frames + 1);
  }, 180_000);
});

/** An MPEG-1/2 video sequence header's start code. */
const SEQUENCE_HEADER = Buffer.from([0, 0, 1, 0xb3]);
