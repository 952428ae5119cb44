/**
 * How masters are opened, on the real ffprobe: media containers read, playlists and manifests
 * refused by name before they can open what they point at, and only the protocol a location needs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterInput, masterProtocols, MASTER_DEMUXERS, refusalMessage } from '../../../ffmpeg/master-input.ts';
import { probeMaster } from '../../../ffmpeg/probe.ts';
import { runFfmpeg } from '../../../ffmpeg/run.ts';
import { makeMaster } from '../../support/media.ts';

describe('master input policy', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-master-input-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('allows only the protocol a location needs', () => {
    expect(masterProtocols('/srv/vodforge/storage/titles/x/source')).toBe('file');
    expect(masterProtocols('https://bucket.s3.example/titles/x/source?X-Amz-Signature=1')).toBe('https,tls,tcp');
    expect(masterProtocols('http://127.0.0.1:9000/bucket/titles/x/source')).toBe('http,tcp');
    expect(masterInput('/m.mp4').slice(-2)).toEqual(['-i', '/m.mp4']);
    for (const playlist of ['hls', 'dash', 'concat', 'image2', 'ffmetadata', 'tee']) expect(MASTER_DEMUXERS).not.toContain(playlist);
  });

  it('reads MP4, Matroska and MPEG-TS masters', async () => {
    const mp4 = path.join(dir, 'm.mp4');
    await makeMaster(mp4, { width: 160, height: 90, fps: 25, durationS: 1 });
    for (const ext of ['mkv', 'ts']) {
      const out = path.join(dir, `m.${ext}`);
      await runFfmpeg(['-i', mp4, '-c', 'copy', out]);
      expect((await probeMaster(out)).video.width).toBe(160);
    }
    expect((await probeMaster(mp4)).video.width).toBe(160);
  });

  it('follows no redirect off the storage host: the master is read where its URL says, or not at all', async () => {
    const mp4 = path.join(dir, 'served.mp4');
    await makeMaster(mp4, { width: 160, height: 90, fps: 25, durationS: 1 });
    const body = await readFile(mp4);
    // The "internal service" a redirect points at: it must see no connection.
    let internalConnections = 0;
    const internal = http.createServer((_req, res) => res.end(body));
    internal.on('connection', () => (internalConnections += 1));
    const storage = http.createServer((req, res) => {
      if (req.url === '/bucket/direct') return res.end(body);
      res.writeHead(302, { location: `http://127.0.0.1:${(internal.address() as AddressInfo).port}/x.mp4` }).end();
    });
    await Promise.all([internal, storage].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    try {
      const base = `http://127.0.0.1:${(storage.address() as AddressInfo).port}/bucket`;
      // Control: the same options read a master served directly.
      expect((await probeMaster(`${base}/direct`)).video.width).toBe(160);
      await expect(runFfmpeg([...masterInput(`${base}/redirected`), '-f', 'null', '-'])).rejects.toThrow();
      await expect(probeMaster(`${base}/redirected`)).rejects.toThrow();
      expect(internalConnections).toBe(0);
    } finally {
      await Promise.all([internal, storage].map((s) => new Promise((r) => s.close(r))));
    }
  });

  it('refuses an HLS playlist naming a local file, with its own code', async () => {
    const mp4 = path.join(dir, 'target.mp4');
    await makeMaster(mp4, { width: 160, height: 90, fps: 25, durationS: 1 });
    const playlist = path.join(dir, 'x.mp4');
    await writeFile(playlist, `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n${mp4}\n#EXT-X-ENDLIST\n`);
    await expect(probeMaster(playlist)).rejects.toMatchObject({
      code: 'VF_UNSUPPORTED_CONTAINER',
      message: expect.stringMatching(/^master is a hls file/),
    });
    // ffmpeg itself, given the same input options, refuses to open it too.
    await expect(runFfmpeg([...masterInput(playlist), '-f', 'null', '-'])).rejects.toThrow();
  });

  it('refuses a container it does not take without calling it a playlist', async () => {
    // RealMedia (the mimetype package's rmvb clip in Debian is one): ffmpeg reads it, vodforge does not take it.
    const rm = path.join(dir, 'camera.rm');
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=176x144:rate=25:duration=1', '-c:v', 'rv10', '-f', 'rm', rm]);
    const refused = probeMaster(rm);
    await expect(refused).rejects.toMatchObject({
      code: 'VF_UNSUPPORTED_CONTAINER',
      message: expect.stringMatching(/^master is a rm file \(a container vodforge does not read\)/),
    });
    await expect(refused).rejects.toThrow(/accepted containers: MP4\/MOV/);
    await expect(refused).rejects.not.toThrow(/playlist/);
    expect(refusalMessage('dash')).toMatch(/^master is a dash file \(a playlist, manifest or list that points at other files/);
    expect(refusalMessage('concat')).toMatch(/points at other files/);
  });
});
