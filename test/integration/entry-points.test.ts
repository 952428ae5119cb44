import path from 'node:path';
import { countFrames } from '../support/media.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { derivedMaster, realMasters, type CorpusMaster } from '../support/corpus.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { plainPsnrY, plainPsnrYOver, type PlainPsnrInput } from '../support/plain-psnr.ts';
import { tempDir } from '../support/temp-dirs.ts';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { timelineOf } from '../../ffmpeg/source-frames.ts';
import { packetIndex } from '../../workers/measure/keyframes.ts';
import { keyframesAreEntryPoints } from '../../workers/measure/entry-points.ts';
import { readForAnalysis } from '../../workers/jobs/analysis-reads.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../ffmpeg/encode-settings.ts';
import { movedFrames, parseFrameList, seeksKeepFrameTimes } from '../../workers/measure/seek-times.ts';
import { readFile } from 'node:fs/promises';

/**
 * A master whose container flags keyframes a decoder cannot start from: imageio's cockatoo.mp4
 * (H.264 4:4:4, I-frames flagged at 3.8 and 7.25 s, no IDR after the first frame). Chunks read
 * from those keyframes shipped green garbage from 8 s on (a plain psnr of the published rungs:
 * 18.5 dB), and the measurements read the same garbage from the master, so nothing said so.
 */
describe('a master whose keyframes are no entry points', () => {
  let stack: TestStack;
  let dir: string;
  let cockatoo: CorpusMaster;

  beforeAll(async () => {
    dir = await tempDir('vf-entry-');
    const real = await realMasters();
    cockatoo = real.find((m) => m.name === 'cockatoo-444')!;
    // One 6 s chunk a job for a seekable master: this one, read from its start by every chunk,
    // gets no more chunks than the fleet's two slots, the second starting past a flagged keyframe.
    stack = await startTestStack({ storage: 'local', workers: 2, settings: { chunkSegments: 1, fleetSlots: 2 } });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is told apart from masters whose keyframes are, open GOPs included', async () => {
    const masters = [cockatoo, ...(await realMasters()).filter((m) => m.name === 'vtest'), await derivedMaster(dir, 'open-gop-ts')];
    // The real clip looped, its packets copied: an IDR at each loop's start, the flagged I-frames between.
    const looped = path.join(dir, 'cockatoo-looped.mp4');
    await runFfmpeg(['-stream_loop', '11', '-i', cockatoo.file, '-map', '0:v', '-c', 'copy', looped]);
    masters.push({ ...cockatoo, name: 'cockatoo-looped', file: looped });
    const verdicts = await Promise.all(
      masters.map(async (m) => {
        const p = await probeMaster(m.file);
        const index = await packetIndex(m.file, p.video.startTimeS, p.durationS);
        return [m.name, await keyframesAreEntryPoints(m.file, timelineOf(p), index.keyframesS)] as const;
      }),
    );
    expect(Object.fromEntries(verdicts)).toEqual({ 'cockatoo-444': false, 'cockatoo-looped': false, vtest: true, 'open-gop-ts': true });
  });

  it('is not scanned in bursts from its keyframes, which would describe garbage', async () => {
    // Three loops, 42 s: long enough to be scanned in bursts from keyframes, had they been entry points.
    const looped = path.join(dir, 'cockatoo-3.mp4');
    await runFfmpeg(['-stream_loop', '2', '-i', cockatoo.file, '-map', '0:v', '-c', 'copy', looped]);
    const reads = async (file: string) => {
      const p = await probeMaster(file);
      const index = await packetIndex(file, p.video.startTimeS, p.durationS);
      const seekable = keyframesAreEntryPoints(file, timelineOf(p), index.keyframesS);
      const settings = { tmpDir: dir, settings: DEFAULT_ENCODE_SETTINGS };
      return readForAnalysis(
        settings,
        'scan',
        file,
        p,
        Promise.resolve(index),
        Promise.resolve(undefined),
        Promise.resolve(0),
        seekable,
        new AbortController().signal,
      );
    };
    const garbage = await reads(looped);
    expect(garbage.bursts).toBeUndefined();
    expect(garbage.scan.codedPerSecond).toEqual([]);
    // A master whose keyframes are entry points is scanned in bursts as before.
    const vtest = (await realMasters()).find((m) => m.name === 'vtest')!;
    const seekable = await reads(vtest.file);
    expect(seekable.bursts?.length).toBeGreaterThan(1);
    expect(seekable.scan.codedPerSecond.filter((s) => s !== null).length).toBeGreaterThan(0);
  }, 180_000);

  it('is encoded from its start: every published rung is the master, by a plain ffmpeg psnr', async () => {
    const id = await ingest(stack.api.app, cockatoo.file);
    const t = await waitForFinal(stack.api.app, id, 300_000);
    expect(t.error).toBeUndefined();
    expect(t.state).toBe('ready');
    expect(t.timeline?.phases.find((p) => p.job === 'encode-chunk')?.runs).toBe(2);
    expect(t.warnings?.map((w) => w.code)).toContain('VF_KEYFRAMES_NOT_ENTRY_POINTS');
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
    const { variants } = parseMultivariant(res.body);
    expect(variants.length).toBeGreaterThanOrEqual(2);
    const rungs: PlainPsnrInput[] = [];
    for (const v of variants) {
      const track = await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id));
      const rung = { encoded: track.joinedFile, master: cockatoo.file, frameRate: '20/1', width: 1280, height: 720 };
      rungs.push(rung);
      // Garbage past the first chunk read 18.5 dB; an ultrafast encode of the whole title is far above.
      expect(await plainPsnrY(rung)).toBeGreaterThan(30);
    }
    // The rungs are measured over every frame in one read from its start; a plain psnr of the same frames agrees.
    const measured = await waitForRungQuality(stack.api.app, id, 300_000);
    expect(measured.rungQuality?.status).toBe('measured');
    const frames = measured.rungQuality?.frames ?? [];
    expect(frames).toEqual([{ startFrame: 0, endFrame: await countFrames(cockatoo.file) }]);
    const video = (measured.renditions ?? []).filter((r) => r.kind === 'video');
    expect(video).toHaveLength(rungs.length);
    for (const [i, rung] of rungs.entries()) {
      const plain = await plainPsnrYOver(rung, frames, measured.rungQuality?.frameStep ?? 1);
      expect(Math.abs((video[i]?.measuredPsnrDb ?? 0) - plain)).toBeLessThanOrEqual(0.5);
    }
  }, 300_000);
});

/**
 * A browser's MediaRecorder writes one keyframe and no more: every chunk's read seeks to it
 * and decodes the title up to its own frames. The title is cut into no more chunks than the
 * fleet has slots, and each still encodes its own frames.
 */
describe('a master with one keyframe, as a browser records', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    dir = await tempDir('vf-onekey-');
    // One 6 s chunk a job for a master with keyframes to seek to: this 30 s one would get five.
    stack = await startTestStack({ storage: 'local', workers: 2, settings: { chunkSegments: 1, fleetSlots: 2 } });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('is cut into as many chunks as the fleet has slots, and every rung is the master by a plain psnr', async () => {
    const master = path.join(dir, 'recording.webm');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30,trim=duration=30'],
      ...['-c:v', 'libvpx', '-b:v', '600k', '-g', '100000', '-keyint_min', '100000', '-deadline', 'realtime', '-cpu-used', '8', master],
    ]);
    const id = await ingest(stack.api.app, master);
    const t = await waitForFinal(stack.api.app, id, 300_000);
    expect(t.state, t.error?.message).toBe('ready');
    expect(t.timeline?.phases.find((p) => p.job === 'encode-chunk')?.runs).toBe(2);
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
    const top = parseMultivariant(res.body).variants.at(-1);
    expect(top).toBeDefined();
    const track = await downloadTrack(stack.api.app, id, top!.uri, path.join(dir, id));
    // The test stack's ultrafast top rung of this busy pattern reads about 29 dB; the master against itself 0.1 s off, 21 dB.
    expect(await plainPsnrY({ encoded: track.joinedFile, master, frameRate: '30/1', width: 320, height: 180 })).toBeGreaterThan(25);
  });
});

/**
 * Masters whose keyframes carry no presentation time (ffmpeg makes their frames' times up) are
 * read both ways at the probe: from the start, and after a seek. A real Xvid AVI with packed
 * B-frames (the corpus's megamind) labels its frames after a seek as from the start, and keeps
 * its seeks; the same pictures listed at other times would not.
 */
describe('a master whose keyframes carry no presentation time', () => {
  it('is read after a seek and from its start, and keeps its seeks when both read the same times', async () => {
    const dir = await tempDir('vf-seek-times-');
    const megamind = (await realMasters()).find((m) => m.name === 'megamind')!;
    const probe = await probeMaster(megamind.file);
    const index = await packetIndex(megamind.file, probe.video.startTimeS, probe.durationS);
    expect(index.untimedKeyframesS?.length).toBeGreaterThanOrEqual(3);
    const seekS = (index.untimedKeyframesS?.[2] ?? NaN) + 0.5;
    expect(await seeksKeepFrameTimes(megamind.file, seekS, dir)).toBe(true);
    // The two listings share pictures, at the same times: the check compared something.
    const [fromStart, seeked] = await Promise.all(
      ['from-start.md5', 'seeked.md5'].map(async (f) => parseFrameList(await readFile(path.join(dir, f), 'utf8'))),
    );
    const shared = (seeked ?? []).filter((f) => (fromStart ?? []).some((g) => g.md5 === f.md5 && g.pts === f.pts));
    expect(shared.length).toBeGreaterThanOrEqual(4);
    // Shifted by a frame, the same listing is named as moved.
    expect(
      movedFrames(
        fromStart ?? [],
        (seeked ?? []).map((f) => ({ ...f, pts: f.pts + 1 })),
      ).length,
    ).toBeGreaterThan(0);
  }, 120_000);
});
