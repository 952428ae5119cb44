import { pickFilter } from '../../../ffmpeg/frame-pick.ts';
import { describe, expect, it } from 'vitest';
import { parseProbe } from '../../../ffmpeg/probe.ts';
import { colourOf, dynamicRangeOf, lightLevelsOf } from '../../../ffmpeg/video-colour.ts';
import path from 'node:path';
import {
  DEFAULT_PQ_PEAK_NITS,
  TONE_MAP_LUT_DIR,
  toneMapCurveFilters,
  toneMapFilters,
  toneMapLutFile,
  toneMapOf,
  toneMappedOutputTags,
  type ToneMap,
} from '../../../ffmpeg/tone-map.ts';
import { sourceFrameFilters, timelineOf, type FrameTimeline } from '../../../ffmpeg/source-frames.ts';
import { buildEncodeChunkArgs } from '../../../ffmpeg/args.ts';
import { buildCropDetectArgs, buildSampleEncodeArgs } from '../../../ffmpeg/analysis-args.ts';
import { buildScanArgs } from '../../../ffmpeg/scan-args.ts';
import { buildMeasureQualityArgs } from '../../../ffmpeg/quality-args.ts';
import { buildArtworkArgs } from '../../../ffmpeg/artwork-args.ts';
import { planArtworkSampling } from '../../../ffmpeg/artwork-plan.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../../ffmpeg/encode-settings.ts';

/** An HDR10 stream as ffprobe describes an HEVC Main10 PQ master in MP4 with `mdcv`/`clli` boxes. */
const hdr10 = {
  codec_type: 'video',
  codec_name: 'hevc',
  width: 3840,
  height: 2160,
  avg_frame_rate: '24000/1001',
  pix_fmt: 'yuv420p10le',
  color_range: 'tv',
  color_space: 'bt2020nc',
  color_transfer: 'smpte2084',
  color_primaries: 'bt2020',
  side_data_list: [
    { side_data_type: 'Mastering display metadata', max_luminance: '40000000/10000', min_luminance: '50/10000' },
    { side_data_type: 'Content light level metadata', max_content: 1200, max_average: 400 },
  ],
};
const format = { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '10.0', size: '1000' };

const PQ: ToneMap = { transfer: 'smpte2084', primaries: 'bt2020', matrix: 'bt2020nc', range: 'tv', peakNits: 1000 };
const HLG: ToneMap = { transfer: 'arib-std-b67', primaries: 'bt2020', matrix: 'bt2020nc', range: 'tv', peakNits: 1000 };

describe('the colour of a master, from ffprobe', () => {
  it('an HDR10 master: PQ, BT.2020, 10-bit, MaxCLL and mastering peak from its side data', () => {
    const v = parseProbe({ streams: [hdr10], format }).video;
    expect(v.colour).toEqual({
      transfer: 'smpte2084',
      primaries: 'bt2020',
      matrix: 'bt2020nc',
      range: 'tv',
      bitDepth: 10,
      maxCllNits: 1200,
      masteringPeakNits: 4000,
    });
    expect(dynamicRangeOf(v.colour)).toBe('pq');
  });

  it('an HLG master is HLG; a BT.709 one and an untagged one are SDR', () => {
    expect(dynamicRangeOf(colourOf({ color_transfer: 'arib-std-b67' }))).toBe('hlg');
    expect(dynamicRangeOf(colourOf({ color_transfer: 'bt709' }))).toBe('sdr');
    expect(dynamicRangeOf(colourOf({}))).toBe('sdr');
  });

  it('"unknown" and "unspecified" are not stated; the bit depth comes from bits_per_raw_sample, else the pixel format', () => {
    expect(colourOf({ color_transfer: 'unknown', color_primaries: 'unspecified', color_space: 'unknown', color_range: 'unknown' })).toEqual(
      {
        bitDepth: 8,
      },
    );
    expect(colourOf({ pix_fmt: 'yuv420p', bits_per_raw_sample: '10' }).bitDepth).toBe(10);
    expect(colourOf({ pix_fmt: 'p010le', bits_per_raw_sample: 'N/A' }).bitDepth).toBe(10);
    expect(colourOf({ pix_fmt: 'yuv422p12le' }).bitDepth).toBe(12);
    expect(colourOf({ pix_fmt: 'yuv420p' }).bitDepth).toBe(8);
  });

  it('light levels of zero or unreadable values are not stated', () => {
    expect(
      lightLevelsOf([
        { side_data_type: 'Content light level metadata', max_content: 0 },
        { side_data_type: 'Mastering display metadata', max_luminance: '0/0' },
      ]),
    ).toEqual({});
  });
});

describe('toneMapOf', () => {
  it('SDR masters are not tone-mapped', () => {
    expect(toneMapOf(undefined)).toBeUndefined();
    expect(toneMapOf({ transfer: 'bt709', primaries: 'bt709', matrix: 'bt709', bitDepth: 8 })).toBeUndefined();
    expect(toneMapOf({ bitDepth: 10 })).toBeUndefined();
  });

  it("a PQ master's peak is its MaxCLL, else its mastering display's, else 1,000 nits", () => {
    const colour = { transfer: 'smpte2084', primaries: 'bt2020', matrix: 'bt2020nc', range: 'tv' as const, bitDepth: 10 };
    expect(toneMapOf({ ...colour, maxCllNits: 1200, masteringPeakNits: 4000 })?.peakNits).toBe(1200);
    expect(toneMapOf({ ...colour, masteringPeakNits: 4000 })?.peakNits).toBe(4000);
    expect(toneMapOf(colour)).toEqual({ ...PQ, peakNits: DEFAULT_PQ_PEAK_NITS });
  });

  it('a stated peak is bounded (the side data is the uploader’s), and HLG always maps from its 1,000-nit reference display', () => {
    const pq = { transfer: 'smpte2084', bitDepth: 10 };
    expect(toneMapOf({ ...pq, maxCllNits: 1e9 })?.peakNits).toBe(10_000);
    expect(toneMapOf({ ...pq, maxCllNits: 3 })?.peakNits).toBe(100);
    expect(toneMapOf({ transfer: 'arib-std-b67', bitDepth: 10, maxCllNits: 4000 })).toEqual(HLG);
  });

  it('unstated or unknown primaries and matrices are read as BT.2020, never copied into the filter', () => {
    expect(toneMapOf({ transfer: 'smpte2084', primaries: 'x:evil=1', matrix: 'ictcp', bitDepth: 10 })).toEqual(PQ);
    expect(toneMapOf({ transfer: 'smpte2084', primaries: 'smpte432', matrix: 'bt709', range: 'pc', bitDepth: 10 })).toMatchObject({
      primaries: 'smpte432',
      matrix: 'bt709',
      range: 'pc',
    });
  });
});

describe('toneMapFilters', () => {
  it("PQ: to full-range R'G'B' float keeping its transfer, the curve as a LUT, then 8-bit BT.709, every property stated", () => {
    expect(toneMapFilters(PQ)).toEqual([
      'zscale=tin=smpte2084:t=smpte2084:pin=bt2020:p=bt2020:min=bt2020nc:rin=tv:r=pc',
      'format=gbrpf32le',
      `lut3d=file=${toneMapLutFile(PQ)}:interp=tetrahedral`,
      'zscale=tin=linear:t=bt709:pin=bt709:p=bt709:rin=pc:m=bt709:r=tv',
      'format=yuv420p',
    ]);
    expect(toneMapLutFile(PQ)).toBe(path.join(TONE_MAP_LUT_DIR, path.basename(toneMapLutFile(PQ))));
  });

  it('the curve: linear at 100 nits, BT.709 primaries, hable to the peak, linear unclipped float out', () => {
    expect(toneMapCurveFilters(PQ)).toEqual([
      'zscale=tin=smpte2084:pin=bt2020:rin=pc:t=linear:p=bt2020:npl=100',
      'format=gbrpf32le',
      'zscale=p=bt709',
      'tonemap=tonemap=hable:desat=0:peak=10',
      'format=gbrpf32le',
    ]);
    expect(toneMapCurveFilters({ ...PQ, peakNits: 4000 })[3]).toBe('tonemap=tonemap=hable:desat=0:peak=40');
  });

  it('one LUT per curve: the peak, transfer and primaries name another file; matrix and range do not', () => {
    const files = [PQ, { ...PQ, peakNits: 4000 }, HLG, { ...PQ, primaries: 'bt709' as const }].map((t) => toneMapLutFile(t));
    expect(new Set(files).size).toBe(4);
    const otherMatrix: ToneMap = { ...PQ, matrix: 'bt709', range: 'pc' };
    expect(toneMapLutFile(otherMatrix)).toBe(toneMapLutFile(PQ));
    expect(path.basename(toneMapLutFile(HLG))).toMatch(/^arib-std-b67_bt2020_1000_[0-9a-f]{12}\.cube$/);
  });

  it('HLG: the same chain from ARIB STD-B67', () => {
    expect(toneMapFilters(HLG)[0]).toBe('zscale=tin=arib-std-b67:t=arib-std-b67:pin=bt2020:p=bt2020:min=bt2020nc:rin=tv:r=pc');
    expect(toneMapCurveFilters(HLG)[0]).toBe('zscale=tin=arib-std-b67:pin=bt2020:rin=pc:t=linear:p=bt2020:npl=100');
    expect(toneMapFilters(HLG).slice(3)).toEqual(toneMapFilters(PQ).slice(3));
  });

  it('SDR: nothing', () => {
    expect(toneMapFilters(undefined)).toEqual([]);
    expect(toneMappedOutputTags(undefined)).toEqual([]);
  });
});

describe('every reader of a PQ master sees the tone-mapped picture', () => {
  const sdr: FrameTimeline = { frameRate: { num: 25, den: 1 }, videoStartS: 0, videoOffsetS: 0 };
  const hdr: FrameTimeline = { ...sdr, toneMap: PQ };
  const chain = toneMapFilters(PQ).join(',');

  it('the timeline of a probed PQ master carries its tone mapping; an SDR one none', () => {
    expect(timelineOf(parseProbe({ streams: [hdr10], format })).toneMap).toEqual({ ...PQ, peakNits: 1200 });
    expect(timelineOf(parseProbe({ streams: [{ ...hdr10, color_transfer: 'bt709' }], format })).toneMap).toBeUndefined();
  });

  it('source frames: tone-mapped after the cut, so only the range is converted', () => {
    const f = sourceFrameFilters(hdr, { startFrame: 750, endFrame: 1500 });
    expect(f.slice(0, -5)).toEqual(sourceFrameFilters(sdr, { startFrame: 750, endFrame: 1500 }));
    expect(f.slice(-5).join(',')).toBe(chain);
  });

  it('chunk encode: tone-mapped before the 8-bit squeeze and the scalers; outputs tagged BT.709', () => {
    const cmd = {
      kind: 'encode-chunk' as const,
      input: '/m/master.mp4',
      timeline: hdr,
      startFrame: 0,
      endFrame: 750,
      rungs: [
        { width: 640, height: 360, bitrateKbps: 730 },
        { width: 1280, height: 720, bitrateKbps: 3000 },
      ],
      outputs: { files: ['/c/r0.mp4', '/c/r1.mp4'] },
      settings: DEFAULT_ENCODE_SETTINGS,
    };
    const args = buildEncodeChunkArgs(cmd);
    const graph = args[args.indexOf('-filter_complex') + 1] ?? '';
    expect(graph.indexOf(chain)).toBeGreaterThan(graph.indexOf('setpts=PTS-STARTPTS'));
    expect(graph.indexOf(chain)).toBeLessThan(graph.indexOf('split='));
    expect(args.join(' ').split('-color_primaries bt709 -color_trc bt709 -colorspace bt709 -color_range tv').length - 1).toBe(2);
    // The same master read as SDR: no zscale, no tags (the source's own pass through).
    const plain = buildEncodeChunkArgs({ ...cmd, timeline: sdr });
    expect(plain.join(' ')).not.toMatch(/zscale|-color_primaries|-colorspace/);
  });

  it('sample encodes, their tags, and the quality reference', () => {
    const frames = { startFrame: 100, endFrame: 175 };
    const sample = buildSampleEncodeArgs({
      kind: 'sample-encode',
      input: '/m/master.mp4',
      timeline: hdr,
      frames,
      sizes: [{ width: 640, height: 360 }],
      crfs: [20, 27],
      outputs: ['/w/a.mp4', '/w/b.mp4'],
      settings: DEFAULT_ENCODE_SETTINGS,
    });
    expect(sample[sample.indexOf('-filter_complex') + 1]).toContain(`${chain},format=yuv420p,split=`);
    expect(sample.filter((a) => a === '-colorspace')).toHaveLength(2);
    const measure = buildMeasureQualityArgs({
      kind: 'measure-quality',
      distorted: [{ input: '/w/a.mp4' }],
      reference: { input: '/m/master.mp4', timeline: hdr, frames },
      referenceSize: { width: 1920, height: 1080 },
      statsFiles: [{ psnr: '/w/q.psnr', ssim: '/w/q.ssim', frames: '/w/q.frames' }],
      referenceFramesFile: '/w/ref.frames',
      frameStep: 3,
    });
    // The reference is tone-mapped after the pick: only the frames compared pay for it.
    expect(measure[measure.indexOf('-filter_complex') + 1]).toMatch(
      new RegExp(`^\\[1:v:0\\][^;]*file=/w/ref.frames,${literal(pickFilter(3).join(','))},${literal(chain)},format=yuv420p,setsar=1`),
    );
  });

  it('scan (tone-mapped at thumbnail size) and black-bar detection', () => {
    const scan = buildScanArgs({
      kind: 'scan',
      input: '/m/master.mp4',
      metadataFile: '/w/s.txt',
      widthPx: 160,
      sceneThreshold: 10,
      toneMap: PQ,
    });
    expect(scan[scan.indexOf('-vf') + 1]).toBe(
      `scale=160:-2:flags=bilinear,${chain},format=yuv420p,scdet=threshold=10,metadata=mode=print:file=/w/s.txt`,
    );
    const crop = buildCropDetectArgs({
      kind: 'crop-detect',
      input: '/m/master.mp4',
      metadataFile: '/w/c.txt',
      filledMetadataFile: '/w/f.txt',
      blackLimit: 0.1,
      linePictureShare: 0.01,
      filledLineShare: 0.5,
      toneMap: PQ,
    });
    expect(crop[crop.indexOf('-vf') + 1]).toMatch(
      new RegExp(`^${literal(chain)},format=yuv420p,maskfun=low=26:high=26:planes=1:sum=65535,cropdetect=`),
    );
  });

  it('artwork: candidates, captures and stills all converted to RGB from the tone-mapped picture, alike', () => {
    const plan = planArtworkSampling({ durationS: 60, displayWidth: 1280, displayHeight: 720 });
    const candidates = buildArtworkArgs({
      kind: 'artwork-candidates',
      input: '/m/master.mp4',
      videoStartS: 0,
      plan,
      seekLeadS: 0,
      rawOutput: '/a/c.rgb',
      frameLog: '/a/c.log',
      cutLog: '/a/cut.log',
      capture: {
        maxFrames: 4,
        neighbourWindowS: 1,
        widthPx: 1280,
        heightPx: 720,
        output: '/a/f.rgb',
        analysisOutput: '/a/s.rgb',
        frameLog: '/a/f.log',
      },
      toneMap: PQ,
    });
    const graph = candidates[candidates.indexOf('-filter_complex') + 1] ?? '';
    const full = `scale=1280:720,setsar=1,${chain},format=rgb24`;
    expect(graph).toContain(`[capfull]${full}[outfull]`);
    expect(graph.split(`setsar=1,${chain},format=rgb24`).length - 1).toBe(3);
    const stills = buildArtworkArgs({
      kind: 'artwork-stills',
      input: '/m/master.mp4',
      videoStartS: 0,
      stills: [{ atS: 2, output: '/a/s0.rgb' }],
      frameDurationS: 0.04,
      widthPx: 1280,
      heightPx: 720,
      toneMap: PQ,
    });
    expect(stills[stills.indexOf('-filter_complex') + 1]).toContain(`,${full}[s0]`);
  });
});

/** A literal string as a regular expression. */
function literal(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
