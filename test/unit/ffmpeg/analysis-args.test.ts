import { masterInputOptions } from '../../../ffmpeg/master-input.ts';
import { describe, expect, it } from 'vitest';
import {
  buildCropDetectArgs,
  buildSampleEncodeArgs,
  type CropDetectCommand,
  type SampleEncodeCommand,
} from '../../../ffmpeg/analysis-args.ts';
import { buildScanArgs, type ScanCommand } from '../../../ffmpeg/scan-args.ts';
import { buildMeasureQualityArgs, type MeasureQualityCommand } from '../../../ffmpeg/quality-args.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../../ffmpeg/encode-settings.ts';
import { pickFilter } from '../../../ffmpeg/frame-pick.ts';

/** One frame in three as the comparisons pick it (its expression is frame-pick.test.ts's). */
const PICK_THIRD = pickFilter(3).join(',');

const scan: ScanCommand = {
  kind: 'scan',
  input: 'https://s3.test/master.mp4?sig=x',
  metadataFile: '/w/scan.txt',
  widthPx: 480,
  sceneThreshold: 10,
};

/** 2 sizes × 3 CRFs from a 29.97 fps master, window at 12.5 s for 4 s. */
function sample(extra: Partial<SampleEncodeCommand> = {}): SampleEncodeCommand {
  const sizes = [
    { width: 640, height: 360 },
    { width: 1280, height: 720 },
  ];
  const crfs = [20, 26, 32];
  return {
    kind: 'sample-encode',
    input: 'https://s3.test/master.mp4?sig=x',
    timeline: { frameRate: { num: 30000, den: 1001 }, videoStartS: 0, videoOffsetS: 0 },
    // 12.5 s for 4 s at 29.97 fps.
    frames: { startFrame: 375, endFrame: 495 },
    sizes,
    crfs,
    outputs: sizes.flatMap((s) => crfs.map((c) => `/w/${s.height}p_crf${c}.mp4`)),
    settings: DEFAULT_ENCODE_SETTINGS,
    ...extra,
  };
}

/** Three sample encodes measured against one 1080p reference window. */
function measure(extra: Partial<MeasureQualityCommand> = {}): MeasureQualityCommand {
  const distorted = ['/w/a.mp4', '/w/b.mp4', '/w/c.mp4'].map((input) => ({ input }));
  return {
    kind: 'measure-quality',
    distorted,
    reference: {
      input: 'https://s3.test/master.mp4?sig=x',
      timeline: { frameRate: { num: 25, den: 1 }, videoStartS: 0, videoOffsetS: 0 },
      frames: { startFrame: 350, endFrame: 450 },
    },
    referenceSize: { width: 1920, height: 1080 },
    statsFiles: distorted.map((_, i) => ({ psnr: `/w/q${i}.psnr`, ssim: `/w/q${i}.ssim`, frames: `/w/q${i}.frames` })),
    referenceFramesFile: '/w/ref.frames',
    ...extra,
  };
}

const cropDetect: CropDetectCommand = {
  kind: 'crop-detect',
  input: 'https://s3.test/master.mp4?sig=x',
  metadataFile: '/w/crop.txt',
  filledMetadataFile: '/w/crop-filled.txt',
  blackLimit: 24 / 255,
  linePictureShare: 1 / 255,
  filledLineShare: 0.5,
};

/** 2.39:1 picture inside a 1920x1080 frame. */
const LETTERBOX = { x: 0, y: 138, width: 1920, height: 804 };

const flagValue = (args: string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};
const valuesOf = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
const filterOf = (args: string[]): string => flagValue(args, '-filter_complex') ?? '';
const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

// File snapshots of the argv arrays (one argument per line), so argument boundaries show in review.
describe('analysis argument snapshots', () => {
  it('scan: whole title, scaled down, scene scores printed to a file', () => {
    expect(buildScanArgs(scan)).toMatchSnapshot();
  });

  it('sample-encode: 2 sizes × 3 CRFs at 29.97 fps', () => {
    expect(buildSampleEncodeArgs(sample())).toMatchSnapshot();
  });

  it('measure-quality: 3 encodes against one reference window', () => {
    expect(buildMeasureQualityArgs(measure())).toMatchSnapshot();
  });

  it('crop-detect: keyframes only, each measured on its own, edges printed to a file', () => {
    expect(buildCropDetectArgs(cropDetect)).toMatchSnapshot();
  });

  it('sample-encode of a letterboxed master: cropped before the split to the scalers', () => {
    const sizes = [
      { width: 640, height: 268 },
      { width: 1280, height: 536 },
    ];
    expect(
      buildSampleEncodeArgs(
        sample({ crop: LETTERBOX, sizes, outputs: sizes.flatMap((s) => [20, 26, 32].map((c) => `/w/${s.height}p_crf${c}.mp4`)) }),
      ),
    ).toMatchSnapshot();
  });

  it('measure-quality of a letterboxed master: the reference cropped, encodes scaled to the active size', () => {
    expect(buildMeasureQualityArgs(measure({ referenceSize: { width: 1920, height: 804 }, referenceCrop: LETTERBOX }))).toMatchSnapshot();
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

  it('sample-encode codes every output on one x264 thread, whatever threads the fleet encodes rungs with', () => {
    const base = sample();
    const args = buildSampleEncodeArgs({ ...base, settings: { ...base.settings, encodeThreads: 4 } });
    expect(valuesOf(args, '-threads')).toEqual(Array(6).fill('1'));
  });

  it('sample-encode sets -fps_mode on every output', () => {
    expect(valuesOf(buildSampleEncodeArgs(sample()), '-fps_mode')).toEqual(Array(6).fill('passthrough'));
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
      return { label: opts[1], crf: flagValue(opts, '-crf'), file: opts.at(-1) };
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

  it('decodes the window once: one input, seeked a lead before the window, cut to its frames on the fps grid', () => {
    const args = buildSampleEncodeArgs(sample());
    expect(valuesOf(args, '-i')).toEqual(['https://s3.test/master.mp4?sig=x']);
    expect(args.slice(0, 3)).toEqual(['-copyts', '-ss', (375 / (30000 / 1001) - 3).toFixed(6)]);
    expect(filterOf(args)).toContain('trim=start_pts=375:end_pts=495,setpts=PTS-STARTPTS');
  });

  it('writes the window losslessly beside the samples, for the alignment self-check', () => {
    const args = buildSampleEncodeArgs(sample({ losslessOutput: { file: '/w/self.mkv' } }));
    expect(filterOf(args)).toContain('split=3[s0][s1][s2]');
    expect(filterOf(args)).toContain('[s2]setsar=1[ll]');
    expect(args.slice(-10)).toEqual([
      '-map',
      '[ll]',
      '-c:v',
      'rawvideo',
      '-fps_mode',
      'passthrough',
      '-an',
      '-f',
      'matroska',
      '/w/self.mkv',
    ]);
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
    expect(valuesOf(args, '-i')).toEqual([...cmd.distorted.map((d) => d.input), cmd.reference.input]);
    const graph = filterOf(args);
    expect(
      graph.startsWith(
        `[${n}:v:0]fps=25/1:start_time=11.000000,trim=start_pts=350:end_pts=450,setpts=PTS-STARTPTS,metadata=mode=add:key=vodforge.frame:value=1,`,
      ),
    ).toBe(true);
    expect(graph).toContain(`settb=1/25,setpts=N,split=${2 * n}[r0][r1][r2][r3][r4][r5];`);
    // Each reference copy appears twice in the graph: once out of split, once into psnr or ssim.
    for (let k = 0; k < 2 * n; k++) expect(count(graph, `[r${k}]`)).toBe(2);
    expect(graph).not.toContain(`[r${2 * n}]`);
  });

  it('decodes every input and runs the graph on one thread', () => {
    const args = buildMeasureQualityArgs(measure());
    expect(args.slice(0, 2)).toEqual(['-filter_complex_threads', '1']);
    const inputs = args.flatMap((a, i) => (a === '-i' ? [i] : []));
    expect(inputs).toHaveLength(measure().distorted.length + 1);
    for (const at of inputs) {
      const own = args.slice(0, at).lastIndexOf('-threads');
      expect(args[own + 1]).toBe('1');
      expect(args.slice(own, at)).not.toContain('-i');
    }
  });

  it('pairs frames by index: each side numbered in a time base of one frame, never by its timestamps', () => {
    const graph = filterOf(buildMeasureQualityArgs(measure()));
    expect(graph).toContain(
      '[1:v:0]metadata=mode=add:key=vodforge.frame:value=1,metadata=mode=print:file=/w/q1.frames,' +
        'scale=1920:1080:flags=bicubic,setsar=1,format=yuv420p,settb=1/25,setpts=N,split[d1a][d1b]',
    );
    expect(graph).toContain('[d1a][r2]psnr=stats_file=/w/q1.psnr[o1a]');
    expect(graph).toContain('[d1b][r3]ssim=stats_file=/w/q1.ssim[o1b]');
    expect(graph).not.toContain('PTS-STARTPTS,split[d');
  });

  it("lists each side's frames before the pick, so the counts can be compared", () => {
    const graph = filterOf(buildMeasureQualityArgs(measure({ frameStep: 3 })));
    expect(graph).toContain(`metadata=mode=print:file=/w/ref.frames,${PICK_THIRD},format=yuv420p,setsar=1,settb=1/25,setpts=N`);
    expect(graph).toContain(`metadata=mode=print:file=/w/q0.frames,${PICK_THIRD},scale=`);
  });

  it("cuts a published rung to the window on its own grid, from its first frame's time", () => {
    const rung = {
      input: '/w/r0.mp4',
      window: { firstPtsS: 0.08, frameRate: { num: 25, den: 1 }, frames: { startFrame: 350, endFrame: 450 } },
    };
    const args = buildMeasureQualityArgs(measure({ distorted: [rung], statsFiles: [{ psnr: '/w/p', ssim: '/w/s', frames: '/w/f' }] }));
    expect(args.slice(4, 9)).toEqual(['-copyts', '-ss', '11.000000', '-i', '/w/r0.mp4']);
    expect(filterOf(args)).toContain('[0:v:0]trim=start=14.060000:end=18.060000,metadata=');
  });

  it('sends every psnr and ssim output to a null sink', () => {
    const args = buildMeasureQualityArgs(measure());
    expect(valuesOf(args, '-map')).toEqual(['[o0a]', '[o0b]', '[o1a]', '[o1b]', '[o2a]', '[o2b]']);
    expect(valuesOf(args, '-f')).toEqual(Array(6).fill('null'));
  });

  it('throws when inputs and stats file sets differ in number', () => {
    expect(() =>
      buildMeasureQualityArgs(measure({ statsFiles: [{ psnr: '/w/q.psnr', ssim: '/w/q.ssim', frames: '/w/q.frames' }] })),
    ).toThrow('measure-quality has 3 inputs but 1 stats file sets');
  });

  it('throws when there is nothing to measure', () => {
    expect(() => buildMeasureQualityArgs(measure({ distorted: [], statsFiles: [] }))).toThrow(
      'measure-quality needs at least one distorted input',
    );
  });
});

describe('buildCropDetectArgs', () => {
  it('decodes keyframes only, on one thread (input options), and reads the first video stream only, writing nothing', () => {
    const args = buildCropDetectArgs(cropDetect);
    expect(args.slice(0, 5 + masterInputOptions(cropDetect.input).length)).toEqual([
      '-skip_frame',
      'nokey',
      '-threads',
      '1',
      ...masterInputOptions(cropDetect.input),
      '-i',
    ]);
    expect(flagValue(args, '-map')).toBe('0:v:0');
    expect(args.slice(-3)).toEqual(['-f', 'null', '-']);
  });

  it('tests pixels against the black limit, then lines by their share of picture; resets every frame and skips none', () => {
    const graph = flagValue(buildCropDetectArgs(cropDetect), '-vf') ?? '';
    expect(graph).toBe(
      'format=yuv420p,maskfun=low=24:high=24:planes=1:sum=65535,cropdetect=limit=0.003922:round=2:reset=1:skip=0,' +
        'metadata=mode=print:file=/w/crop.txt,cropdetect=limit=0.500000:round=2:reset=1:skip=0,metadata=mode=print:file=/w/crop-filled.txt',
    );
  });

  it('refuses a black limit or a line share that is not a share', () => {
    expect(() => buildCropDetectArgs({ ...cropDetect, blackLimit: 24 })).toThrow('Expected `blackLimit` to be a share in (0, 1), got 24');
    expect(() => buildCropDetectArgs({ ...cropDetect, linePictureShare: 0 })).toThrow(
      'Expected `linePictureShare` to be a share in (0, 1), got 0',
    );
    expect(() => buildCropDetectArgs({ ...cropDetect, filledLineShare: 1 })).toThrow(
      'Expected `filledLineShare` to be a share in (0, 1), got 1',
    );
  });
});

describe('crop of a master with black bars', () => {
  it('the scan crops before scaling down, so the bars’ edges add nothing to SI', () => {
    const graph = flagValue(buildScanArgs({ ...scan, crop: LETTERBOX }), '-vf') ?? '';
    expect(graph.split(',').slice(0, 2)).toEqual(['crop=1920:804:0:138', 'scale=480:-2:flags=bilinear']);
  });

  it('sample encodes crop once, before the split to the scalers', () => {
    const graph = filterOf(buildSampleEncodeArgs(sample({ crop: LETTERBOX })));
    expect(graph).toContain('setpts=PTS-STARTPTS,crop=1920:804:0:138,format=yuv420p,split=2[s0][s1];');
    expect(count(graph, 'crop=')).toBe(1);
  });

  it('the reference is cropped and the encodes are scaled to the active size; encodes are not cropped', () => {
    const graph = filterOf(buildMeasureQualityArgs(measure({ referenceSize: { width: 1920, height: 804 }, referenceCrop: LETTERBOX })));
    expect(graph).toContain('metadata=mode=print:file=/w/ref.frames,crop=1920:804:0:138,format=yuv420p,setsar=1,');
    expect(graph).toContain(
      '[0:v:0]metadata=mode=add:key=vodforge.frame:value=1,metadata=mode=print:file=/w/q0.frames,scale=1920:804:flags=bicubic,',
    );
    expect(count(graph, 'crop=')).toBe(1);
  });

  it('the reference is listed as cut, picked after it is listed, as the encodes are, and only then cropped', () => {
    const graph = filterOf(buildMeasureQualityArgs(measure({ referenceCrop: LETTERBOX, frameStep: 3 })));
    expect(graph).toContain(
      'trim=start_pts=350:end_pts=450,setpts=PTS-STARTPTS,' +
        `metadata=mode=add:key=vodforge.frame:value=1,metadata=mode=print:file=/w/ref.frames,${PICK_THIRD},` +
        'crop=1920:804:0:138,format=yuv420p,setsar=1,',
    );
  });

  it('without bars, no crop filter anywhere', () => {
    for (const args of [buildScanArgs(scan), buildSampleEncodeArgs(sample()), buildMeasureQualityArgs(measure())]) {
      expect(args.join(' ')).not.toContain('crop');
    }
  });
});
