/**
 * ffmpeg command lines of the ladder analysis, as data: the reads that place its windows (seek
 * landings, entry points, black bars) and the sample encodes, which use the final encode's x264
 * settings. The scan is `scan-args.ts`; the comparison with the master is `quality-args.ts`.
 */
import { masterInput } from './master-input.ts';
import { videoToNull } from './null-output.ts';
import type { EncodeSettings } from './encode-settings.ts';
import type { ActiveArea } from './probe.ts';
import { cropFilters } from './args.ts';
import { sourceFrameFilters, sourceInputArgs, type FrameRange, type FrameTimeline, type ReadStart } from './source-frames.ts';
import { toneMapFilters, toneMappedOutputTags, type ToneMap } from './tone-map.ts';

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
