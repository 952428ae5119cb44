import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg, runProbe } from '../../ffmpeg/run.ts';
import { downloadTrack, ingest, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { plainPsnrYOver } from '../support/plain-psnr.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { tempDir } from '../support/temp-dirs.ts';

/** Where `needle` starts in `bytes`, every place, in order. */
function* offsetsOf(bytes: Buffer, needle: Buffer): Generator<number> {
  for (let i = bytes.indexOf(needle); i !== -1; i = bytes.indexOf(needle, i + 1)) yield i;
}

/** Matroska's DefaultDuration element ID (0x23E383). */
const DEFAULT_DURATION = Buffer.from('23e383', 'hex');

/**
 * Turns every Matroska DefaultDuration element into a Void element of the same length, as a
 * browser's MediaRecorder leaves it out: ffprobe then has no frame duration.
 */
function withoutDefaultDuration(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (const i of offsetsOf(out, DEFAULT_DURATION)) {
    const length = 4 + (out[i + 3]! & 0x7f);
    out.set([0xec, 0x80 | (length - 2), ...new Array<number>(length - 2).fill(0)], i);
  }
  return out;
}

/** Sets every Matroska DefaultDuration (a 4-byte value) to `ns`, as a muxer that writes its clock there does. */
function withDefaultDurationNs(bytes: Buffer, ns: number): Buffer {
  const out = Buffer.from(bytes);
  for (const i of offsetsOf(out, DEFAULT_DURATION)) {
    if (out[i + 3] !== 0x84) throw new Error(`DefaultDuration of ${out[i + 3]! & 0x7f} bytes; expected 4`);
    out.writeUInt32BE(ns, i + 4);
  }
  return out;
}

/** Adds `offsetS` to every fragment's start (`tfdt`, its baseMediaDecodeTime) of a fragmented MP4 whose track counts `timescale` a second. */
function withFragmentsFrom(bytes: Buffer, offsetS: number, timescale: number): Buffer {
  const out = Buffer.from(bytes);
  for (const i of offsetsOf(out, Buffer.from('tfdt'))) {
    const at = i + 8;
    if (out[i + 4] === 1) out.writeBigUInt64BE(out.readBigUInt64BE(at) + BigInt(offsetS * timescale), at);
    else out.writeUInt32BE(out.readUInt32BE(at) + offsetS * timescale, at);
  }
  return out;
}

const probeOf = async (file: string, entries: string, extra: string[] = []): Promise<string> =>
  (await runProbe(['-v', 'error', ...extra, '-select_streams', 'v:0', '-show_entries', entries, '-of', 'csv=p=0', file])).stdout.trim();

/**
 * A browser's recording (MediaRecorder) is a live WebM: no Duration, no Cues, no frame
 * duration, and frame times in milliseconds as the camera delivered them. vodforge refused
 * every such upload with VF_NO_DURATION.
 */
describe('a live WebM that states no duration', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 1 });
    dir = await tempDir('vf-live-webm-');
    const recorded = path.join(dir, 'recorded.mkv');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30:d=8', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=8'],
      ...['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '400k', '-g', '100000', '-keyint_min', '100000'],
      ...['-c:a', 'libopus', recorded],
    ]);
    const live = path.join(dir, 'live.webm');
    // Capture jitter of up to 9 ms on a millisecond clock, written as a live stream.
    await runFfmpeg([
      ...['-i', recorded, '-map', '0', '-c', 'copy', '-bsf:v', 'setts=ts=trunc(N*1000/30+9*random(0))/(1000*TB)'],
      ...['-live', '1', '-f', 'webm', live],
    ]);
    master = path.join(dir, 'recording.webm');
    await writeFile(master, withoutDefaultDuration(await readFile(live)));
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is ready, as long as its packets say, with every frame it holds', async () => {
    // The premise: no duration.
    expect((await runProbe(['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', master])).stdout.trim()).toBe('N/A');
    const sourceFrames = Number(await probeOf(master, 'stream=nb_read_packets', ['-count_packets']));
    expect(sourceFrames).toBe(240);

    const id = await ingest(stack.api.app, master);
    const title = await waitForFinal(stack.api.app, id);
    expect(title.state).toBe('ready');
    expect(title.durationS).toBeGreaterThan(7.9);
    expect(title.durationS).toBeLessThan(8.1);
    // Counted by ffprobe in the published rung, as a player downloads it.
    const rung = await downloadTrack(stack.api.app, id, 'v0/playlist.m3u8', dir);
    expect(Number(await probeOf(rung.joinedFile, 'stream=nb_read_frames', ['-count_frames']))).toBe(sourceFrames);

    // Its one keyframe makes every read decode from the start: the rungs are measured in one
    // read of it over every frame, and a plain ffmpeg psnr over the frames the title reports agrees.
    const measured = await waitForRungQuality(stack.api.app, id);
    expect(measured.rungQuality?.status).toBe('measured');
    const frames = measured.rungQuality?.frames ?? [];
    expect(frames).toEqual([{ startFrame: 0, endFrame: sourceFrames }]);
    const plain = await plainPsnrYOver(
      { encoded: rung.joinedFile, master, frameRate: '30/1', width: 320, height: 180 },
      frames,
      measured.rungQuality?.frameStep ?? 1,
    );
    const reported = measured.renditions?.find((r) => r.kind === 'video')?.measuredPsnrDb ?? NaN;
    expect(reported).toBeGreaterThan(25);
    expect(Math.abs(reported - plain)).toBeLessThanOrEqual(0.5);
  }, 180_000);
});

/**
 * A Matroska track whose DefaultDuration is its 1 ms clock (a real webcam clip in ExoPlayer's
 * test files): ffprobe averages it to 1000 fps, and vodforge refused the master with
 * VF_NO_FRAME_RATE though its frames come 25 a second. The packets' mean stands in.
 */
describe("a Matroska master whose stated frame duration is its clock's", () => {
  let stack: TestStack;
  let dir: string;
  let master: string;

  beforeAll(async () => {
    // Per-title: a sample window reaching the title's end lost the last frame too, and the title its ladder.
    stack = await startTestStack({ storage: 'local', workers: 1, ladderPolicy: 'per-title', settings: { preset: 'veryfast' } });
    dir = await tempDir('vf-mkv-clock-');
    const made = path.join(dir, 'made.mkv');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=4', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=4'],
      // With its sound, as the webcam clip has: the title lasts as long as the last frame's slot.
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', made],
    ]);
    master = path.join(dir, 'clock.mkv');
    await writeFile(master, withDefaultDurationNs(await readFile(made), 1_000_000));
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is ready at the pace of its packets, with every frame and its per-title ladder', async () => {
    // The premise: ffprobe's average is the clock's.
    expect(await probeOf(master, 'stream=avg_frame_rate')).toBe('1000/1');
    const sourceFrames = Number(await probeOf(master, 'stream=nb_read_frames', ['-count_frames']));
    expect(sourceFrames).toBe(100);

    const title = await waitForFinal(stack.api.app, await ingest(stack.api.app, master));
    expect(title.state, JSON.stringify(title.error)).toBe('ready');
    const rung = await downloadTrack(stack.api.app, title.id, 'v0/playlist.m3u8', dir);
    expect(await probeOf(rung.joinedFile, 'stream=avg_frame_rate')).toBe('25/1');
    // Every frame, the last included, though the container shows it for 1 ms: its slot starts
    // before the video ends. Before, every read to the end stopped a frame short.
    expect(Number(await probeOf(rung.joinedFile, 'stream=nb_read_frames', ['-count_frames']))).toBe(sourceFrames);
    expect(title.ladderAnalysis?.policy).toBe('per-title');
    expect(title.warnings?.map((w) => w.code) ?? []).not.toContain('VF_LADDER_FALLBACK');
  }, 180_000);
});

/**
 * A live encoder's recording as fragmented MP4, its first fragment at 10 s: ffprobe states its
 * end time (17 s) as its duration, and vodforge looked for frames at 27 s and refused a whole
 * master as truncated (VF_TRUNCATED_MASTER).
 */
describe('a fragmented MP4 whose fragments start at 10 s', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 1 });
    dir = await tempDir('vf-fmp4-late-');
    const made = path.join(dir, 'made.mp4');
    await runFfmpeg([
      ...[
        '-f',
        'lavfi',
        '-i',
        'testsrc2=s=416x234:r=30:d=7',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-g',
        '30',
        '-video_track_timescale',
        '15360',
      ],
      ...['-movflags', 'frag_keyframe+empty_moov+default_base_moof', made],
    ]);
    master = path.join(dir, 'live.mp4');
    await writeFile(master, withFragmentsFrom(await readFile(made), 10, 15360));
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is ready, 7 s long, with every frame', async () => {
    // The premise: it starts at 10 s, and its stated duration is its end time.
    const [startS, statedS] = (await probeOf(master, 'stream=start_time,duration')).split(',').map(Number);
    expect(startS).toBeGreaterThanOrEqual(10);
    expect(statedS).toBe(17);
    const title = await waitForFinal(stack.api.app, await ingest(stack.api.app, master));
    expect(title.state, JSON.stringify(title.error)).toBe('ready');
    expect(title.durationS).toBeCloseTo(7, 3);
    const rung = await downloadTrack(stack.api.app, title.id, 'v0/playlist.m3u8', dir);
    expect(Number(await probeOf(rung.joinedFile, 'stream=nb_read_frames', ['-count_frames']))).toBe(210);
  }, 180_000);
});
