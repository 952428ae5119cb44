import { truncate, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { countFrames, makeAudioOnly, makeDamagedMaster, makeMaster, makeTextFile } from '../support/media.ts';
import { downloadTrack, ingest, waitForFinal } from '../support/api.ts';
import { waitUntil } from '../support/wait.ts';
import { realMasters } from '../support/corpus.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * Bad masters fail their title with a reason, never a worker, and publish nothing; the API
 * keeps answering throughout.
 */
describe('bad input', () => {
  let stack: TestStack;
  let dir: string;
  const files: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 1 });
    dir = await tempDir('vf-bad-');
    files.text = path.join(dir, 'notes.mp4');
    await makeTextFile(files.text);
    files.audioOnly = path.join(dir, 'audio.m4a');
    await makeAudioOnly(files.audioOnly);
    files.empty = path.join(dir, 'empty.mp4');
    await writeFile(files.empty, '');
    // A faststart MP4 cut to 40%: the header still promises 20 s, the media is not there.
    files.truncated = path.join(dir, 'truncated.mp4');
    await makeMaster(files.truncated, { width: 320, height: 240, fps: 25, durationS: 20 });
    await truncate(files.truncated, Math.floor((await stat(files.truncated)).size * 0.4));
    // Matroska with one keyframe cut to 40%: its index (at the end) is gone, so a seek to the
    // tail falls back to the start, whose frame must not pass for the tail's.
    files.truncatedMkv = path.join(dir, 'truncated.mkv');
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25',
      '-t',
      '20',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '1000',
      '-pix_fmt',
      'yuv420p',
      files.truncatedMkv,
    ]);
    await truncate(files.truncatedMkv, Math.floor((await stat(files.truncatedMkv)).size * 0.4));
    // A raw H.264 elementary stream, as an encoder writes one before muxing: no frame is timed.
    files.rawH264 = path.join(dir, 'camera.h264');
    await makeMaster(files.rawH264, { width: 320, height: 240, fps: 30, durationS: 2, audio: false });
    files.damaged = path.join(dir, 'damaged.mp4');
    await makeDamagedMaster(files.damaged);
    // "Masters" that are a manifest and a playlist naming a real video outside the storage root:
    // read with any demuxer, ffmpeg would open and publish it (or, with S3, fetch any URL).
    files.outside = path.join(dir, 'outside.mp4');
    await makeMaster(files.outside, { width: 320, height: 240, fps: 25, durationS: 4 });
    files.dashManifest = path.join(dir, 'master.mp4');
    await writeFile(
      files.dashManifest,
      `<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S" minBufferTime="PT1S" ` +
        `profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">` +
        `<Period><AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000">` +
        `<BaseURL>file://${files.outside}</BaseURL></Representation></AdaptationSet></Period></MPD>\n`,
    );
    files.hlsPlaylist = path.join(dir, 'playlist.mp4');
    await writeFile(
      files.hlsPlaylist,
      `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nfile://${files.outside}\n#EXT-X-ENDLIST\n`,
    );
  });

  afterAll(async () => {
    await stack?.close();
  });

  const cases: [string, string][] = [
    ['text', 'VF_UNREADABLE_MASTER'],
    ['audioOnly', 'VF_NO_VIDEO_STREAM'],
    ['empty', 'VF_EMPTY_MASTER'],
    ['truncated', 'VF_TRUNCATED_MASTER'],
    ['truncatedMkv', 'VF_TRUNCATED_MASTER'],
    ['damaged', 'VF_CORRUPT_VIDEO'],
    ['rawH264', 'VF_UNTIMED_STREAM'],
    ['dashManifest', 'VF_UNSUPPORTED_CONTAINER'],
    ['hlsPlaylist', 'VF_UNSUPPORTED_CONTAINER'],
  ];

  it.each(cases)(
    '%s master fails its title with %s and publishes nothing',
    async (kind, code) => {
      const app = stack.api.app;
      const id = await ingest(app, files[kind] ?? '');
      const t = await waitForFinal(app, id, 60_000);
      expect(t.state).toBe('failed');
      expect(t.error?.code).toBe(code);
      expect(t.error?.message.length).toBeGreaterThan(10);
      const published: string[] = [];
      for await (const o of stack.api.store.list(`titles/${id}/out/`)) published.push(o.key);
      expect(published).toEqual([]);
      const manifest = await app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
      expect(manifest.statusCode).toBe(409);
      expect(manifest.json()).toMatchObject({ code: 'VF_TITLE_NOT_READY' });
      // The API is still answering and the worker is still alive to take the next job.
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      expect(Object.values(stack.workers[0]?.lanes ?? {}).map((w) => w.isRunning())).toEqual([true, true]);
    },
    90_000,
  );

  it('a valid master whose container cannot seek (Matroska without cues, from a Debian package) is not taken for truncated', async () => {
    const bunny = (await realMasters()).find((m) => m.name === 'bunny-mkv');
    const id = await ingest(stack.api.app, bunny?.file ?? '');
    const t = await waitForFinal(stack.api.app, id, 120_000);
    expect(t.error).toBeUndefined();
    expect(t.state).toBe('ready');
  }, 150_000);

  it('a Y4M master (uncoded 4:4:4 frames, as test sequences travel) is read, every frame of it', async () => {
    // A second of the corpus' camera clip, as a lossless intermediate would carry it.
    const camera = (await realMasters()).find((m) => m.name === 'camera-flv');
    const y4m = path.join(dir, 'sequence.y4m');
    await runFfmpeg(['-i', camera?.file ?? '', '-t', '1', '-an', '-pix_fmt', 'yuv444p', '-f', 'yuv4mpegpipe', y4m]);
    const frames = await countFrames(y4m);
    expect(frames).toBe(25);
    const t = await waitForFinal(stack.api.app, await ingest(stack.api.app, y4m), 120_000);
    expect(t.state, JSON.stringify(t.error)).toBe('ready');
    const v0 = await downloadTrack(stack.api.app, t.id, 'v0/playlist.m3u8', path.join(dir, 'y4m'));
    expect(await countFrames(v0.joinedFile)).toBe(frames);
  }, 150_000);

  it('a master whose frames do not decode halfway through fails with what its decoder said, after its retries', async () => {
    const id = await ingest(stack.api.app, files.damaged ?? '');
    const t = await waitForFinal(stack.api.app, id, 60_000);
    expect(t.state).toBe('failed');
    expect(t.error?.code).toBe('VF_CORRUPT_VIDEO');
    // The decoder's (or its parser's) own words, named: the damage is the master's, not the
    // worker's. Which chunk's words depends on which failed its last attempt first; they may
    // hold parentheses of their own ("Invalid NAL unit size (1625165135 > 5477).").
    expect(t.error?.message).toMatch(
      /^the master's video has frames that do not decode \((h264|parser): .+\), met while encoding \d+\.\d\d s to \d+\.\d\d s: /,
    );
    // ffmpeg's default would have concealed them: the same master read as ffmpeg reads by default
    // decodes "successfully", so the failure is vodforge's check and not ffmpeg giving up.
    await expect(runFfmpeg(['-i', files.damaged ?? '', '-f', 'null', '-'])).resolves.toBeDefined();
    await expect(runFfmpeg(['-max_error_rate', '0', '-i', files.damaged ?? '', '-f', 'null', '-'])).rejects.toMatchObject({ exitCode: 69 });
  }, 90_000);

  it('a manifest uploaded as a master is refused by name, and its error shows no server path', async () => {
    const id = await ingest(stack.api.app, files.dashManifest ?? '');
    const t = await waitForFinal(stack.api.app, id, 60_000);
    expect(t.error?.code).toBe('VF_UNSUPPORTED_CONTAINER');
    expect(t.error?.message).toMatch(/^master is a dash file/);
    expect(t.error?.message).not.toContain(dir);
  }, 90_000);

  it('a bad master does not consume retries: it fails on its first attempt', async () => {
    const id = await ingest(stack.api.app, files.text ?? '');
    await waitForFinal(stack.api.app, id, 60_000);
    const { createQueue, producerConnection } = await import('../../pipeline/queue.ts');
    const conn = producerConnection(stack.redis.url);
    // The probe is a short step: the express lane's.
    const queue = createQueue(conn, stack.config.prefix, 'express');
    // The title is failed before BullMQ records the job failed (the worker throws after): waited for.
    const job = await waitUntil('the probe job to be recorded as failed', async () => {
      const j = await queue.getJob(`probe-${id}`);
      return j !== undefined && (await j.getState()) === 'failed' ? j : undefined;
    });
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain('not a readable media file');
    await queue.close();
    conn.disconnect();
  }, 90_000);
});

/**
 * With S3 storage a master is opened by presigned URL, so http(s) must be allowed: a manifest
 * "master" naming another address must still open nothing. A listener on loopback stands for
 * the internal service it names, and must see no connection.
 */
describe('bad input on S3 storage: manifests that name other addresses', () => {
  let stack: TestStack;
  let dir: string;
  let listener: Server;
  let connections = 0;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 's3', workers: 1 });
    dir = await tempDir('vf-bad-s3-');
    listener = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await stack?.close();
    await new Promise((resolve) => listener?.close(resolve));
  });

  it('fails DASH and HLS masters pointing at an internal address without connecting to it', async () => {
    const address = listener.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/internal/segment.mp4`;
    const dash = path.join(dir, 'dash.mp4');
    await writeFile(
      dash,
      `<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT4S" minBufferTime="PT1S" ` +
        `profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">` +
        `<Period><AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000">` +
        `<BaseURL>${url}</BaseURL></Representation></AdaptationSet></Period></MPD>\n`,
    );
    const hls = path.join(dir, 'hls.mp4');
    await writeFile(hls, `#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n${url}\n#EXT-X-ENDLIST\n`);
    for (const file of [dash, hls]) {
      const id = await ingest(stack.api.app, file);
      const t = await waitForFinal(stack.api.app, id, 60_000);
      expect(t.error?.code).toBe('VF_UNSUPPORTED_CONTAINER');
      expect(t.error?.message).not.toMatch(/X-Amz-|127\.0\.0\.1/);
    }
    expect(connections).toBe(0);
  }, 120_000);
});
