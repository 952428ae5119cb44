import { describe, expect, it } from 'vitest';
import { buildArgs, SEGMENT_FILE_NAME, segmentFileName, type EncodeChunkCommand } from '../../../ffmpeg/args.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../../ffmpeg/encode-settings.ts';

const rungs = [
  { width: 640, height: 360, bitrateKbps: 730 },
  { width: 1280, height: 720, bitrateKbps: 3000 },
];

/** A 25 fps master whose video starts at 0; chunks of 750 frames (30 s). */
function chunk(startFrame: number, endFrame: number | undefined, extra: Partial<EncodeChunkCommand> = {}): EncodeChunkCommand {
  return {
    kind: 'encode-chunk',
    input: 'https://s3.test/master.mp4?sig=x',
    timeline: { frameRate: { num: 25, den: 1 }, videoStartS: 0, videoOffsetS: 0 },
    startFrame,
    endFrame,
    rungs,
    outputs: {
      cmaf: { dirs: ['/tmp/c/v0', '/tmp/c/v1'], segmentS: 6, inTitle: { firstSegment: startFrame / 150, offsetS: startFrame / 25 } },
    },
    settings: DEFAULT_ENCODE_SETTINGS,
    ...extra,
  };
}

const flagValue = (args: string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};
const filterOf = (args: string[]): string => flagValue(args, '-filter_complex') ?? '';

// File snapshots of the argv arrays (one argument per line), so argument boundaries show in review.
describe('buildArgs snapshots', () => {
  it('encode-chunk, first chunk: no seek, trim end only', () => {
    expect(buildArgs(chunk(0, 750))).toMatchSnapshot();
  });

  it('encode-chunk, middle chunk: input seek 3 s early, trim both ends', () => {
    expect(buildArgs(chunk(750, 1500))).toMatchSnapshot();
  });

  it('encode-chunk, last chunk: open-ended trim', () => {
    expect(buildArgs(chunk(1500, undefined))).toMatchSnapshot();
  });

  const target = { integratedLufs: -23, truePeakDbtp: -1 };
  const stereo = { codec: 'aac', channels: 2, bitrateKbps: 128 } as const;
  const normalisation = { kind: 'gain', gainDb: -5.65 } as const;
  const audio = (offsetS: number, more: object = {}) =>
    buildArgs({
      kind: 'encode-audio',
      input: 'in.mp4',
      streamIndex: 1,
      offsetS,
      output: 'a.mp4',
      format: stereo,
      target,
      normalisation,
      ...more,
    });

  it('encode-audio, audio starts late (positive offset): padded with adelay, then normalised', () => {
    expect(audio(0.021)).toMatchSnapshot();
  });

  it('encode-audio, audio starts early (negative offset): head trimmed', () => {
    expect(audio(-0.5)).toMatchSnapshot();
  });

  it('encode-audio, zero offset: no alignment filter', () => {
    expect(audio(0)).toMatchSnapshot();
  });

  it('encode-audio whose gain would clip: loudnorm dynamic with the measured figures, back to 48 kHz', () => {
    const measured = { integratedLufs: -30, truePeakDbtp: -2, lraLu: 12, thresholdLufs: -40.5 };
    const args = audio(0, { normalisation: { kind: 'loudnorm', measured } });
    expect(args[args.indexOf('-af') + 1]).toMatch(
      /loudnorm=I=-23:TP=-1:LRA=20:measured_I=-30:measured_TP=-2:measured_LRA=12:measured_thresh=-40.5:print_format=json,aresample=48000$/,
    );
  });

  it('encode-audio 5.1 AC-3 of a silent stream: no loudnorm, 6 channels', () => {
    const args = buildArgs({
      kind: 'encode-audio',
      input: 'in.mkv',
      streamIndex: 0,
      offsetS: 0,
      output: 'a.mp4',
      format: { codec: 'ac3', channels: 6, bitrateKbps: 384 },
      target,
      normalisation: { kind: 'none' },
    });
    expect(args.join(' ')).not.toContain('loudnorm');
    expect(args).toEqual(expect.arrayContaining(['0:a:0', 'ac3', '384k']));
    expect(args[args.indexOf('-ac') + 1]).toBe('6');
    expect(args[args.indexOf('-af') + 1]).toContain('aformat=channel_layouts=5.1');
  });

  it('encode-audio of joined mono streams: each aligned on its own, channels set side by side L R C LFE Ls Rs, then the rendition layout', () => {
    const join = [0, 1, 2, 3, 4, 5].map((streamIndex) => ({ streamIndex, offsetS: streamIndex === 1 ? 0.04 : 0, channels: 1 as const }));
    const args = audio(0, {
      streamIndex: 0,
      join: { streams: join, durationS: 60 },
      format: { codec: 'ac3', channels: 6, bitrateKbps: 384 },
    });
    expect(args).not.toContain('-af');
    const graph = args[args.indexOf('-filter_complex') + 1] ?? '';
    expect(graph.split(';')[1]).toBe(
      '[0:a:1]asetpts=PTS-STARTPTS,aresample=async=1:min_hard_comp=0.01,adelay=delays=40:all=1,aresample=48000,' +
        'aformat=channel_layouts=mono,apad=whole_dur=60.000000[j1]',
    );
    expect(graph).toContain(
      '[j0][j1][j2][j3][j4][j5]join=inputs=6:channel_layout=5.1:map=0.0-FL|1.0-FR|2.0-FC|3.0-LFE|4.0-BL|5.0-BR,aformat=channel_layouts=5.1,volume=-5.65dB[mix]',
    );
    expect(args.slice(args.indexOf('-map'), args.indexOf('-map') + 2)).toEqual(['-map', '[mix]']);
    expect(() => audio(0, { join: { streams: join.slice(0, 3), durationS: 60 } })).toThrow(/2 or 6 channels in all, got 3/);
  });

  it('encode-audio of chosen channels of a stream: panned to mono, stereo or 5.1 in order, before the rendition layout', () => {
    const args = audio(0, { sourceChannels: [0, 1] });
    expect(args[args.indexOf('-af') + 1]).toBe(
      'asetpts=PTS-STARTPTS,aresample=async=1:min_hard_comp=0.01,aresample=48000,pan=stereo|c0=c0|c1=c1,aformat=channel_layouts=stereo,volume=-5.65dB',
    );
    expect(audio(0, { sourceChannels: [3] }).join(' ')).toContain('pan=mono|c0=c3,aformat=channel_layouts=stereo');
    expect(audio(0, { sourceChannels: [2, 3, 4, 5, 6, 7] }).join(' ')).toContain('pan=5.1|c0=c2|c1=c3|c2=c4|c3=c5|c4=c6|c5=c7');
    expect(() => audio(0, { sourceChannels: [0, 1, 2] })).toThrow(/1, 2 or 6 channels picked from a stream, got 3/);
  });

  it('loudness-scan measures the stream as the rendition carries it and writes nothing', () => {
    const args = buildArgs({ kind: 'loudness-scan', input: 'in.mkv', streamIndex: 2, offsetS: 0, channels: 2 });
    expect(args.slice(-3)).toEqual(['-f', 'null', '-']);
    expect(args[args.indexOf('-af') + 1]).toMatch(/aformat=channel_layouts=stereo,ebur128=peak=true:framelog=verbose$/);
    expect(args).toContain('0:a:2');
  });

  it('encode-chunk of a letterboxed master: bars cropped before the split to the scalers', () => {
    expect(buildArgs(chunk(750, 1500, { crop: { x: 0, y: 138, width: 1920, height: 804 } }))).toMatchSnapshot();
  });

  it("segment of a chunk's rungs in one process, numbered and timed in its title", () => {
    expect(
      buildArgs({
        kind: 'segment',
        inputs: ['/w/r0.mp4', '/w/r1.mp4'],
        cut: { dirs: ['/w/v0', '/w/v1'], segmentS: 6, inTitle: { firstSegment: 15, offsetS: 90.09 } },
      }),
    ).toMatchSnapshot();
  });

  it('segment from a single file', () => {
    expect(buildArgs({ kind: 'segment', inputs: ['/w/audio.mp4'], cut: { dirs: ['/w/a'], segmentS: 6 } })).toMatchSnapshot();
  });

  it('names segment files as segmentFileName does, and SEGMENT_FILE_NAME recognises them', () => {
    const args = buildArgs({ kind: 'segment', inputs: ['/w/audio.mp4'], cut: { dirs: ['/w/a'], segmentS: 6 } });
    const pattern = args[args.indexOf('-hls_segment_filename') + 1] ?? '';
    // ffmpeg's %0Nd, as printf fills it.
    const filled = (n: number): string => pattern.replace(/%0(\d+)d/, (_, w: string) => String(n).padStart(Number(w), '0'));
    for (const n of [0, 7, 42, 99_999]) {
      expect(filled(n)).toBe(`/w/a/${segmentFileName(n)}`);
      expect(SEGMENT_FILE_NAME.test(segmentFileName(n))).toBe(true);
    }
    expect(SEGMENT_FILE_NAME.test('init.mp4')).toBe(false);
  });
});

describe('encode-chunk arguments', () => {
  it('uses -fps_mode on every output and never the deprecated -vsync', () => {
    const args = buildArgs(chunk(750, 1500));
    expect(args).not.toContain('-vsync');
    expect(args.filter((a) => a === '-fps_mode')).toHaveLength(rungs.length);
  });

  it('forces keyframes every gopS seconds and sizes the GOP from gopS and the frame rate', () => {
    const settings = { ...DEFAULT_ENCODE_SETTINGS, gopS: 3, segmentS: 6 };
    const args = buildArgs(chunk(0, 750, { settings }));
    expect(flagValue(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*3)');
    expect(flagValue(args, '-g')).toBe('75');
    expect(flagValue(args, '-keyint_min')).toBe('75');
  });

  it('cuts chunks by slot of the fps grid, after fps, so a chunk has exactly its frames (25 fps)', () => {
    const graph = filterOf(buildArgs(chunk(750, 1500)));
    // fps first (its grid starts a 3 s lead before the chunk), then the cut by slot number.
    expect(graph).toContain('fps=25/1:start_time=27.000000,trim=start_pts=750:end_pts=1500,setpts=PTS-STARTPTS');
  });

  it("counts slots from the first frame's slot (29.97 fps, first frame at 1.4 s) and seeks from the file start", () => {
    const timeline = { frameRate: { num: 30000, den: 1001 }, videoStartS: 1.4, videoOffsetS: 0.2 };
    const args = buildArgs(chunk(900, 1799, { timeline }));
    // 1.4 s is slot 41.96, so frame 0 is slot 42.
    expect(filterOf(args)).toContain('trim=start_pts=942:end_pts=1841');
    // -ss counts from the file's start: frame 900 is 0.2 s + 900 / fps from there, less the lead.
    expect(Number(flagValue(args, '-ss'))).toBeCloseTo(0.2 + 900 / (30000 / 1001) - 3, 5);
    // The read's own options first: errors only, and no frame that fails to decode let through.
    expect(args.slice(0, 5)).toEqual(['-loglevel', 'error', '-max_error_rate', '0', '-copyts']);
  });

  it('maps one [vN] filter output per rung, each cut into its own segment directory, in order', () => {
    const args = buildArgs(chunk(0, undefined));
    const maps = args.flatMap((a, i) => (a === '-map' ? [args[i + 1]] : []));
    expect(maps).toEqual(['[v0]', '[v1]']);
    expect(filterOf(args)).toContain('split=2[s0][s1]');
    expect(args.indexOf('/tmp/c/v0/ffmpeg.m3u8')).toBeLessThan(args.indexOf('[v1]'));
    expect(args.at(-1)).toBe('/tmp/c/v1/ffmpeg.m3u8');
  });

  it('writes one MP4 file per rung when given files instead of segment directories', () => {
    const args = buildArgs(chunk(0, undefined, { outputs: { files: ['/tmp/c/r0.mp4', '/tmp/c/r1.mp4'] } }));
    expect(args.slice(-3)).toEqual(['-f', 'mp4', '/tmp/c/r1.mp4']);
    expect(args.indexOf('/tmp/c/r0.mp4')).toBeLessThan(args.indexOf('[v1]'));
    expect(args).not.toContain('hls');
  });

  it('throws when rungs and outputs differ in number', () => {
    expect(() => buildArgs(chunk(0, 750, { outputs: { files: ['/tmp/only-one.mp4'] } }))).toThrow('encode-chunk has 2 rungs but 1 outputs');
  });

  it('throws when there are no rungs', () => {
    expect(() => buildArgs(chunk(0, 750, { rungs: [], outputs: { files: [] } }))).toThrow(RangeError);
  });
});

describe('encode-chunk of a master with black bars', () => {
  const crop = { x: 240, y: 0, width: 1440, height: 1080 };

  it('crops once, after the frame rate is fixed and before conversion, split and scaling', () => {
    const graph = filterOf(buildArgs(chunk(0, 750, { crop })));
    expect(graph).toContain('fps=25/1,trim=end_pts=750,setpts=PTS-STARTPTS,crop=1440:1080:240:0,format=yuv420p,split=2[s0][s1]');
    expect(graph.split('crop=')).toHaveLength(2);
    expect(graph.indexOf('crop=')).toBeLessThan(graph.indexOf('scale='));
  });

  it('a master without bars gets no crop filter at all', () => {
    expect(filterOf(buildArgs(chunk(0, 750)))).not.toContain('crop');
    expect(buildArgs(chunk(0, 750, { crop: undefined }))).toEqual(buildArgs(chunk(0, 750)));
  });
});
