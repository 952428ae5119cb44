/**
 * ffmpeg command lines as data: pure functions from a typed description to `string[]`.
 * Nothing here probes or spawns; the caller probes once and passes what it learned.
 */
import { masterInput } from './master-input.ts';
import { buildEncodeAudioArgs, buildLoudnessScanArgs, type EncodeAudioCommand, type LoudnessScanCommand } from './audio-args.ts';
import type { ActiveArea } from './probe.ts';
import type { EncodeSettings } from './encode-settings.ts';
import { sourceFrameFilters, sourceInputArgs, type FrameTimeline } from './source-frames.ts';
import { toneMappedOutputTags } from './tone-map.ts';

export interface RungTarget {
  readonly width: number;
  readonly height: number;
  /** Average bitrate: the target (fixed ladder), or the predicted rate of the CRF (per-title). */
  readonly bitrateKbps: number;
  /** Per-title rungs encode at this CRF, capped by the VBV at the predicted rate's multiples. */
  readonly crf?: number;
}

/** Track timescale of every video output: 90 kHz divides all common frame durations closely and is what DASH and HLS tools expect. */
export const VIDEO_TIMESCALE = 90_000;

export interface EncodeChunkCommand {
  readonly kind: 'encode-chunk';
  /** File path or URL of the master (a presigned URL lets ffmpeg read only its range). */
  readonly input: string;
  /** How the master's frames are counted: chunks, samples and quality measurements share it. */
  readonly timeline: FrameTimeline;
  readonly startFrame: number;
  readonly endFrame: number | undefined;
  readonly rungs: readonly RungTarget[];
  /**
   * Where the rungs go, in rung order: one MP4 file each, or CMAF segments cut as they are
   * encoded, one directory each: the same segments a stream copy of those files would give,
   * without a second ffmpeg reading them back on the chunk's worker.
   */
  readonly outputs: { readonly files: readonly string[] } | { readonly cmaf: CmafCut };
  readonly settings: EncodeSettings;
  /** The picture inside the master's black bars: cropped before scaling. Absent: the whole frame. */
  readonly crop?: ActiveArea;
}

/** How tracks are cut into CMAF segments (HLS fMP4): `segmentS` long, each track into its own directory. */
export interface CmafCut {
  /** One directory per track, in track order: its `init.mp4`, segments and ffmpeg's playlist of them. */
  readonly dirs: readonly string[];
  readonly segmentS: number;
  /**
   * A chunk of the title, not the title: its segments are numbered from `firstSegment` and its
   * timestamps moved on by `offsetS` (where the chunk starts in the title), so that they are
   * the very segments a cut of the whole rung would give. Absent: numbered and timed from 0.
   */
  readonly inTitle?: { readonly firstSegment: number; readonly offsetS: number };
}

/** Media files cut by stream copy, side by side in one process: an audio rendition. */
export interface SegmentCommand {
  readonly kind: 'segment';
  /** The files, in the order of `cut.dirs`. */
  readonly inputs: readonly string[];
  readonly cut: CmafCut;
}

/** Text subtitle streams of the master converted to WebVTT, one file each, in one read of the master. */
export interface ExtractSubtitlesCommand {
  readonly kind: 'extract-subtitles';
  readonly input: string;
  /** `0:s:<streamIndex>` of the master to `output`. */
  readonly streams: readonly { readonly streamIndex: number; readonly output: string }[];
}

export function buildExtractSubtitlesArgs(cmd: ExtractSubtitlesCommand): string[] {
  if (cmd.streams.length === 0) throw new RangeError('extract-subtitles needs at least one stream');
  return [
    ...masterInput(cmd.input),
    ...cmd.streams.flatMap((s) => ['-map', `0:s:${s.streamIndex}`, '-c:s', 'webvtt', '-f', 'webvtt', s.output]),
  ];
}

export type FfmpegCommand = EncodeChunkCommand | EncodeAudioCommand | LoudnessScanCommand | ExtractSubtitlesCommand | SegmentCommand;

/** `crop` filter keeping `area` of the frame; empty when there is nothing to crop, so graphs of masters without bars are unchanged. */
export function cropFilters(area: ActiveArea | undefined): string[] {
  return area === undefined ? [] : [`crop=${area.width}:${area.height}:${area.x}:${area.y}`];
}

export function chunkFilterGraph(cmd: EncodeChunkCommand): string {
  const head = [
    ...sourceFrameFilters(cmd.timeline, { startFrame: cmd.startFrame, ...(cmd.endFrame === undefined ? {} : { endFrame: cmd.endFrame }) }),
    // Bars are dropped before anything converts or scales them. A PQ/HLG master is already 8-bit
    // SDR here (the source frames' tone mapping): never squeezed to 8 bits as HDR code values.
    ...cropFilters(cmd.crop),
    'format=yuv420p',
    `split=${cmd.rungs.length}${cmd.rungs.map((_, i) => `[s${i}]`).join('')}`,
  ].join(',');
  const scales = cmd.rungs.map((r, i) => `[s${i}]scale=${r.width}:${r.height}:flags=bicubic,setsar=1[v${i}]`);
  return [`[0:v:0]${head}`, ...scales].join(';');
}

function x264Output(cmd: EncodeChunkCommand, rung: RungTarget, index: number): string[] {
  const s = cmd.settings;
  const fps = cmd.timeline.frameRate.num / cmd.timeline.frameRate.den;
  const gopFrames = Math.max(1, Math.round(s.gopS * fps));
  return [
    '-map',
    `[v${index}]`,
    '-c:v',
    'libx264',
    '-threads',
    String(s.encodeThreads),
    '-preset',
    s.preset,
    '-profile:v',
    'high',
    // Per-title rungs: capped CRF, the quality the analysis measured, with the VBV bounding
    // peaks relative to the predicted rate. Fixed rungs: the ladder's average bitrate.
    ...(rung.crf === undefined ? ['-b:v', `${rung.bitrateKbps}k`] : ['-crf', String(rung.crf)]),
    '-maxrate',
    `${Math.round(rung.bitrateKbps * s.maxrateRatio)}k`,
    '-bufsize',
    `${Math.round(rung.bitrateKbps * s.bufsizeRatio)}k`,
    // Closed GOPs of fixed length and no scene-cut keyframes: every segment boundary is an IDR
    // and every rung cuts at the same instants, which ABR switching needs.
    '-g',
    String(gopFrames),
    '-keyint_min',
    String(gopFrames),
    '-sc_threshold',
    '0',
    '-x264-params',
    'open_gop=0:scenecut=0',
    '-force_key_frames',
    `expr:gte(t,n_forced*${s.gopS})`,
    '-fps_mode',
    'passthrough',
    '-video_track_timescale',
    String(VIDEO_TIMESCALE),
    ...toneMappedOutputTags(cmd.timeline.toneMap),
    '-an',
    '-sn',
    '-dn',
    ...rungOutput(cmd.outputs, index),
  ];
}

function rungOutput(outputs: EncodeChunkCommand['outputs'], index: number): string[] {
  if ('files' in outputs) {
    const file = outputs.files[index];
    if (file === undefined) throw new RangeError(`no output path for rung ${index}`);
    return ['-f', 'mp4', file];
  }
  return cmafTrackOutput(outputs.cmaf, index);
}

export function buildEncodeChunkArgs(cmd: EncodeChunkCommand): string[] {
  if (cmd.rungs.length === 0) throw new RangeError('encode-chunk needs at least one rung');
  const outputs = 'files' in cmd.outputs ? cmd.outputs.files.length : cmd.outputs.cmaf.dirs.length;
  if (outputs !== cmd.rungs.length) throw new RangeError(`encode-chunk has ${cmd.rungs.length} rungs but ${outputs} outputs`);
  return [
    // Any frame its decoder cannot decode fails the run (exit 69): ffmpeg's default (2/3 of them)
    // publishes a damaged master's concealed or repeated frames as its picture. Errors only on
    // stderr: x264's closing statistics (a dozen lines a rung) would push the decoder's words
    // out of the tail an error keeps.
    '-loglevel',
    'error',
    '-max_error_rate',
    '0',
    ...sourceInputArgs(cmd.input, cmd.timeline, { startFrame: cmd.startFrame }),
    '-filter_complex',
    chunkFilterGraph(cmd),
    ...cmd.rungs.flatMap((r, i) => x264Output(cmd, r, i)),
  ];
}

/**
 * Muxer options writing track `index` of `cut` as CMAF segments. The track's timestamps are
 * kept as they are: a track whose decoding starts before its first picture (x264's B-frames:
 * two frames) or before its first sound (AAC's 1024 priming samples) keeps those at negative
 * times, and the init segment's edit list says where presentation starts, so the first frame
 * and the first sample of the master both play at 0. ffmpeg's default shifts such a track to
 * start at 0: players then showed the picture 66 ms late (30 fps) and played the priming as
 * sound, 45 ms of lip-sync error (test/integration/av-sync.test.ts; MSE in Chromium, with
 * hls.js and dash.js, starts both tracks at 0 with the edit list).
 */
export function cmafTrackOutput(cut: CmafCut, index: number): string[] {
  const dir = cut.dirs[index];
  if (dir === undefined) throw new RangeError(`no segment directory for track ${index}`);
  // A chunk's fragments carry their title time in tfdt (frag_discont); without it ffmpeg
  // starts them at 0 and puts the offset in the init segment's edit list, which only the
  // chunk's own init would carry.
  const inTitle =
    cut.inTitle === undefined
      ? []
      : [
          '-output_ts_offset',
          cut.inTitle.offsetS.toFixed(6),
          '-start_number',
          String(cut.inTitle.firstSegment),
          '-hls_segment_options',
          'movflags=+frag_discont',
        ];
  return [
    '-avoid_negative_ts',
    'disabled',
    ...inTitle,
    '-f',
    'hls',
    '-hls_time',
    String(cut.segmentS),
    '-hls_playlist_type',
    'vod',
    '-hls_segment_type',
    'fmp4',
    '-hls_fmp4_init_filename',
    'init.mp4',
    '-hls_segment_filename',
    `${dir}/seg_%0${SEGMENT_NUMBER_DIGITS}d.m4s`,
    '-hls_flags',
    'independent_segments',
    `${dir}/${CMAF_PLAYLIST}`,
  ];
}

/** The playlist ffmpeg writes beside a track's segments: their names and durations, read back by the worker. */
export const CMAF_PLAYLIST = 'ffmpeg.m3u8';

/** Cuts CMAF segments by stream copy (`cmafTrackOutput`). */
export function buildSegmentArgs(cmd: SegmentCommand): string[] {
  if (cmd.inputs.length === 0) throw new RangeError('segment needs at least one track');
  if (cmd.inputs.length !== cmd.cut.dirs.length)
    throw new RangeError(`segment has ${cmd.inputs.length} inputs but ${cmd.cut.dirs.length} directories`);
  return [
    ...cmd.inputs.flatMap((input) => ['-i', input]),
    ...cmd.inputs.flatMap((_, k) => ['-map', String(k), '-c', 'copy', ...cmafTrackOutput(cmd.cut, k)]),
  ];
}

/** The one place a command description becomes argv; exhaustive over {@link FfmpegCommand}. */
/** Digits of a segment's number in its file name: ffmpeg's segmenter pads to them, and the DASH template follows. */
const SEGMENT_NUMBER_DIGITS = 5;

/** The file name the segmenter gives the title's segment `n` (`seg_00042.m4s`). */
export function segmentFileName(n: number): string {
  return `seg_${String(n).padStart(SEGMENT_NUMBER_DIGITS, '0')}.m4s`;
}

/** A segment's file name, as `segmentFileName` makes them. */
export const SEGMENT_FILE_NAME = /^seg_\d+\.m4s$/;

export function buildArgs(cmd: FfmpegCommand): string[] {
  switch (cmd.kind) {
    case 'encode-chunk':
      return buildEncodeChunkArgs(cmd);
    case 'encode-audio':
      return buildEncodeAudioArgs(cmd);
    case 'loudness-scan':
      return buildLoudnessScanArgs(cmd);
    case 'extract-subtitles':
      return buildExtractSubtitlesArgs(cmd);
    case 'segment':
      return buildSegmentArgs(cmd);
  }
}
