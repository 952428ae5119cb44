import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { makeBroadcastTs, TS_CLOCK_WRAP_S } from '../support/field-masters.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { countFrames, frames, probeJson } from '../support/media.ts';
import { realMasters } from '../support/corpus.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';

/** `idet`'s multi-frame verdict over a file, read from ffmpeg's own log line: an instrument apart from the probe job's parser. */
async function plainIdet(file: string): Promise<{ tff: number; bff: number; progressive: number }> {
  const { stderrTail } = await runFfmpeg(['-v', 'info', '-i', file, '-map', '0:v:0', '-vf', 'idet', '-f', 'null', '-']);
  const m = /Multi frame detection: TFF:\s*(\d+) BFF:\s*(\d+) Progressive:\s*(\d+)/.exec(stderrTail);
  if (m === null) throw new Error(`no idet verdict for ${file}`);
  return { tff: Number(m[1]), bff: Number(m[2]), progressive: Number(m[3]) };
}

/**
 * Complete broadcast and archive masters that were refused as `VF_TRUNCATED_MASTER`: MPEG
 * transport streams whose clock starts late, wraps, or carries two programs, and a corpus
 * clip whose keyframes are 31 s apart. Each must reach `ready` with every frame it has.
 */
describe('MPEG-TS masters and long GOPs are probed correctly', () => {
  let stack: TestStack;
  let dir: string;
  const masters: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-ts-'));
    const make = async (name: string, spec: Parameters<typeof makeBroadcastTs>[1]): Promise<void> => {
      masters[name] = path.join(dir, `${name}.ts`);
      await makeBroadcastTs(masters[name], spec);
    };
    await make('offset', { durationS: 4, clockStartS: 600 });
    // The clock passes 2^33 ticks 1.5 s into the file.
    await make('wrap', { durationS: 4, clockStartS: TS_CLOCK_WRAP_S - 1.4 - 1.5 });
    await make('programs', { durationS: 4, clockStartS: 600, secondProgram: true });
  });

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['offset', 'wrap', 'programs'])(
    'a complete PAL 576i25 MPEG-2/AC-3 transport stream (%s) reaches ready, deinterlaced to 50p: 200 progressive frames in 4 s',
    async (name) => {
      const master = masters[name] ?? '';
      // The master as generated: 100 frames the plain decoder reads, whatever its clock says.
      expect((await frames(master)).length).toBe(100);
      const id = await ingest(stack.api.app, master);
      const t = await waitForFinal(stack.api.app, id, 240_000);
      expect(t.error).toBeUndefined();
      expect(t.state).toBe('ready');
      // The title's sound only: the second program's audio belongs to another channel.
      expect((t.renditions ?? []).filter((r) => r.kind === 'audio').map((r) => r.id)).toEqual(['a0']);
      const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
      const top = parseMultivariant(res.body).variants.at(-1);
      const track = await downloadTrack(stack.api.app, id, top?.uri ?? '', path.join(dir, id));
      // Every field became a frame, and the frames are progressive by a plain ffmpeg idet.
      expect(await countFrames(track.joinedFile)).toBe(200);
      const out = await probeJson(track.joinedFile);
      expect(out.streams.find((s) => s.codec_type === 'video')?.r_frame_rate).toBe('50/1');
      expect(Number(out.format.duration)).toBeCloseTo(4, 1);
      const idet = await plainIdet(track.joinedFile);
      expect(idet.progressive).toBeGreaterThan(0.9 * (idet.tff + idet.bff + idet.progressive));
      // The master by the same instrument: interlaced, top field first.
      const before = await plainIdet(master);
      expect(before.tff).toBeGreaterThan(0.9 * (before.tff + before.bff + before.progressive));
    },
    300_000,
  );

  it('the channels corpus clip, keyframes 31 s apart, is not taken for truncated', async () => {
    const channels = (await realMasters()).find((m) => m.name === 'channels');
    const id = await ingest(stack.api.app, channels?.file ?? '');
    const t = await waitForFinal(stack.api.app, id, 240_000);
    expect(t.error).toBeUndefined();
    expect(t.state).toBe('ready');
  }, 300_000);

  it('an audio stream its programme map declares and the file carries none of is left out, with a warning', async () => {
    // As a satellite capture's AAC: in the PMT, no packet in the file. Its encode failed with
    // ffmpeg's "Conversion failed!" (VF_AUDIO_TRACK_FAILED), which named no cause.
    const master = path.join(dir, 'declared-audio.ts');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=3', '-f', 'lavfi', '-i', 'sine=d=3'],
      ...['-map', '0:v', '-map', '1:a', '-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-frames:a', '0', master],
    ]);
    // The premise, by a plain ffprobe: the stream is declared, and nothing gave its rate or channels.
    const declared = (await probeJson(master)).streams.find((s) => s.codec_type === 'audio');
    expect([declared?.sample_rate, declared?.channels]).toEqual(['0', 0]);
    const t = await waitForFinal(stack.api.app, await ingest(stack.api.app, master), 240_000);
    expect(t.state, JSON.stringify(t.error)).toBe('ready');
    expect((t.renditions ?? []).filter((r) => r.kind === 'audio')).toEqual([]);
    expect((t.warnings ?? []).map((w) => w.code)).toEqual(['VF_AUDIO_TRACK_EMPTY']);
  }, 300_000);
});

/**
 * The deinterlacer is part of the one definition of the title's frames: chunk encodes cut at
 * 50p frame indices, sample encodes and every quality reference all see the same 50 frames a
 * second, so two chunks join without a frame lost or doubled and the measured quality is that
 * of aligned frames.
 */
describe('an interlaced master on the per-title ladder, in two chunks', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title', settings: { chunkSegments: 1 } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-576i-'));
  });
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('every rung has all 400 frames of 8 s at 50p, and its measured PSNR-Y is that of aligned frames', async () => {
    const master = path.join(dir, 'pal-8s.ts');
    await makeBroadcastTs(master, { durationS: 8 });
    const id = await ingest(stack.api.app, master);
    expect((await waitForFinal(stack.api.app, id, 300_000)).state).toBe('ready');
    const t = await waitForRungQuality(stack.api.app, id, 300_000);
    expect(t.ladderAnalysis?.fallbackReason).toBeUndefined();
    expect(t.rungQuality?.status).toBe('measured');
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
    for (const v of parseMultivariant(res.body).variants) {
      const track = await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id));
      expect(await countFrames(track.joinedFile)).toBe(400);
    }
    for (const r of (t.renditions ?? []).filter((x) => x.kind === 'video')) expect(r.measuredPsnrDb).toBeGreaterThan(30);
  }, 400_000);
});
