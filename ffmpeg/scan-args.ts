/**
 * ffmpeg command lines of the ladder analysis' scan, as data: the title (whole, or in bursts
 * from keyframes) read at reduced size, described (cuts) and encoded there too, and that encode
 * read back (`workers/jobs/scan-encode.ts`).
 */
import { masterInput } from './master-input.ts';
import { videoToNull } from './null-output.ts';
import type { X264Preset } from './encode-settings.ts';
import type { ActiveArea } from './probe.ts';
import { cropFilters } from './args.ts';
import { sourceInputArgs, type FrameTimeline } from './source-frames.ts';
import { toneMapFilters, type ToneMap } from './tone-map.ts';
import { pickFilter } from './frame-pick.ts';

export interface ScanCommand {
  readonly kind: 'scan';
  readonly input: string;
  /** Where `metadata=print` writes every frame's time and scene score. */
  readonly metadataFile: string;
  /**
   * Width the scan scales to, in pixels. scdet finds hard cuts at thumbnail size, and the
   * scan's own encode ranks stretches as the full-size one does (`coded-rate.ts`). @defaultValue 160
   */
  readonly widthPx: number;
  /** scdet threshold (0-100). @defaultValue 10 */
  readonly sceneThreshold: number;
  /** The picture inside the master's black bars; bars would add their edges to SI. Absent: the whole frame. */
  readonly crop?: ActiveArea;
  /** A PQ/HLG master's tone mapping (`tone-map.ts`): cuts and costs of the picture viewers see, not of PQ code values. */
  readonly toneMap?: ToneMap;
  /**
   * Stretches to scan instead of the whole title (`metadataFile` is then unused): one input
   * each, read from the keyframe at `fromKeyframeS` (title time) exactly as a sample reads
   * its window (`sourceInputArgs`), for `durationS`, its frames printed to its own file with
   * the master's timestamps. The first frame listed is where a reader from that keyframe lands.
   */
  readonly bursts?: {
    readonly timeline: FrameTimeline;
    readonly reads: readonly ScanBurstRead[];
  };
  /**
   * The scanned frames, at the scan's size, written raw to `framesFile` (NUT; a burst's frames
   * are the stream of its index) for x264 to encode at one CRF to `encodedFile` in a process of
   * its own (`buildScanEncodeArgs`), and the luma of the frames `frame-pick.ts` picks at
   * `compareStep` written as they were fed to `referenceFile` (raw, NUT): what the encoder spends
   * on each stretch and what it loses there, which `buildScanLossArgs` reads back. Both are what
   * a stretch costs at every size.
   */
  readonly coded?: ScanCodedOutput;
}

/** The scan's own encode: the final encode's preset and GOP length, at `crf`, one thread (its bits depend on the count). */
export interface ScanCodedOutput {
  readonly crf: number;
  readonly preset: X264Preset;
  readonly gopS: number;
  /** The frames the encoder is fed, raw: written by the scan, read by `buildScanEncodeArgs`. */
  readonly framesFile: string;
  readonly encodedFile: string;
  readonly referenceFile: string;
  readonly compareStep: number;
}

/** Reads the scan's encode back: its packets listed, and each stream's picked frames compared with what the encoder was fed. */
export interface ScanLossCommand {
  readonly kind: 'scan-loss';
  readonly coded: Pick<ScanCodedOutput, 'encodedFile' | 'referenceFile' | 'compareStep'>;
  /** Where every packet's size, time and flags are listed (`framecrc`, one stream per stretch). */
  readonly listingFile: string;
  /** Per stream, where `psnr` writes each compared frame's MSE. */
  readonly statsFiles: readonly string[];
}

/** One stretch of a burst scan: its keyframe in title time, its length, and where its frames are listed. */
export interface ScanBurstRead {
  readonly fromKeyframeS: number;
  readonly durationS: number;
  readonly metadataFile: string;
}

export function buildScanArgs(cmd: ScanCommand): string[] {
  const head = [
    ...cropFilters(cmd.crop),
    `scale=${cmd.widthPx}:-2:flags=bilinear`,
    // Tone-mapped at thumbnail size: the scan reads the whole title, and its figures are relative.
    ...toneMapFilters(cmd.toneMap),
    'format=yuv420p',
  ];
  // No `siti`: the scan's encode describes each second's cost, and siti, unoptimised C, was
  // two fifths of the scan's CPU (cartoon: 2.27 s with it, 1.31 s without).
  const describe = (metadataFile: string): string[] => [
    `scdet=threshold=${cmd.sceneThreshold}`,
    `metadata=mode=print:file=${metadataFile}`,
  ];
  // One branch per stretch read: [oN] described to its metadata file, [cN] to the encoder, [rN] its picked luma as fed.
  const branch = (input: string, i: number, metadataFile: string): string =>
    cmd.coded === undefined
      ? `${input}${[...head, ...describe(metadataFile)].join(',')}[o${i}]`
      : `${input}${[...head, 'split=3'].join(',')}[d${i}][c${i}][p${i}];[d${i}]${describe(metadataFile).join(',')}[o${i}];` +
        `[p${i}]${[...pickFilter(cmd.coded.compareStep), 'extractplanes=y'].join(',')}[r${i}]`;
  const toNull = (count: number): string[] => Array.from({ length: count }, (_, i) => ['-map', `[o${i}]`, '-f', 'null', '-']).flat();
  if (cmd.bursts !== undefined) {
    const { timeline, reads } = cmd.bursts;
    if (reads.length === 0) throw new RangeError('scan: expected at least one burst');
    // One single-threaded decoder per burst: frame threads would multiply each one's memory by
    // the core count, for bursts of a few seconds each. The reader's own input options, so
    // each burst also tells whether a sample's seek to its keyframe lands there: the check
    // that was one more ffmpeg per window, after the scan, on every title's critical path.
    const inputs = reads.flatMap((b) => [
      '-skip_frame',
      'noref',
      '-threads',
      '1',
      '-t',
      b.durationS.toFixed(6),
      ...sourceInputArgs(cmd.input, timeline, { startFrame: 1, fromKeyframeS: b.fromKeyframeS }),
    ]);
    const graph = reads.map((b, i) => branch(`[${i}:v:0]`, i, b.metadataFile)).join(';');
    return [...inputs, '-filter_complex', graph, ...toNull(reads.length), ...codedOutput(cmd.coded, reads.length)];
  }
  // Frames nothing refers to (x264's non-reference B-frames) are not decoded: that halves the
  // scan's decode, cuts are still found within a frame or two, and TI stays comparable
  // between parts of the title because the GOP structure is the same throughout.
  if (cmd.coded === undefined)
    return ['-skip_frame', 'noref', ...masterInput(cmd.input), ...videoToNull([...head, ...describe(cmd.metadataFile)].join(','))];
  return [
    '-skip_frame',
    'noref',
    ...masterInput(cmd.input),
    '-filter_complex',
    branch('[0:v:0]', 0, cmd.metadataFile),
    ...toNull(1),
    ...codedOutput(cmd.coded, 1),
  ];
}

/** The scan's `count` branches ([c0]...) as the encoder is fed them, raw, and the picked frames among them ([r0]...), raw. */
function codedOutput(coded: ScanCodedOutput | undefined, count: number): string[] {
  if (coded === undefined) return [];
  const maps = (label: string): string[] => Array.from({ length: count }, (_, i) => ['-map', `[${label}${i}]`]).flat();
  return [
    ...[...maps('c'), '-c:v', 'rawvideo', '-fps_mode', 'passthrough', '-f', 'nut', coded.framesFile],
    ...[...maps('r'), '-c:v', 'rawvideo', '-fps_mode', 'passthrough', '-f', 'nut', coded.referenceFile],
  ];
}

/**
 * The scan's encode: every stream of `framesFile`, each by x264 on one thread, in a process
 * with that one input. In the scan's own process, beside its bursts' inputs, x264 given the
 * same frames (hashed in that process) coded one burst of cartoon differently about one run in
 * three (its I-frame's QP 29.50 or 29.52, its bits 0.6% apart), moving the title's rates: the
 * encoders' calls interleave with the demuxers' threads, and pinned to one core, or without
 * mbtree, the bits were the same on every run. A process with one input demuxes, decodes and
 * encodes in its file's order, so the same frames code the same (12 of 12 runs, and in
 * `scan-bursts.test.ts`).
 */
export function buildScanEncodeArgs(coded: Pick<ScanCodedOutput, 'crf' | 'preset' | 'gopS' | 'framesFile' | 'encodedFile'>): string[] {
  return [
    ...['-f', 'nut', '-i', coded.framesFile, '-map', '0:v'],
    ...['-c:v', 'libx264', '-threads', '1', '-preset', coded.preset, '-crf', String(coded.crf)],
    // The final encode's keyframes: one every GOP, none at cuts, whatever frames the scan skipped.
    ...['-force_key_frames', `expr:gte(t,n_forced*${coded.gopS})`, '-sc_threshold', '0', '-x264-params', 'open_gop=0:scenecut=0'],
    ...['-fps_mode', 'passthrough', '-f', 'nut', coded.encodedFile],
  ];
}

/**
 * The scan's encode read back in one process: every packet listed by `framecrc` (copied, not
 * decoded), and each stream decoded, its frames picked as the reference's were and compared
 * with them by index (luma MSE per frame, `psnr`). Decoding 160-px H.264 and comparing raw
 * luma cost 0.34 s of CPU on a 180 s title (5400 frames, every frame compared).
 */
export function buildScanLossArgs(cmd: ScanLossCommand): string[] {
  const numbered = 'settb=AVTB,setpts=N*1000';
  const graph = cmd.statsFiles.map(
    (file, k) =>
      `[0:v:${k}]${[...pickFilter(cmd.coded.compareStep), 'extractplanes=y', numbered].join(',')}[e${k}];` +
      `[1:v:${k}]${numbered}[f${k}];[e${k}][f${k}]psnr=stats_file=${file}[q${k}]`,
  );
  // Numbered frames are a millisecond apart: an encoder time base of the frame rate's would
  // round them onto one another, and the muxer logs each such frame as an error, which fills the
  // stderr tail a failure is reported from.
  const toNull = cmd.statsFiles.flatMap((_, k) => ['-map', `[q${k}]`, '-enc_time_base', '1:1000000', '-f', 'null', '-']);
  return [
    ...['-threads', '1', '-i', cmd.coded.encodedFile, '-threads', '1', '-i', cmd.coded.referenceFile],
    ...['-filter_complex_threads', '1', '-filter_complex', graph.join(';')],
    ...['-map', '0:v', '-c', 'copy', '-f', 'framecrc', cmd.listingFile],
    ...toNull,
  ];
}
