import { describe, expect, it } from 'vitest';
import { buildScanArgs, buildScanEncodeArgs, buildScanLossArgs, type ScanCommand } from '../../../ffmpeg/scan-args.ts';
import { pickFilter } from '../../../ffmpeg/frame-pick.ts';
import { masterInputOptions } from '../../../ffmpeg/master-input.ts';
import { sourceInputArgs } from '../../../ffmpeg/source-frames.ts';

const scan: ScanCommand = {
  kind: 'scan',
  input: 'https://s3.test/master.mp4?sig=x',
  metadataFile: '/w/scan.txt',
  widthPx: 480,
  sceneThreshold: 10,
};

const flagValue = (args: string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
};

describe('buildScanArgs', () => {
  it('writes metadata to the given file and uses the given width and scene threshold', () => {
    const graph = flagValue(buildScanArgs({ ...scan, widthPx: 320, sceneThreshold: 25 }), '-vf') ?? '';
    expect(graph.split(',')).toEqual([
      'scale=320:-2:flags=bilinear',
      'format=yuv420p',
      'scdet=threshold=25',
      'metadata=mode=print:file=/w/scan.txt',
    ]);
  });

  it('reads the first video stream only and writes nothing', () => {
    const args = buildScanArgs(scan);
    expect(flagValue(args, '-map')).toBe('0:v:0');
    expect(args.slice(-3)).toEqual(['-f', 'null', '-']);
    expect(args).not.toContain('-ss');
  });

  it('skips decoding frames nothing refers to, as an input option', () => {
    const args = buildScanArgs(scan);
    expect(args.slice(0, 2)).toEqual(['-skip_frame', 'noref']);
    expect(args.slice(2, 3 + masterInputOptions(scan.input).length)).toEqual([...masterInputOptions(scan.input), '-i']);
  });

  const timeline = { frameRate: { num: 25, den: 1 }, videoStartS: 0.04, videoOffsetS: 0.04 };
  const reads = [
    { fromKeyframeS: 9.960002, durationS: 3, metadataFile: '/w/b0.txt' },
    { fromKeyframeS: 30, durationS: 2.5, metadataFile: '/w/b1.txt' },
  ];

  it('scans bursts as inputs of their own, each read from its keyframe as a sample reads it, printing to its own file', () => {
    const args = buildScanArgs({ ...scan, bursts: { timeline, reads } });
    expect(args.filter((a) => a === '-i')).toHaveLength(2);
    expect(args.slice(0, 6)).toEqual(['-skip_frame', 'noref', '-threads', '1', '-t', '3.000000']);
    const reader = sourceInputArgs(scan.input, timeline, { startFrame: 1, fromKeyframeS: 9.960002 });
    expect(reader).toContain('-noaccurate_seek');
    expect(args.slice(6, 6 + reader.length)).toEqual(reader);
    expect(reader.slice(0, 4)).toEqual(['-copyts', '-noaccurate_seek', '-ss', '10.000002']);
    const graph = flagValue(args, '-filter_complex') ?? '';
    expect(graph.split(';')).toEqual([
      '[0:v:0]scale=480:-2:flags=bilinear,format=yuv420p,scdet=threshold=10,metadata=mode=print:file=/w/b0.txt[o0]',
      '[1:v:0]scale=480:-2:flags=bilinear,format=yuv420p,scdet=threshold=10,metadata=mode=print:file=/w/b1.txt[o1]',
    ]);
    expect(args.slice(-10)).toEqual(['-map', '[o0]', '-f', 'null', '-', '-map', '[o1]', '-f', 'null', '-']);
    expect(() => buildScanArgs({ ...scan, bursts: { timeline, reads: [] } })).toThrow(/burst/);
  });

  const coded = {
    crf: 27,
    preset: 'veryfast' as const,
    gopS: 2,
    framesFile: '/w/frames.nut',
    encodedFile: '/w/coded.nut',
    referenceFile: '/w/fed.nut',
    compareStep: 2,
  };
  const picked = `${pickFilter(2).join(',')},extractplanes=y`;
  const raw = (file: string): string[] => ['-c:v', 'rawvideo', '-fps_mode', 'passthrough', '-f', 'nut', file];

  it('writes the scanned frames raw for its encode beside describing them, and keeps the luma of the frames it will compare', () => {
    const args = buildScanArgs({ ...scan, coded });
    expect(flagValue(args, '-filter_complex')?.split(';')).toEqual([
      '[0:v:0]scale=480:-2:flags=bilinear,format=yuv420p,split=3[d0][c0][p0]',
      '[d0]scdet=threshold=10,metadata=mode=print:file=/w/scan.txt[o0]',
      `[p0]${picked}[r0]`,
    ]);
    expect(args.slice(0, 2)).toEqual(['-skip_frame', 'noref']);
    const out = args.slice(args.indexOf('-map', args.indexOf('[o0]')));
    expect(out).toEqual(['-map', '[c0]', ...raw('/w/frames.nut'), '-map', '[r0]', ...raw('/w/fed.nut')]);
  });

  it("writes each burst's frames as a stream of one file, and its picked frames as a stream of the other, in the bursts' order", () => {
    const args = buildScanArgs({ ...scan, bursts: { timeline, reads }, coded });
    expect(flagValue(args, '-filter_complex')?.split(';')).toEqual([
      '[0:v:0]scale=480:-2:flags=bilinear,format=yuv420p,split=3[d0][c0][p0]',
      '[d0]scdet=threshold=10,metadata=mode=print:file=/w/b0.txt[o0]',
      `[p0]${picked}[r0]`,
      '[1:v:0]scale=480:-2:flags=bilinear,format=yuv420p,split=3[d1][c1][p1]',
      '[d1]scdet=threshold=10,metadata=mode=print:file=/w/b1.txt[o1]',
      `[p1]${picked}[r1]`,
    ]);
    const o1 = args.indexOf('[o1]');
    expect(args.slice(o1 - 1, o1 + 4)).toEqual(['-map', '[o1]', '-f', 'null', '-']);
    const frames = args.slice(args.indexOf('[c0]') - 1);
    expect(frames.slice(0, 4 + 7)).toEqual(['-map', '[c0]', '-map', '[c1]', ...raw('/w/frames.nut')]);
    const fed = args.slice(args.indexOf('[r0]') - 1);
    expect(fed).toEqual(['-map', '[r0]', '-map', '[r1]', ...raw('/w/fed.nut')]);
    // x264 codes the same frames differently beside several inputs' demuxers: never in this process.
    expect(args.filter((a) => a === '-i')).toHaveLength(2);
    expect(args).not.toContain('libx264');
  });

  it("encodes every stream of the scan's frames in a process with that one input, as the final encode keys them", () => {
    const args = buildScanEncodeArgs(coded);
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(args.slice(0, 6)).toEqual(['-f', 'nut', '-i', '/w/frames.nut', '-map', '0:v']);
    expect(args.slice(6, 14)).toEqual(['-c:v', 'libx264', '-threads', '1', '-preset', 'veryfast', '-crf', '27']);
    // Keyframes every GOP by time, none at cuts: the final encode's, whatever frames were skipped.
    expect(flagValue(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*2)');
    expect(flagValue(args, '-x264-params')).toBe('open_gop=0:scenecut=0');
    expect(args.slice(-5)).toEqual(['-fps_mode', 'passthrough', '-f', 'nut', '/w/coded.nut']);
  });

  it('reads the encode back: every packet listed as copied, each stream picked as its fed frames were and compared by index', () => {
    const args = buildScanLossArgs({ kind: 'scan-loss', coded, listingFile: '/w/coded.txt', statsFiles: ['/w/l0.txt', '/w/l1.txt'] });
    expect(args.slice(0, 8)).toEqual(['-threads', '1', '-i', '/w/coded.nut', '-threads', '1', '-i', '/w/fed.nut']);
    expect(flagValue(args, '-filter_complex')?.split(';')).toEqual([
      `[0:v:0]${picked},settb=AVTB,setpts=N*1000[e0]`,
      '[1:v:0]settb=AVTB,setpts=N*1000[f0]',
      '[e0][f0]psnr=stats_file=/w/l0.txt[q0]',
      `[0:v:1]${picked},settb=AVTB,setpts=N*1000[e1]`,
      '[1:v:1]settb=AVTB,setpts=N*1000[f1]',
      '[e1][f1]psnr=stats_file=/w/l1.txt[q1]',
    ]);
    const listing = args.indexOf('/w/coded.txt');
    expect(args.slice(listing - 6, listing + 1)).toEqual(['-map', '0:v', '-c', 'copy', '-f', 'framecrc', '/w/coded.txt']);
    expect(args.slice(-14)).toEqual(['[q0]', '[q1]'].flatMap((q) => ['-map', q, '-enc_time_base', '1:1000000', '-f', 'null', '-']));
  });
});
