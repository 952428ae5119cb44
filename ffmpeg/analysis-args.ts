/**
 * ffmpeg command lines of the ladder analysis, as data. The scan reads the title (whole, or
 * in bursts from keyframes) at reduced size, and encodes what it reads there too; sample
 * encodes use exactly the final encode's x264 settings. Their comparison with the master is `quality-args.ts`.
 */
import { masterInput } from './master-input.ts';
import { videoToNull } from './null-output.ts';
import type { EncodeSettings, X264Preset } from './encode-settings.ts';
import type { ActiveArea } from './probe.ts';
import { cropFilters } from './args.ts';
import { sourceFrameFilters, sourceInputArgs, type FrameRange, type FrameTimeline, type ReadStart } from './source-frames.ts';
import { toneMapFilters, toneMappedOutputTags, type ToneMap } from './tone-map.ts';
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
  /** Luma of a pixel, as a share of full scale, at or under which it is black. */
  readonly blackLimit: number;
  /** Share of a row's or column's pixels above `blackLimit` over which the line holds picture. */
  readonly linePictureShare: number;
  /** Where the same keyframes are measured again, each line holding picture only over `filledLineShare` (`active-area.ts`). */
  readonly filledMetadataFile: string;
  readonly filledLineShare: number;
  /** A PQ/HLG master's tone mapping: `blackLimit` is a share of the SDR picture's scale, as for every other master. */
  readonly toneMap?: ToneMap;
}

export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

export interface SampleEncodeCommand {
  readonly kind: 'sample-encode';
  readonly input: string;
  /** How the master's frames are counted; `frames` is the window, by frame index. */
  readonly timeline: FrameTimeline;
  readonly frames: Required<FrameRange> & ReadStart;
  /** Every (size, CRF) pair is one output, in `outputs` order: sizes outer, CRFs inner. */
  readonly sizes: readonly FrameSize[];
  readonly crfs: readonly number[];
  readonly outputs: readonly string[];
  readonly settings: EncodeSettings;
  /** The picture inside the master's black bars: cropped before scaling, as the final encode does. */
  readonly crop?: ActiveArea;
  /**
   * The window exactly as the encoder saw it (after crop, before scaling), written losslessly
   * to `file`: measured through the same path as the samples it must be identical to the
   * reference, which proves the two sides are the same frames (the alignment self-check).
   */
  readonly losslessOutput?: { readonly file: string };
}

const secs = (s: number): string => s.toFixed(6);

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
      secs(b.durationS),
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

/**
 * Decodes `durationS` of the master from the keyframe at `keyframeS` (title time), with the very
 * input options a reader starting there uses (`sourceInputArgs`), keeping nothing: ffmpeg's log
 * says whether the frames after the keyframe decode (`workers/measure/entry-points.ts`).
 */
export function buildEntryPointReadArgs(cmd: { input: string; timeline: FrameTimeline; keyframeS: number; durationS: number }): string[] {
  return [
    '-v',
    'error',
    // An input option: the read stops `durationS` after the seek, whatever -copyts keeps.
    '-t',
    secs(cmd.durationS),
    ...sourceInputArgs(cmd.input, cmd.timeline, { startFrame: 1, fromKeyframeS: cmd.keyframeS }),
    ...videoToNull('null'),
  ];
}

/**
 * Decodes the first frame a reader starting from the keyframe at `keyframeS` (title time) gets,
 * with the very input options such a reader uses (`sourceInputArgs`), and lists its timestamp
 * to `metadataFile` (`-copyts`: the master's own).
 */
export function buildSeekLandingArgs(cmd: { input: string; timeline: FrameTimeline; keyframeS: number; metadataFile: string }): string[] {
  return [
    // Any range past frame 0 reads from the keyframe: the seek is the keyframe's alone.
    ...sourceInputArgs(cmd.input, cmd.timeline, { startFrame: 1, fromKeyframeS: cmd.keyframeS }),
    ...videoToNull(`metadata=mode=add:key=vodforge.frame:value=1,metadata=mode=print:file=${cmd.metadataFile}`, 1),
  ];
}

export function buildCropDetectArgs(cmd: CropDetectCommand): string[] {
  for (const key of ['blackLimit', 'linePictureShare', 'filledLineShare'] as const) {
    const v = cmd[key];
    if (!(v > 0 && v < 1)) throw new RangeError(`Expected \`${key}\` to be a share in (0, 1), got ${String(v)}`);
  }
  // Each pixel is made black or white (`maskfun`, on 8-bit luma whatever the master's depth),
  // so cropdetect's mean of a line, as a share of full scale, is the share of its pixels above
  // black: sparse content on black is picture, where its mean was under the limit. sum=65535
  // turns off maskfun's whole-frame fill. round=2 only keeps cropdetect's own x/y/w/h even;
  // the decision reads x1..y2. reset=1 measures each keyframe on its own instead of growing
  // one box over the title, and skip=0 keeps the first keyframes, which cropdetect otherwise drops.
  // The second cropdetect finds the filled lines; its figures replace the first's on the frame
  // after the first's are printed.
  const black = Math.round(cmd.blackLimit * 255);
  const binary = ['format=yuv420p', `maskfun=low=${black}:high=${black}:planes=1:sum=65535`];
  const detect = (share: number, file: string): string[] => [
    `cropdetect=limit=${share.toFixed(6)}:round=2:reset=1:skip=0`,
    `metadata=mode=print:file=${file}`,
  ];
  return [
    '-skip_frame',
    'nokey',
    // One decoding thread: Theora's frame-threaded decoder drops every keyframe after the first
    // when told to skip the others (film-montage, camera-ogv: 1 of 44 and 1 of 3 keyframes read,
    // and the read failed on ffmpeg's decode error rate).
    '-threads',
    '1',
    ...masterInput(cmd.input),
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    [
      ...toneMapFilters(cmd.toneMap),
      ...binary,
      ...detect(cmd.linePictureShare, cmd.metadataFile),
      ...detect(cmd.filledLineShare, cmd.filledMetadataFile),
    ].join(','),
    '-f',
    'null',
    '-',
  ];
}

/**
 * x264 threads of every sample encode, whatever `encodeThreads` the fleet runs its rungs with.
 * x264's bits depend on its thread count (a 2 s window of cartoon at CRF 27: 36716 bytes on one
 * thread, 36373 on two, 36988 on four), and a local fleet's count follows its cores and workers
 * (`withLocalFleet`), so samples at the fleet's count made the same master's points, and the
 * ladder chosen from them, depend on `--workers` and the machine. They are coded alike on every
 * fleet; a final encode on more threads lands about 1% from the rate its samples predict.
 */
export const SAMPLE_ENCODE_THREADS = 1;

export function buildSampleEncodeArgs(cmd: SampleEncodeCommand): string[] {
  const n = cmd.sizes.length * cmd.crfs.length;
  if (n === 0) throw new RangeError('sample-encode needs at least one size and one CRF');
  if (cmd.outputs.length !== n) throw new RangeError(`sample-encode has ${n} size×CRF pairs but ${cmd.outputs.length} outputs`);
  const rate = cmd.timeline.frameRate;
  const gop = Math.max(1, Math.round(cmd.settings.gopS * (rate.num / rate.den)));
  const branches = cmd.sizes.length + (cmd.losslessOutput === undefined ? 0 : 1);
  const source = [...sourceFrameFilters(cmd.timeline, cmd.frames), ...cropFilters(cmd.crop), 'format=yuv420p'].join(',');
  const head = `[0:v:0]${source},split=${branches}${Array.from({ length: branches }, (_, i) => `[s${i}]`).join('')}`;
  const scaled = cmd.sizes.map(
    (s, i) =>
      `[s${i}]scale=${s.width}:${s.height}:flags=bicubic,setsar=1,split=${cmd.crfs.length}${cmd.crfs.map((_, j) => `[v${i}_${j}]`).join('')}`,
  );
  const lossless = cmd.losslessOutput === undefined ? [] : [`[s${cmd.sizes.length}]setsar=1[ll]`];
  const outputs = cmd.sizes.flatMap((_, i) =>
    cmd.crfs.map((crf, j) => [
      '-map',
      `[v${i}_${j}]`,
      '-c:v',
      'libx264',
      '-threads',
      String(SAMPLE_ENCODE_THREADS),
      '-preset',
      cmd.settings.preset,
      '-profile:v',
      'high',
      '-crf',
      String(crf),
      '-g',
      String(gop),
      '-keyint_min',
      String(gop),
      '-sc_threshold',
      '0',
      '-x264-params',
      'open_gop=0:scenecut=0',
      '-fps_mode',
      'passthrough',
      ...toneMappedOutputTags(cmd.timeline.toneMap),
      '-an',
      '-f',
      'mp4',
      cmd.outputs[i * cmd.crfs.length + j] ?? '',
    ]),
  );
  const selfCheck =
    cmd.losslessOutput === undefined
      ? []
      : ['-map', '[ll]', ...LOSSLESS_COPY_CODEC, '-fps_mode', 'passthrough', '-an', '-f', 'matroska', cmd.losslessOutput.file];
  return [
    ...sourceInputArgs(cmd.input, cmd.timeline, cmd.frames),
    '-filter_complex',
    [head, ...scaled, ...lossless].join(';'),
    ...outputs.flat(),
    ...selfCheck,
  ];
}

/**
 * The self-check's copy of the window is stored uncoded: it is written once and decoded once,
 * and any lossless codec spends CPU on both ends to save scratch space for a few seconds.
 * FFVHuff, the cheapest tried before, cost near-static's sample job 0.12 s to code and 0.23 s
 * to decode its 2 s of 720p (bench:ladder, replayed); raw frames cost about a tenth of that.
 * The price is bytes: 1.5 per pixel per frame, about 2.4x FFVHuff's (69 MB for 2 s of 720p25,
 * 190 MB of 1080p30), on the sample's scratch and only until the comparison ends. Matroska
 * holds raw 4:2:0 at any size, odd widths included, which FFVHuff could not code.
 */
export const LOSSLESS_COPY_CODEC = ['-c:v', 'rawvideo'] as const;
