import { describe, expect, it } from 'vitest';
import {
  buildMeasureQualityArgs,
  buildSampleEncodeArgs,
  buildScanArgs,
  type MeasureQualityCommand,
  type SampleEncodeCommand,
  type ScanCommand,
} from '../../../workers/ffmpeg/analysis-args.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../../workers/encode/settings.ts';

const scan: ScanCommand = { kind: 'scan', input: 'https://s3.test/master.mp4?sig=x', metadataFile: '/w/scan.txt', widthPx: 480, sceneThreshold: 10 };

/** 2 sizes × 3 CRFs from a 29.97 fps master, window at 12.5 s for 4 s. */
function sample(extra: Partial<SampleEncodeCommand> = {}): SampleEncodeCommand {
  const sizes = [{ width: 640, height: 360 }, { width: 1280, height: 720 }];
  const crfs = [20, 26, 32];
  return {
    kind: 'sample-encode',
    input: 'https://s3.test/master.mp4?sig=x',
    startS: 12.5,
    durationS: 4,
    frameRate: { num: 30000, den: 1001 },
    sizes,
    crfs,
    outputs: sizes.flatMap((s) => crfs.map((c) => `/w/${s.height}p_crf${c}.mp4`)),
    settings: DEFAULT_ENCODE_SETTINGS,
    ...extra,
  };
}

/** Three sample encodes measured against one 1080p reference window. */
function measure(extra: Partial<MeasureQualityCommand> = {}): MeasureQualityCommand {
  const distorted = ['/w/a.mp4', '/w/b.mp4', '/w/c.mp4'];
  return {
    kind: 'measure-quality',
    distorted,
    distortedStartS: 0,
    reference: 'https://s3.test/master.mp4?sig=x',
    referenceStartS: 13.9,
    durationS: 4,
    referenceSize: { width: 1920, height: 1080 },
    statsFiles: distorted.map((_, i) => ({ psnr: `/w/q${i}.psnr`, ssim: `/w/q${i}.ssim` })),
    ...extra,
  };
}

const valueOf = (args: string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};
const valuesOf = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
const filterOf = (args: string[]): string => valueOf(args, '-filter_complex') ?? '';
const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

// File snapshots of the argv arrays (one argument per line), so argument boundaries show in review.
describe('analysis argument snapshots', () => {
  it('scan: whole title, scaled down, SI/TI and scene scores printed to a file', () => {
    expect(buildScanArgs(scan)).toMatchSnapshot();
  });

  it('sample-encode: 2 sizes × 3 CRFs at 29.97 fps', () => {
    expect(buildSampleEncodeArgs(sample())).toMatchSnapshot();
  });

  it('measure-quality: 3 encodes against one reference window', () => {
    expect(buildMeasureQualityArgs(measure())).toMatchSnapshot();
  });
});

describe('never the deprecated -vsync', () => {
  it.each([
    ['scan', () => buildScanArgs(scan)],
    ['sample-encode', () => buildSampleEncodeArgs(sample())],
    ['measure-quality', () => buildMeasureQualityArgs(measure())],
  ])('%s', (_, build) => {
    expect(build()).not.toContain('-vsync');
  });

  it('sample-encode sets -fps_mode on every output', () => {
    expect(valuesOf(buildSampleEncodeArgs(sample()), '-fps_mode')).toEqual(Array(6).fill('passthrough'));
  });
});

describe('buildScanArgs', () => {
  it('writes metadata to the given file and uses the given width and scene threshold', () => {
    const graph = valueOf(buildScanArgs({ ...scan, widthPx: 320, sceneThreshold: 25 }), '-vf') ?? '';
    expect(graph.split(',')).toEqual(['scale=320:-2:flags=bilinear', 'format=yuv420p', 'siti', 'scdet=threshold=25', 'metadata=mode=print:file=/w/scan.txt']);
  });

  it('reads the first video stream only and writes nothing', () => {
    const args = buildScanArgs(scan);
    expect(valueOf(args, '-map')).toBe('0:v:0');
    expect(args.slice(-3)).toEqual(['-f', 'null', '-']);
    expect(args).not.toContain('-ss');
  });

  it('skips decoding frames nothing refers to, as an input option', () => {
    const args = buildScanArgs(scan);
    expect(args.slice(0, 3)).toEqual(['-skip_frame', 'noref', '-i']);
  });
});

describe('buildSampleEncodeArgs', () => {
  it('orders outputs sizes outer, CRFs inner, each output mapped from its own size and CRF', () => {
    const cmd = sample();
    const args = buildSampleEncodeArgs(cmd);
    // Each output's options run from its -map to the next -map; its file name is the last of them.
    const starts = args.flatMap((a, i) => (a === '-map' ? [i] : []));
    const outputs = starts.map((from, k) => {
      const opts = args.slice(from, starts[k + 1] ?? args.length);
      return { label: opts[1], crf: valueOf(opts, '-crf'), file: opts.at(-1) };
    });
    expect(outputs).toEqual([
      { label: '[v0_0]', crf: '20', file: '/w/360p_crf20.mp4' },
      { label: '[v0_1]', crf: '26', file: '/w/360p_crf26.mp4' },
      { label: '[v0_2]', crf: '32', file: '/w/360p_crf32.mp4' },
      { label: '[v1_0]', crf: '20', file: '/w/720p_crf20.mp4' },
      { label: '[v1_1]', crf: '26', file: '/w/720p_crf26.mp4' },
      { label: '[v1_2]', crf: '32', file: '/w/720p_crf32.mp4' },
    ]);
    // [vI_*] come from size I's scaler.
    const graph = filterOf(args);
    expect(graph).toContain('[s0]scale=640:360:flags=bicubic,setsar=1,split=3[v0_0][v0_1][v0_2]');
    expect(graph).toContain('[s1]scale=1280:720:flags=bicubic,setsar=1,split=3[v1_0][v1_1][v1_2]');
    expect(graph).toContain('split=2[s0][s1]');
    expect(args.at(-1)).toBe('/w/720p_crf32.mp4');
  });

  it('decodes the window once: one input, seeked to the window start, limited to its duration', () => {
    const args = buildSampleEncodeArgs(sample());
    expect(valuesOf(args, '-i')).toEqual(['https://s3.test/master.mp4?sig=x']);
    expect(args.slice(0, 4)).toEqual(['-ss', '12.500000', '-t', '4.000000']);
  });

  it('sizes the GOP from gopS and the frame rate (2 s at 29.97 fps is 60 frames)', () => {
    const args = buildSampleEncodeArgs(sample());
    expect(new Set(valuesOf(args, '-g'))).toEqual(new Set(['60']));
    expect(new Set(valuesOf(args, '-keyint_min'))).toEqual(new Set(['60']));
    expect(filterOf(args)).toContain('fps=30000/1001');
  });

  it('uses the final encode preset from the settings', () => {
    const args = buildSampleEncodeArgs(sample({ settings: { ...DEFAULT_ENCODE_SETTINGS, preset: 'slow' } }));
    expect(new Set(valuesOf(args, '-preset'))).toEqual(new Set(['slow']));
  });

  it('throws when outputs and size × CRF pairs differ in number', () => {
    expect(() => buildSampleEncodeArgs(sample({ outputs: ['/w/one.mp4'] }))).toThrow('sample-encode has 6 size×CRF pairs but 1 outputs');
    expect(() => buildSampleEncodeArgs(sample({ outputs: Array(7).fill('/w/x.mp4') }))).toThrow(RangeError);
  });

  it('throws when there is no size or no CRF', () => {
    expect(() => buildSampleEncodeArgs(sample({ sizes: [], outputs: [] }))).toThrow('sample-encode needs at least one size and one CRF');
    expect(() => buildSampleEncodeArgs(sample({ crfs: [], outputs: [] }))).toThrow(RangeError);
  });
});

describe('buildMeasureQualityArgs', () => {
  it('decodes the reference once and splits it into 2N streams, each consumed once', () => {
    const cmd = measure();
    const n = cmd.distorted.length;
    const args = buildMeasureQualityArgs(cmd);
    expect(valuesOf(args, '-i')).toEqual([...cmd.distorted, cmd.reference]);
    expect(args.filter((a) => a === cmd.reference)).toHaveLength(1);
    const graph = filterOf(args);
    expect(graph.startsWith(`[${n}:v:0]format=yuv420p,setsar=1,setpts=PTS-STARTPTS,split=${2 * n}[r0][r1][r2][r3][r4][r5];`)).toBe(true);
    // Each reference copy appears twice in the graph: once out of split, once into psnr or ssim.
    for (let k = 0; k < 2 * n; k++) expect(count(graph, `[r${k}]`)).toBe(2);
    expect(graph).not.toContain(`[r${2 * n}]`);
  });

  it('pairs each encode with its own reference copies and stats files', () => {
    const graph = filterOf(buildMeasureQualityArgs(measure()));
    expect(graph).toContain('[1:v:0]scale=1920:1080:flags=bicubic,setsar=1,format=yuv420p,setpts=PTS-STARTPTS,split[d1a][d1b]');
    expect(graph).toContain('[d1a][r2]psnr=stats_file=/w/q1.psnr[o1a]');
    expect(graph).toContain('[d1b][r3]ssim=stats_file=/w/q1.ssim[o1b]');
  });

  it('seeks the reference to its own start and each encode to the encode start, for the same duration', () => {
    const args = buildMeasureQualityArgs(measure({ distortedStartS: 0.5 }));
    const refAt = args.indexOf('https://s3.test/master.mp4?sig=x');
    expect(args.slice(refAt - 5, refAt + 1)).toEqual(['-ss', '13.900000', '-t', '4.000000', '-i', 'https://s3.test/master.mp4?sig=x']);
    expect(valuesOf(args, '-ss')).toEqual(['0.500000', '0.500000', '0.500000', '13.900000']);
    expect(new Set(valuesOf(args, '-t'))).toEqual(new Set(['4.000000']));
  });

  it('sends every psnr and ssim output to a null sink', () => {
    const args = buildMeasureQualityArgs(measure());
    expect(valuesOf(args, '-map')).toEqual(['[o0a]', '[o0b]', '[o1a]', '[o1b]', '[o2a]', '[o2b]']);
    expect(valuesOf(args, '-f')).toEqual(Array(6).fill('null'));
  });

  it('throws when inputs and stats file pairs differ in number', () => {
    expect(() => buildMeasureQualityArgs(measure({ statsFiles: [{ psnr: '/w/q.psnr', ssim: '/w/q.ssim' }] }))).toThrow('measure-quality has 3 inputs but 1 stats file pairs');
  });

  it('throws when there is nothing to measure', () => {
    expect(() => buildMeasureQualityArgs(measure({ distorted: [], statsFiles: [] }))).toThrow('measure-quality needs at least one distorted input');
  });
});
