import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { countFrames, frames, keyframeCrops, makeMaster, probeJson, type MasterSpec } from '../support/media.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { pictureBounds } from '../../workers/measure/active-area.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * The backbone end to end on real ffmpeg, Redis and storage: a generated master goes in
 * through the API and every rung that comes out is checked the way a player and Apple's
 * authoring rules would check it.
 */
const cases: { storage: 'local' | 's3'; spec: MasterSpec }[] = [
  { storage: 'local', spec: { width: 1280, height: 720, fps: 25, durationS: 47.3 } },
  { storage: 's3', spec: { width: 1920, height: 1080, fps: 30, durationS: 20 } },
];

describe.each(cases)(
  'ingest to CMAF HLS + DASH on $storage storage ($spec.width x $spec.height @ $spec.fps fps, $spec.durationS s)',
  ({ storage, spec }) => {
    let stack: TestStack;
    let dir: string;
    let master: string;
    let titleId: string;

    beforeAll(async () => {
      stack = await startTestStack({ storage, workers: 2 });
      dir = await tempDir('vf-e2e-');
      master = path.join(dir, 'master.mp4');
      await makeMaster(master, spec);
      titleId = await ingest(stack.api.app, master);
    }, 120_000);

    afterAll(async () => {
      await stack?.close();
    });

    it('becomes ready with the Apple ladder capped at the source, every rung measured', async () => {
      const t = await waitForFinal(stack.api.app, titleId);
      expect(t.error).toBeUndefined();
      expect(t.state).toBe('ready');
      expect(t.progress).toBe(100);
      const heights = (t.ladder ?? []).map((r) => r.height);
      expect(Math.max(...heights)).toBe(spec.height);
      expect(heights.every((h) => h <= spec.height)).toBe(true);
      const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
      expect(video).toHaveLength(t.ladder?.length ?? -1);
      expect(video.every((r) => r.averageBitrateKbps > 0 && r.peakBitrateKbps >= r.averageBitrateKbps)).toBe(true);
      expect(t.hls).toBe(`/v1/titles/${titleId}/master.m3u8`);
      // Quality is measured on the published rungs after `ready`, read back from storage.
      const measured = await waitForRungQuality(stack.api.app, titleId);
      expect(measured.rungQuality?.status).toBe('measured');
      const psnr = (measured.renditions ?? []).filter((r) => r.kind === 'video').map((r) => r.measuredPsnrDb ?? NaN);
      expect(psnr).toHaveLength(video.length);
      for (const p of psnr) expect(p).toBeGreaterThan(25);
      // More bits, better picture: the top rung beats the bottom one.
      expect(psnr.at(-1)).toBeGreaterThan(psnr[0] ?? Infinity);
    }, 600_000);

    it('every rung decodes to the source frame count, without gaps, with IDR-led segments and honest bandwidths', async () => {
      const app = stack.api.app;
      const sourceFrames = await countFrames(master);
      const fps = spec.fps;
      const res = await app.inject({ method: 'GET', url: `/v1/titles/${titleId}/master.m3u8` });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('mpegurl');
      const { variants, audio } = parseMultivariant(res.body);
      expect(variants.length).toBeGreaterThan(0);
      expect(audio?.URI).toBe('a0/playlist.m3u8');
      const audioTrack = await downloadTrack(app, titleId, 'a0/playlist.m3u8', dir);
      const audioBytes = audioTrack.segments.reduce((s, x) => s + x.bytes, 0);
      const audioPeak = rfcPeakBps(audioTrack.segments, audioTrack.targetDurationS);
      const audioFirst = (await frames(audioTrack.joinedFile, 'a:0'))[0]?.ptsS ?? NaN;

      for (const v of variants) {
        expect(v.attrs.CODECS).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
        expect(v.attrs.RESOLUTION).toMatch(/^\d+x\d+$/);
        expect(Number(v.attrs['FRAME-RATE'])).toBeCloseTo(fps, 3);
        const track = await downloadTrack(app, titleId, v.uri, dir);
        const [w, h] = (v.attrs.RESOLUTION ?? '').split('x').map(Number);
        const info = await probeJson(track.joinedFile);
        const vs = info.streams.find((s) => s.codec_type === 'video') ?? {};
        expect([vs.width, vs.height]).toEqual([w, h]);

        // Frame count and duration: nothing lost or doubled where chunks meet.
        const fr = await frames(track.joinedFile);
        expect(fr.length).toBe(sourceFrames);
        // Duration of the output itself: its frames' span, and what its playlist declares.
        const spanS = (fr.at(-1)?.ptsS ?? NaN) - (fr[0]?.ptsS ?? NaN) + 1 / fps;
        expect(Math.abs(spanS - spec.durationS)).toBeLessThanOrEqual(1 / fps + 1e-3);
        const playlistS = track.segments.reduce((sum, x) => sum + x.durationS, 0);
        expect(Math.abs(playlistS - spec.durationS)).toBeLessThanOrEqual(1 / fps + 1e-3);
        const steps = fr.slice(1).map((f, i) => f.ptsS - (fr[i]?.ptsS ?? 0));
        expect(Math.max(...steps)).toBeLessThan(1.5 / fps);
        expect(Math.min(...steps)).toBeGreaterThan(0.5 / fps);

        // Audio and video start together (within one frame).
        expect(Math.abs((fr[0]?.ptsS ?? NaN) - audioFirst)).toBeLessThanOrEqual(1 / fps);

        // Segments: never longer than the configured segment length + 0.5 s (not the playlist's
        // own TARGETDURATION, which is computed from these same segments), each IDR-led.
        const segmentS = stack.config.settings.segmentS;
        expect(track.targetDurationS).toBeLessThanOrEqual(Math.round(segmentS + 0.5));
        for (const s of track.segments) {
          expect(s.durationS).toBeLessThanOrEqual(segmentS + 0.5);
          const first = (await frames(s.file))[0];
          expect(first?.key).toBe(true);
          expect(first?.type).toBe('I');
        }

        // Apple 1.26-1.27: measured average within 10% of AVERAGE-BANDWIDTH, peak within BANDWIDTH
        // (the peak segment bit rate as RFC 8216 4.1 defines it, from the bytes downloaded).
        const videoBytes = track.segments.reduce((s, x) => s + x.bytes, 0);
        const measuredAvg = ((videoBytes + audioBytes) * 8) / spec.durationS;
        expect(Math.abs(measuredAvg - Number(v.attrs['AVERAGE-BANDWIDTH'])) / measuredAvg).toBeLessThanOrEqual(0.1);
        const videoPeak = rfcPeakBps(track.segments, track.targetDurationS);
        expect(videoPeak + audioPeak).toBeLessThanOrEqual(Number(v.attrs.BANDWIDTH));
      }
    }, 600_000);

    it('the DASH MPD lists the same representations over the same segments', async () => {
      const app = stack.api.app;
      const mpd = (await app.inject({ method: 'GET', url: `/v1/titles/${titleId}/manifest.mpd` })).body;
      const hls = parseMultivariant((await app.inject({ method: 'GET', url: `/v1/titles/${titleId}/master.m3u8` })).body);
      const reps = [...mpd.matchAll(/<Representation id="(v\d+)"[^>]*width="(\d+)" height="(\d+)"/g)].map(
        (m) => `${m[1]}/playlist.m3u8 ${m[2]}x${m[3]}`,
      );
      const variants = hls.variants.map((v) => `${v.uri} ${v.attrs.RESOLUTION}`);
      expect(reps.sort()).toEqual(variants.sort());
      expect(mpd).toContain('contentType="audio"');
      // The first media segment the MPD template names is one the HLS playlist names too.
      const media = /media="(v\d+)\/seg_\$Number%05d\$\.m4s" startNumber="(\d+)"/.exec(mpd);
      expect(media).not.toBeNull();
      const seg = `/v1/titles/${titleId}/${media?.[1]}/seg_${String(media?.[2]).padStart(5, '0')}.m4s`;
      expect((await app.inject({ method: 'GET', url: seg })).statusCode).toBe(200);
    });
  },
);

/**
 * RFC 8216 4.1's peak segment bit rate, straight from the text: the highest bit rate of any
 * contiguous set of segments whose total duration is between 0.5 and 1.5 times the target
 * duration, every set tried.
 */
function rfcPeakBps(segments: readonly { readonly bytes: number; readonly durationS: number }[], targetS: number): number {
  let peak = 0;
  for (let first = 0; first < segments.length; first++) {
    for (let last = first; last < segments.length; last++) {
      const set = segments.slice(first, last + 1);
      const seconds = set.reduce((sum, x) => sum + x.durationS, 0);
      if (seconds >= 0.5 * targetS && seconds <= 1.5 * targetS)
        peak = Math.max(peak, (set.reduce((sum, x) => sum + x.bytes, 0) * 8) / seconds);
    }
  }
  return peak;
}

describe('a pillarboxed master on the fixed ladder (4:3 picture inside a 640x360 frame)', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;
  let titleId: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2 });
    dir = await tempDir('vf-e2e-pillar-');
    master = path.join(dir, 'pillarbox.mp4');
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=480x360:rate=25',
      '-t',
      '4',
      '-vf',
      'pad=640:360:80:0:black',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-g',
      '50',
      '-pix_fmt',
      'yuv420p',
      master,
    ]);
    titleId = await ingest(stack.api.app, master);
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('gets the Apple ladder of the 480x360 picture, and every rung decodes without bars and without lost frames', async () => {
    const t = await waitForFinal(stack.api.app, titleId);
    expect(t.error).toBeUndefined();
    expect(t.state).toBe('ready');
    expect(t.ladder?.map((r) => `${r.width}x${r.height}`)).toEqual(['312x234', '480x360']);
    const sourceFrames = await countFrames(master);
    const { variants } = parseMultivariant((await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/master.m3u8` })).body);
    expect(variants).toHaveLength(2);
    for (const [i, v] of variants.entries()) {
      const track = await downloadTrack(stack.api.app, titleId, v.uri, dir);
      const [w = 0, h = 0] = (v.attrs.RESOLUTION ?? '').split('x').map(Number);
      const vs = (await probeJson(track.joinedFile)).streams.find((s) => s.codec_type === 'video') ?? {};
      expect([vs.width, vs.height]).toEqual([w, h]);
      expect((await frames(track.joinedFile)).length).toBe(sourceFrames);
      const b = pictureBounds(await keyframeCrops(track.joinedFile, path.join(dir, `v${i}.crop.txt`)));
      expect(b?.x1).toBeLessThanOrEqual(1);
      expect(b?.x2).toBeGreaterThanOrEqual(w - 2);
    }
  }, 300_000);
});
