/**
 * ffmpeg command lines of the ladder analysis, as data. The scan reads the title (whole, or
 * in bursts from keyframes) at reduced size; sample encodes use exactly the final encode's x264 settings; quality is
 * measured at the source's size with one fixed scaler, as per-title encoding requires.
 */
import type { EncodeSettings } from '../encode/settings.ts';
import type { ActiveArea, Rational } from './probe.ts';
import { cropFilters } from './args.ts';

export interface ScanCommand {
  readonly kind: 'scan';
  readonly input: string;
  /** Where `metadata=print` writes per-frame SI/TI and scene scores. */
  readonly metadataFile: string;
  /**
   * Width the scan scales to, in pixels. SI/TI only need relative values and scdet finds
   * hard cuts at thumbnail size; `siti` is unoptimised C whose cost grows with the area, so
   * at 480 px it cost twice the decode. @defaultValue 160
   */
  readonly widthPx: number;
  /** scdet threshold (0-100). @defaultValue 10 */
  readonly sceneThreshold: number;
  /** The picture inside the master's black bars; bars would add their edges to SI. Absent: the whole frame. */
  readonly crop?: ActiveArea;
  /**
   * Stretches to scan instead of the whole title (`metadataFile` is then unused): one input
   * each, seeking to `seekS` (a keyframe, so nothing before it is decoded) for `durationS`,
   * its frames printed to its own file with timestamps from 0.
   */
  readonly bursts?: readonly { readonly seekS: number; readonly durationS: number; readonly metadataFile: string }[];
}

/**
 * Measures black bars: every keyframe of the title, each on its own, at full resolution
 * (a bar's edge must be found to the line). Keyframes only: they sample the whole title, and
 * with 2 s GOPs at 25 fps they are a fiftieth of the decode. (An all-intra master, ProRes or
 * DNxHD, has nothing to skip and is decoded whole.)
 */
export interface CropDetectCommand {
  readonly kind: 'crop-detect';
  readonly input: string;
  /** Where `metadata=print` writes each keyframe's `lavfi.cropdetect.*` values. */
  readonly metadataFile: string;
  /** Mean luma of a row or column, as a share of full scale, at or under which it is black. */
  readonly blackLimit: number;
}

export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

export interface SampleEncodeCommand {
  readonly kind: 'sample-encode';
  readonly input: string;
  readonly startS: number;
  readonly durationS: number;
  readonly frameRate: Rational;
  /** Every (size, CRF) pair is one output, in `outputs` order: sizes outer, CRFs inner. */
  readonly sizes: readonly FrameSize[];
  readonly crfs: readonly number[];
  readonly outputs: readonly string[];
  readonly settings: EncodeSettings;
  /** The picture inside the master's black bars: cropped before scaling, as the final encode does. */
  readonly crop?: ActiveArea;
}

export interface MeasureQualityCommand {
  readonly kind: 'measure-quality';
  /** Encodes under test, each decoded and scaled back to the reference size. */
  readonly distorted: readonly string[];
  readonly distortedStartS: number;
  readonly reference: string;
  readonly referenceStartS: number;
  readonly durationS: number;
  /** Size the comparison runs at: the reference's, after `referenceCrop`. */
  readonly referenceSize: FrameSize;
  /** The picture inside the master's black bars: bars are not compared (they are trivially perfect). */
  readonly referenceCrop?: ActiveArea;
  /** Per distorted input: where `psnr` and `ssim` write their per-frame statistics. */
  readonly statsFiles: readonly { readonly psnr: string; readonly ssim: string }[];
  /** Compare every Nth frame only (the same frames of both inputs). @defaultValue 1 */
  readonly frameStep?: number;
}

const secs = (s: number): string => s.toFixed(6);

export function buildScanArgs(cmd: ScanCommand): string[] {
  const chain = (metadataFile: string): string =>
    [...cropFilters(cmd.crop), `scale=${cmd.widthPx}:-2:flags=bilinear`, 'format=yuv420p', 'siti', `scdet=threshold=${cmd.sceneThreshold}`, `metadata=mode=print:file=${metadataFile}`].join(',');
  if (cmd.bursts !== undefined) {
    if (cmd.bursts.length === 0) throw new RangeError('scan: expected at least one burst');
    // One single-threaded decoder per burst: frame threads would multiply each one's memory by
    // the core count, for bursts of a few seconds each.
    const inputs = cmd.bursts.flatMap((b) => ['-skip_frame', 'noref', '-threads', '1', '-ss', secs(b.seekS), '-t', secs(b.durationS), '-i', cmd.input]);
    const graph = cmd.bursts.map((b, i) => `[${i}:v:0]${chain(b.metadataFile)}[o${i}]`).join(';');
    return [...inputs, '-filter_complex', graph, ...cmd.bursts.flatMap((_, i) => ['-map', `[o${i}]`, '-f', 'null', '-'])];
  }
  const graph = chain(cmd.metadataFile);
  // Frames nothing refers to (x264's non-reference B-frames) are not decoded: that halves the
  // scan's decode, cuts are still found within a frame or two, and TI stays comparable
  // between parts of the title because the GOP structure is the same throughout.
  return ['-skip_frame', 'noref', '-i', cmd.input, '-map', '0:v:0', '-an', '-sn', '-dn', '-vf', graph, '-f', 'null', '-'];
}

export function buildCropDetectArgs(cmd: CropDetectCommand): string[] {
  if (!(cmd.blackLimit > 0 && cmd.blackLimit < 1)) throw new RangeError(`Expected \`blackLimit\` to be a share in (0, 1), got ${String(cmd.blackLimit)}`);
  // A limit below 1 is a share of full scale to cropdetect. round=2 only keeps its own
  // x/y/w/h even; the decision reads x1..y2. reset=1 measures each keyframe on its own
  // instead of growing one box over the title, and skip=0 keeps the first keyframes, which
  // cropdetect otherwise drops.
  const detect = `cropdetect=limit=${cmd.blackLimit.toFixed(6)}:round=2:reset=1:skip=0`;
  return ['-skip_frame', 'nokey', '-i', cmd.input, '-map', '0:v:0', '-an', '-sn', '-dn', '-vf', `${detect},metadata=mode=print:file=${cmd.metadataFile}`, '-f', 'null', '-'];
}

export function buildSampleEncodeArgs(cmd: SampleEncodeCommand): string[] {
  const n = cmd.sizes.length * cmd.crfs.length;
  if (n === 0) throw new RangeError('sample-encode needs at least one size and one CRF');
  if (cmd.outputs.length !== n) throw new RangeError(`sample-encode has ${n} size×CRF pairs but ${cmd.outputs.length} outputs`);
  const gop = Math.max(1, Math.round(cmd.settings.gopS * (cmd.frameRate.num / cmd.frameRate.den)));
  const head = `[0:v:0]${[`fps=${cmd.frameRate.num}/${cmd.frameRate.den}`, ...cropFilters(cmd.crop)].join(',')},format=yuv420p,split=${cmd.sizes.length}${cmd.sizes.map((_, i) => `[s${i}]`).join('')}`;
  const scaled = cmd.sizes.map((s, i) => `[s${i}]scale=${s.width}:${s.height}:flags=bicubic,setsar=1,split=${cmd.crfs.length}${cmd.crfs.map((_, j) => `[v${i}_${j}]`).join('')}`);
  const outputs = cmd.sizes.flatMap((_, i) =>
    cmd.crfs.map((crf, j) => [
      '-map', `[v${i}_${j}]`,
      '-c:v', 'libx264', '-preset', cmd.settings.preset, '-profile:v', 'high', '-crf', String(crf),
      '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-x264-params', 'open_gop=0:scenecut=0',
      '-fps_mode', 'passthrough', '-an', '-f', 'mp4', cmd.outputs[i * cmd.crfs.length + j] ?? '',
    ]),
  );
  return ['-ss', secs(cmd.startS), '-t', secs(cmd.durationS), '-i', cmd.input, '-filter_complex', [head, ...scaled].join(';'), ...outputs.flat()];
}

/**
 * PSNR and SSIM of every distorted input against one decode of the reference, in one
 * process: the reference window is decoded once, not once per encode. Results go to per-pair
 * stats files so each figure is tied to its input without parsing log prefixes.
 */
export function buildMeasureQualityArgs(cmd: MeasureQualityCommand): string[] {
  const n = cmd.distorted.length;
  if (n === 0) throw new RangeError('measure-quality needs at least one distorted input');
  if (cmd.statsFiles.length !== n) throw new RangeError(`measure-quality has ${n} inputs but ${cmd.statsFiles.length} stats file pairs`);
  const { width, height } = cmd.referenceSize;
  const step = cmd.frameStep ?? 1;
  // Frames are picked by index on both sides, so the same source frames are compared.
  const pick = step > 1 ? `select='not(mod(n\\,${step}))',` : '';
  const crop = cropFilters(cmd.referenceCrop).map((f) => `${f},`).join('');
  const ref = `[${n}:v:0]${pick}${crop}format=yuv420p,setsar=1,setpts=PTS-STARTPTS,split=${2 * n}${Array.from({ length: 2 * n }, (_, k) => `[r${k}]`).join('')}`;
  const pairs = cmd.distorted.flatMap((_, i) => {
    const f = cmd.statsFiles[i];
    return [
      `[${i}:v:0]${pick}scale=${width}:${height}:flags=bicubic,setsar=1,format=yuv420p,setpts=PTS-STARTPTS,split[d${i}a][d${i}b]`,
      `[d${i}a][r${2 * i}]psnr=stats_file=${f?.psnr ?? ''}[o${i}a]`,
      `[d${i}b][r${2 * i + 1}]ssim=stats_file=${f?.ssim ?? ''}[o${i}b]`,
    ];
  });
  const inputs = [
    ...cmd.distorted.flatMap((file) => ['-ss', secs(cmd.distortedStartS), '-t', secs(cmd.durationS), '-i', file]),
    '-ss', secs(cmd.referenceStartS), '-t', secs(cmd.durationS), '-i', cmd.reference,
  ];
  const sinks = cmd.distorted.flatMap((_, i) => ['-map', `[o${i}a]`, '-f', 'null', '-', '-map', `[o${i}b]`, '-f', 'null', '-']);
  return [...inputs, '-filter_complex', [ref, ...pairs].join(';'), ...sinks];
}
