import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { pickedFrames, pickFilter } from '../../ffmpeg/frame-pick.ts';

const run = promisify(execFile);

/** The indices of the frames ffmpeg's `select` keeps of `frames` generated ones, read from their timestamps. */
async function selectedByFfmpeg(frames: number, step: number): Promise<number[]> {
  const { stdout } = await run(
    'ffmpeg',
    [
      ...['-hide_banner', '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', `nullsrc=s=16x16:r=25,trim=end_frame=${frames}`],
      ...['-vf', pickFilter(step).join(','), '-fps_mode', 'passthrough', '-c:v', 'rawvideo', '-f', 'framecrc', '-'],
    ],
    { maxBuffer: 64 << 20 },
  );
  // framecrc: stream, dts, pts, duration, size, crc; pts in the 1/25 time base is the frame's index.
  return stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => Number(l.split(',')[2]));
}

describe('the compared frames are the same in ffmpeg and in vodforge', () => {
  it.each([2, 3, 7, 192])('one in %i: ffmpeg selects exactly the frames pickedFrames names, over 20000 frames', async (step) => {
    const ffmpeg = await selectedByFfmpeg(20_000, step);
    expect(ffmpeg.length).toBeGreaterThan(20_000 / step - 5);
    expect(ffmpeg).toEqual(pickedFrames(20_000, step));
  });
});
