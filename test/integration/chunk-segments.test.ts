import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { countFrames, frames } from '../support/media.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal } from '../support/api.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';

/** 29.97 fps: no chunk starts on a whole second, and each segment lasts 6.006 s. */
const FRAME_S = 1001 / 30000;
const VIDEO_S = 23.9;
/** On two slots of chunks up to 12 s, chunks 0-8 and 8-16 s: each ends off the segment grid, with a 2 s segment. */
const SHORT_S = 16;

/** A 29.97 fps master of `videoS` of picture whose sound runs on 0.6 s past it. */
async function makeMaster(dir: string, videoS: number): Promise<string> {
  const file = path.join(dir, `master-${videoS}.mp4`);
  await runFfmpeg([
    ...['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30000/1001:duration=${videoS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${videoS + 0.6}`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file],
  ]);
  return file;
}

/** A master of `videoS` encoded on a fresh two-worker stack in chunks of `chunkSegments` segments. */
interface Encoded {
  readonly stack: TestStack;
  readonly dir: string;
  readonly title: TitleViewT;
  readonly masterFrames: number;
}

async function encodeOnStack(chunkSegments: number, videoS: number): Promise<Encoded> {
  const stack = await startTestStack({ storage: 'local', workers: 2, settings: { preset: 'veryfast', chunkSegments } });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vf-chunk-segments-'));
  const master = await makeMaster(dir, videoS);
  const masterFrames = await countFrames(master);
  const title = await waitForFinal(stack.api.app, await ingest(stack.api.app, master));
  return { stack, dir, title, masterFrames };
}

async function closeEncoded(e: Encoded | undefined): Promise<void> {
  await e?.stack.close();
  if (e !== undefined) await rm(e.dir, { recursive: true, force: true });
}

/** Every rung of `t`: one unbroken timeline of `frameCount` frames, each segment led by a keyframe at its playlist time. */
async function checkRungs(stack: TestStack, dir: string, t: TitleViewT, frameCount: number, names: readonly string[]): Promise<number[]> {
  expect(t.state, JSON.stringify(t.error)).toBe('ready');
  const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${t.id}/master.m3u8` });
  const variants = parseMultivariant(res.body).variants;
  expect(variants.length).toBeGreaterThan(1);
  let durations: number[] = [];
  for (const v of variants) {
    const track = await downloadTrack(stack.api.app, t.id, v.uri, path.join(dir, `${t.id}-${v.uri.replace('/', '-')}`));
    expect(track.segments.map((s) => s.name)).toEqual(names);
    const all = await frames(track.joinedFile);
    expect(all).toHaveLength(frameCount);
    for (const [k, f] of all.entries()) expect(Math.abs(f.ptsS - k * FRAME_S), `${v.uri} frame ${k}`).toBeLessThan(1e-4);
    let startS = 0;
    for (const s of track.segments) {
      const first = (await frames(s.file))[0];
      expect(first?.key, `${v.uri} ${s.name}`).toBe(true);
      expect(Math.abs((first?.ptsS ?? NaN) - startS), `${v.uri} ${s.name}`).toBeLessThan(1e-3);
      startS += s.durationS;
    }
    durations = track.segments.map((s) => s.durationS);
  }
  return durations;
}

/**
 * Each chunk cuts its own segments, at the title's names and times: read back by ffprobe, every
 * published rung is one unbroken timeline (every frame of the master, one frame duration apart,
 * across the chunks' joins), every segment starts on a keyframe at the time its playlist
 * says, and a master whose sound outlasts its picture into one more chunk loses nothing.
 */
describe('segments cut by the chunks that encoded them', () => {
  let run: Encoded | undefined;

  // One 6 s segment per chunk on x264's B-frames: four chunks of 29.97 fps video, the sound
  // running on 0.6 s past the picture into a fifth chunk, which holds no frame.
  beforeAll(async () => {
    run = await encodeOnStack(1, VIDEO_S);
  }, 300_000);
  afterAll(() => closeEncoded(run));

  it('publishes every frame of every rung on one timeline, each segment led by a keyframe at its playlist time', async () => {
    const { stack, dir, title, masterFrames } = run!;
    await checkRungs(stack, dir, title, masterFrames, ['seg_00000.m4s', 'seg_00001.m4s', 'seg_00002.m4s', 'seg_00003.m4s']);
  }, 120_000);
});

/**
 * The last round of a title's chunks is shared to the keyframe interval, so a chunk may end off
 * the segment grid: it ends with a shorter segment, and the next chunk starts the next one.
 */
describe('a chunk that ends off the segment grid', () => {
  let run: Encoded | undefined;

  beforeAll(async () => {
    run = await encodeOnStack(2, SHORT_S);
  }, 300_000);
  afterAll(() => closeEncoded(run));

  it('a chunk that ends off the segment grid ends with a shorter segment, and the next chunk starts the next one', async () => {
    const { stack, dir, title: short, masterFrames: shortFrames } = run!;
    const durations = await checkRungs(stack, dir, short, shortFrames, [
      'seg_00000.m4s',
      'seg_00001.m4s',
      'seg_00002.m4s',
      'seg_00003.m4s',
    ]);
    // 6.006 and 2.002 s (chunk 0, 0-8.008 s), then 6.006 s and the rest of the 16 s picture.
    expect(durations.map((d) => Math.round(d))).toEqual([6, 2, 6, 2]);
    // DASH says the same: the video's SegmentTimeline, expanded, in seconds.
    const mpd = (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${short.id}/manifest.mpd` })).body;
    const template = /<SegmentTemplate timescale="(\d+)"[^>]*>\s*<SegmentTimeline>(.*?)<\/SegmentTimeline>/s.exec(mpd);
    expect(template).not.toBeNull();
    const timescale = Number(template?.[1]);
    const timeline = [...(template?.[2] ?? '').matchAll(/<S (?:t="\d+" )?d="(\d+)"(?: r="(\d+)")?\/>/g)].flatMap((m) =>
      new Array<number>(Number(m[2] ?? 0) + 1).fill(Number(m[1]) / timescale),
    );
    expect(timeline).toHaveLength(durations.length);
    for (const [i, d] of timeline.entries()) expect(Math.abs(d - (durations[i] ?? NaN)), `segment ${i}`).toBeLessThan(1e-3);
  }, 120_000);
});
