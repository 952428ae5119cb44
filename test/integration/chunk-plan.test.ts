import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';
import { downloadTrack, ingest, waitForFinal } from '../support/api.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

/**
 * Chunks are planned over the video's own frames, not the container's duration: a Matroska
 * master whose sound starts before its picture states 12.06 s for 12 s of video. Planned over
 * 12.06 s it was three 6 s segments, the third an empty tail, in two chunks on one slot.
 */
describe('the chunk plan of a master whose sound leads its picture', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;

  beforeAll(async () => {
    // One slot, two segments a chunk: 12 s of video is one chunk, 12.04 s would be two.
    stack = await startTestStack({ storage: 'local', workers: 1, settings: { fleetSlots: 1, chunkSegments: 2 } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-plan-'));
    master = path.join(dir, 'led.mkv');
    await runFfmpeg([
      ...['-itsoffset', '0.04', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25:d=12'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=12.04'],
      ...['-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
      // Frames as they come (an MP4's constant rate would fill the first 40 ms with a copy).
      ...['-fps_mode', 'passthrough'],
      master,
    ]);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('plans one chunk for 12 s of video in a longer file, and ships every frame', async () => {
    const stated = Number((await runProbe(['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', master])).stdout);
    expect(stated).toBeGreaterThan(12.03);
    const id = await ingest(stack.api.app, master);
    const title = await waitForFinal(stack.api.app, id);
    expect(title.state).toBe('ready');
    expect(title.timeline?.phases.find((p) => p.job === 'encode-chunk')?.runs).toBe(1);
    // The published rung holds all 300 frames in two segments, as a player downloads them.
    const rung = await downloadTrack(stack.api.app, id, 'v0/playlist.m3u8', dir);
    expect(rung.segments).toHaveLength(2);
    const frames = await runProbe([
      ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', rung.joinedFile],
    ]);
    expect(Number(frames.stdout)).toBe(300);
  }, 180_000);
});
