import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { probeJson } from '../support/media.ts';
import { lumaStats, makeHdrMaster, PLAIN_SQUEEZE, PLAIN_TONE_MAP, psnrAgainst, type HdrTransfer } from '../support/hdr-masters.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { toneMapFilters, toneMapOf } from '../../ffmpeg/tone-map.ts';
import { TitleStore } from '../../titles/store.ts';
import { connectedProducer } from '../../pipeline/queue.ts';
import { derivedMaster } from '../support/corpus.ts';
import { plainPsnrYOver } from '../support/plain-psnr.ts';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { artworkVideoOf } from '../../stills/extract.ts';
import { extractStills } from '../../stills/stills.ts';

/** ffprobe's colour description of a file's video stream. */
async function colourTags(file: string): Promise<Record<string, unknown>> {
  const v = (await probeJson(file)).streams.find((s) => s.codec_type === 'video') ?? {};
  return { pix_fmt: v.pix_fmt, color_primaries: v.color_primaries, color_transfer: v.color_transfer, color_space: v.color_space };
}

/**
 * A PQ (HDR10) master shipped as 8-bit H.264 still tagged PQ/BT.2020: SDR screens showed it
 * washed out, HDR screens with banding. The ladder is SDR now, tone-mapped in every reader:
 * rungs tagged BT.709, their picture the textbook tone mapping's, and their quality measured
 * against the tone-mapped master (an HDR reference would put every rung far below 30 dB).
 */
describe('HDR masters (PQ, HLG) get an SDR BT.709 ladder', () => {
  let dir: string;
  let stack: TestStack;
  const masters: Record<HdrTransfer, string> = { smpte2084: '', 'arib-std-b67': '' };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-hdr-'));
    for (const transfer of Object.keys(masters) as HdrTransfer[]) {
      masters[transfer] = path.join(dir, `${transfer}.mp4`);
      await makeHdrMaster(masters[transfer], { transfer, width: 640, height: 360, durationS: 4, fps: 25 });
    }
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title' });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['PQ', 'smpte2084', 'pq'],
    ['HLG', 'arib-std-b67', 'hlg'],
  ] as const)(
    '%s: rungs 8-bit BT.709, tone-mapped like plain ffmpeg does it, quality measured against the SDR picture',
    async (_, transfer, dynamicRange) => {
      const master = masters[transfer];
      // The instrument agrees the master is what it claims.
      expect(await colourTags(master)).toEqual({
        pix_fmt: 'yuv420p10le',
        color_primaries: 'bt2020',
        color_transfer: transfer,
        color_space: 'bt2020nc',
      });
      const id = await ingest(stack.api.app, master);
      const ready = await waitForFinal(stack.api.app, id, 300_000);
      expect(ready.error).toBeUndefined();
      expect(ready.state).toBe('ready');
      expect(ready.video?.colour).toEqual({
        dynamicRange,
        transfer,
        primaries: 'bt2020',
        matrix: 'bt2020nc',
        range: 'tv',
        bitDepth: 10,
      });
      const t = await waitForRungQuality(stack.api.app, id, 300_000);
      expect(t.ladderAnalysis?.policy).toBe('per-title');
      expect(t.ladderAnalysis?.fallbackReason).toBeUndefined();

      const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
      const variants = parseMultivariant(res.body).variants;
      expect(variants.length).toBeGreaterThan(0);
      const reference = await lumaStats(master, PLAIN_TONE_MAP);
      const squeezed = await lumaStats(master, PLAIN_SQUEEZE);
      for (const v of variants) {
        const rung = (await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id))).joinedFile;
        expect(await colourTags(rung)).toEqual({
          pix_fmt: 'yuv420p',
          color_primaries: 'bt709',
          color_transfer: 'bt709',
          color_space: 'bt709',
        });
        const [w, h] = (v.attrs.RESOLUTION ?? '').split('x').map(Number);
        const stats = await lumaStats(rung, 'null');
        const toneMapped = await psnrAgainst(rung, master, PLAIN_TONE_MAP, w ?? 0, h ?? 0);
        const washedOut = await psnrAgainst(rung, master, PLAIN_SQUEEZE, w ?? 0, h ?? 0);
        console.log(
          `${transfer} ${v.attrs.RESOLUTION}: YAVG ${stats.mean.toFixed(1)} (tone map ${reference.mean.toFixed(1)}, squeeze ${squeezed.mean.toFixed(1)}); ` +
            `10-90% ${stats.low.toFixed(0)}-${stats.high.toFixed(0)} (tone map ${reference.low.toFixed(0)}-${reference.high.toFixed(0)}, ` +
            `squeeze ${squeezed.low.toFixed(0)}-${squeezed.high.toFixed(0)}); ` +
            `PSNR-Y vs tone map ${toneMapped.toFixed(2)} dB, vs squeeze ${washedOut.toFixed(2)} dB`,
        );
        expect(Math.abs(stats.mean - reference.mean)).toBeLessThan(3);
        expect(Math.abs(stats.high - stats.low - (reference.high - reference.low))).toBeLessThan(6);
        expect(toneMapped).toBeGreaterThan(30);
        // The untone-mapped squeeze is another picture altogether: flat and grey.
        expect(washedOut).toBeLessThan(toneMapped - 10);
      }
      const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
      expect(video.length).toBe(variants.length);
      console.log(`${transfer} measured PSNR-Y: ${video.map((r) => `${r.width}x${r.height} ${r.measuredPsnrDb ?? '?'} dB`).join(', ')}`);
      for (const r of video) expect(r.measuredPsnrDb).toBeGreaterThan(30);
    },
    420_000,
  );

  it('a phone clip graded HLG (real footage): rungs BT.709, each reported PSNR-Y confirmed by a plain psnr', async () => {
    const master = (await derivedMaster(dir, 'hlg-phone-mov')).file;
    const id = await ingest(stack.api.app, master);
    const ready = await waitForFinal(stack.api.app, id, 300_000);
    expect(ready.error).toBeUndefined();
    expect(ready.state).toBe('ready');
    const t = await waitForRungQuality(stack.api.app, id, 300_000);
    expect(t.rungQuality?.status).toBe('measured');
    const probed = await probeMaster(master);
    const toneMap = toneMapOf(probed.video.colour);
    expect(toneMap?.transfer).toBe('arib-std-b67');
    const conn = await connectedProducer(stack.redis.url);
    const grid = (await new TitleStore(conn, stack.config.prefix).get(id))?.probe?.video.frameRate ?? probed.video.frameRate;
    conn.disconnect();
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${id}/master.m3u8` });
    const variants = [...new Map(parseMultivariant(res.body).variants.map((v) => [v.uri, v])).values()];
    const video = (t.renditions ?? []).filter((r) => r.kind === 'video');
    expect(video.length).toBeGreaterThanOrEqual(3);
    expect(variants).toHaveLength(video.length);
    for (const [i, v] of variants.entries()) {
      const rung = (await downloadTrack(stack.api.app, id, v.uri, path.join(dir, id))).joinedFile;
      expect(await colourTags(rung)).toMatchObject({ color_primaries: 'bt709', color_transfer: 'bt709', color_space: 'bt709' });
      // The title's picture is its tone map (the LUT, as a plain filter); tone-map-lut.test.ts holds that to the textbook chain.
      const plain = await plainPsnrYOver(
        {
          encoded: rung,
          master,
          frameRate: `${grid.num}/${grid.den}`,
          width: probed.video.width,
          height: probed.video.height,
          toneMap: toneMapFilters(toneMap).join(','),
        },
        t.rungQuality?.frames ?? [],
        t.rungQuality?.frameStep ?? 1,
      );
      const reported = video[i]?.measuredPsnrDb ?? Number.NaN;
      console.log(`hlg-phone-mov ${v.attrs.RESOLUTION}: reported PSNR-Y ${reported} dB, plain ${plain.toFixed(2)} dB`);
      expect(reported).toBeGreaterThan(30);
      expect(Math.abs(reported - plain)).toBeLessThanOrEqual(0.5);
    }
  }, 420_000);

  it('artwork stills of a PQ master are the tone-mapped picture, not washed-out code values', async () => {
    const master = masters.smpte2084;
    const video = artworkVideoOf(await probeMaster(master));
    expect(video.toneMap?.transfer).toBe('smpte2084');
    // A keyframe (GOP of 50): stills decode reference frames only, the frames the candidate pass offers.
    const frame = 50;
    const { loaders, finished } = extractStills(master, video, [frame / 25], dir);
    const still = await loaders[0]!();
    await finished;
    const rgb = async (filters: string): Promise<Buffer> => {
      const file = path.join(dir, `ref-${filters.length}.rgb`);
      await runFfmpeg([
        '-i',
        master,
        '-vf',
        `select=eq(n\\,${frame}),${filters},format=rgb24`,
        '-frames:v',
        '1',
        '-f',
        'rawvideo',
        '-y',
        file,
      ]);
      return readFile(file);
    };
    const meanAbsDiff = (a: Uint8Array, b: Uint8Array): number => {
      expect(a.length).toBe(b.length);
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
      return sum / a.length;
    };
    const toneMapped = meanAbsDiff(still.data, await rgb(PLAIN_TONE_MAP));
    const squeezed = meanAbsDiff(still.data, await rgb(PLAIN_SQUEEZE));
    console.log(`still vs tone map: ${toneMapped.toFixed(2)} per channel; vs squeeze: ${squeezed.toFixed(2)}`);
    expect(toneMapped).toBeLessThan(2);
    expect(squeezed).toBeGreaterThan(10);
  }, 120_000);
});
