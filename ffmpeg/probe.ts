import { masterInputOptions, refusalMessage, refusedDemuxer } from './master-input.ts';
import { BadInputError, FfmpegExitError } from './errors.ts';
import { runProbe, type RunOptions } from './run.ts';
import type { Deinterlace } from './deinterlace.ts';
import { displayRotation, uprightSize, type RawGeometry, type Rotation } from './video-geometry.ts';
import { colourOf, type RawColour, type VideoColour } from './video-colour.ts';
import { titleFrameRate, type Rational } from './frame-rate.ts';

export type { Rational } from './frame-rate.ts';

export interface VideoInfo {
  readonly codec: string;
  /**
   * Size of the decoded frames in pixels, as ffmpeg's filters get them: the coded size turned
   * upright by the display rotation (ffmpeg autorotates every decode; see `video-geometry.ts`).
   * "Coded" elsewhere (active area, quality) means this size, before the sample aspect ratio.
   */
  readonly width: number;
  readonly height: number;
  /** Size as displayed, after the sample aspect ratio is applied (720x576 16:9 PAL → 1024x576), upright. */
  readonly displayWidth: number;
  readonly displayHeight: number;
  /** Clockwise turn that displays the coded picture upright (a phone held in portrait: 90); absent when none. */
  readonly rotation?: Exclude<Rotation, 0>;
  /**
   * The title's frame rate: the master's, or its field rate once deinterlaced field by field
   * (50i → 50). Every frame count of the title is on this rate (`source-frames.ts`).
   */
  readonly frameRate: Rational;
  /** The master's own frame rate, when deinterlacing changed the title's (`frameRate`). */
  readonly codedFrameRate?: Rational;
  /** How the master is deinterlaced before the ladder, as measured by the probe job (`idet`); absent when progressive. */
  readonly deinterlace?: Deinterlace;
  /** ffprobe's `field_order` as the stream flags it (`progressive`, `tt`, `bb`, ...): a flag, not a measurement. */
  readonly fieldOrder?: string;
  /** First presentation timestamp of the video stream, in seconds, as the container states it. */
  readonly startTimeS: number;
  /**
   * Timestamp of the first frame the decoder gives, in seconds: where frame 0 of the title is.
   * It can sit a frame or more after `startTimeS` (packed B-frames in AVI, edit lists). ffprobe's
   * description cannot tell; the probe job reads it from a decode (`firstFrameTimeS`).
   */
  readonly firstFrameS?: number;
  /**
   * Where the video's last frame ends, in seconds from `startTimeS`, from its packets (the probe
   * job's packet index). The container's duration can run past it: an audio track that starts
   * first (a 60 s video starting at 0.021 s in a 60.021 s Matroska file). Absent when unread.
   */
  readonly endS?: number;
  readonly pixFmt: string;
  /**
   * Transfer, primaries, matrix, range and bit depth as the master states them (`video-colour.ts`):
   * a PQ or HLG master is tone-mapped to SDR (`tone-map.ts`). Absent on probes stored before it was read.
   */
  readonly colour?: VideoColour;
  /**
   * The picture inside black bars baked into the frame (letterbox, pillarbox), in coded
   * pixels. Absent when the whole frame is picture. ffprobe cannot see bars: the probe job
   * measures them by decoding the master's keyframes (see `workers/measure/active-area.ts`).
   */
  readonly activeArea?: ActiveArea;
  /**
   * Set when a read that seeks to the master's keyframes does not decode what a read from its
   * start does (`workers/measure/entry-points.ts`): every reader then decodes from the start.
   * Absent on a master whose keyframes are entry points, and on probes stored before it was read.
   */
  readonly decodeFromStart?: true;
  /**
   * The longest stretch of the title, in seconds, that starts at one of its keyframes and
   * holds no other (the last one runs to the video's end): a read that seeks into it decodes
   * from its start. A browser's MediaRecorder writes one keyframe, so this is the whole title.
   * Absent when the keyframes could not be read, and on probes stored before it was.
   */
  readonly keyframeGapS?: number;
}

/** A rectangle of the coded frame, in coded pixels; offsets and sizes even, for 4:2:0 chroma. */
export interface ActiveArea {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** What a stream's container says about it, for renditions players list and choose from. */
export interface StreamLabel {
  /** Position among the master's streams of its kind: `0:a:<index>` or `0:s:<index>` in ffmpeg. */
  readonly index: number;
  readonly codec: string;
  /** The language tag as the container wrote it (`fre`, `en-US`, ...); absent when there is none. */
  readonly languageTag?: string;
  /** The stream's title tag (`Director's commentary`), if any. */
  readonly title?: string;
  /** The container's default flag. */
  readonly isDefault: boolean;
}

export interface AudioInfo extends StreamLabel {
  readonly channels: number;
  /**
   * The layout the container states (`stereo`, `5.1(side)`), or absent when it states none: a
   * broadcast MXF's eight-channel AES3 stream often names no channel, and ffmpeg then assumes one.
   */
  readonly channelLayout?: string;
  readonly sampleRateHz: number;
  readonly startTimeS: number;
}

export interface SubtitleInfo extends StreamLabel {
  /** Forced subtitles (signs, foreign dialogue) rather than a full transcript. */
  readonly isForced: boolean;
  /** Text subtitles convert to WebVTT; image subtitles (PGS, DVB, VobSub) do not. */
  readonly isText: boolean;
}

export interface ProbeResult {
  readonly formatName: string;
  /**
   * Where the video starts relative to the file's start time, in seconds. An input `-ss`
   * counts from the file's start time, so this is the offset to add to a time in the title
   * (first video frame = 0) to seek there.
   */
  readonly videoOffsetS: number;
  readonly durationS: number;
  readonly sizeBytes: number;
  readonly video: VideoInfo;
  /** Every audio stream of the master, in stream order. */
  readonly audioStreams: readonly AudioInfo[];
  /** Every subtitle stream of the master, in stream order. */
  readonly subtitleStreams: readonly SubtitleInfo[];
}

interface RawStream extends RawGeometry, RawColour {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  start_time?: string;
  duration?: string;
  pix_fmt?: string;
  field_order?: string;
  channels?: number;
  channel_layout?: string;
  sample_rate?: string;
  disposition?: { attached_pic?: number; default?: number; forced?: number };
  tags?: Record<string, string>;
  /** Position in the file's streams. */
  index?: number;
}

interface RawProbe {
  streams?: RawStream[];
  /** MPEG-TS programs (`-show_programs`): which streams each carries, by stream index. */
  programs?: { streams?: { index?: number }[] }[];
  format?: { format_name?: string; duration?: string; size?: string; start_time?: string };
}

function parseRational(s: string | undefined): Rational | undefined {
  if (s === undefined) return undefined;
  const [n, d] = s.split(/[/:]/).map(Number);
  if (n === undefined || d === undefined || !Number.isFinite(n) || !Number.isFinite(d) || n <= 0 || d <= 0) return undefined;
  return { num: n, den: d };
}

const even = (n: number): number => Math.max(2, Math.round(n / 2) * 2);

/**
 * Turns ffprobe's JSON into what the pipeline needs, or explains in one sentence why the
 * file cannot be a master. Pure, so every rejection reason is unit-tested without ffmpeg.
 */
export function parseProbe(raw: RawProbe): ProbeResult {
  const streams = raw.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  if (v === undefined) {
    const kinds = [...new Set(streams.map((s) => s.codec_type ?? 'unknown'))];
    if (streams.some((s) => s.codec_type === 'video')) {
      throw new BadInputError('VF_NO_VIDEO_STREAM', 'master has no video stream: its only picture is an attached cover image');
    }
    throw new BadInputError(
      'VF_NO_VIDEO_STREAM',
      kinds.length === 0
        ? 'master has no streams: not a media file ffmpeg can read'
        : `master has no video stream (found: ${kinds.join(', ')})`,
    );
  }
  if (v.codec_name === undefined || !(Number(v.width) > 0 && Number(v.height) > 0)) {
    throw new BadInputError(
      'VF_UNDECODABLE_VIDEO',
      `video stream is not decodable (codec ${v.codec_name ?? 'unknown'}, size ${v.width ?? '?'}x${v.height ?? '?'})`,
    );
  }
  const rotation = displayRotation(v);
  const durationS = Number(raw.format?.duration ?? v.duration);
  if (!(durationS > 0) || !Number.isFinite(durationS)) {
    throw new BadInputError('VF_NO_DURATION', `master has no duration (got ${raw.format?.duration ?? 'none'})`);
  }
  const frameRate = titleFrameRate(parseRational(v.avg_frame_rate), parseRational(v.r_frame_rate), durationS);
  if (frameRate === undefined || frameRate.num / frameRate.den > 240) {
    throw new BadInputError(
      'VF_NO_FRAME_RATE',
      `video stream has no usable frame rate (avg ${v.avg_frame_rate ?? '?'}, r ${v.r_frame_rate ?? '?'})`,
    );
  }
  const sar = parseRational(v.sample_aspect_ratio) ?? { num: 1, den: 1 };
  const { width, height, displayWidth, displayHeight } = uprightSize({ width: Number(v.width), height: Number(v.height) }, sar, rotation);
  const videoStartS = Number(v.start_time ?? 0) || 0;
  const fileStartS = Number(raw.format?.start_time ?? videoStartS) || 0;
  const inProgram = sameProgramAs(raw, v);
  return {
    formatName: raw.format?.format_name ?? 'unknown',
    videoOffsetS: Math.max(0, videoStartS - fileStartS),
    durationS,
    sizeBytes: Number(raw.format?.size ?? 0),
    video: {
      codec: v.codec_name,
      width,
      height,
      displayWidth,
      displayHeight,
      ...(rotation === 0 ? {} : { rotation }),
      frameRate,
      startTimeS: Number(v.start_time ?? 0) || 0,
      pixFmt: v.pix_fmt ?? 'unknown',
      colour: colourOf(v, v.side_data_list),
      ...(v.field_order === undefined ? {} : { fieldOrder: v.field_order }),
    },
    // Every audio stream is listed, one ffprobe cannot name too: its encode fails and says so on the title.
    audioStreams: ofKind(streams, 'audio', inProgram).map(
      ({ s, index }): AudioInfo => ({
        ...labelOf(s, index),
        channels: Number(s.channels ?? 2),
        ...(s.channel_layout === undefined || s.channel_layout === '' || s.channel_layout === 'unknown'
          ? {}
          : { channelLayout: s.channel_layout }),
        sampleRateHz: Number(s.sample_rate ?? 48000),
        startTimeS: Number(s.start_time ?? 0) || 0,
      }),
    ),
    subtitleStreams: ofKind(streams, 'subtitle', inProgram).map(
      ({ s, index }): SubtitleInfo => ({
        ...labelOf(s, index),
        isForced: s.disposition?.forced === 1,
        isText: TEXT_SUBTITLE_CODECS.has(s.codec_name ?? ''),
      }),
    ),
  };
}

/**
 * The streams of one kind with their position among that kind in the whole file (what
 * `0:a:<index>` names), kept when `keep` says so.
 */
function ofKind(streams: readonly RawStream[], kind: string, keep: (s: RawStream) => boolean): { s: RawStream; index: number }[] {
  return streams
    .filter((s) => s.codec_type === kind)
    .map((s, index) => ({ s, index }))
    .filter(({ s }) => keep(s));
}

/**
 * Whether a stream belongs with the title's video: in a transport stream of several programs
 * (several channels of a broadcast), only the program that carries the video chosen is the
 * title; its neighbours' audio is another channel's sound.
 */
function sameProgramAs(raw: RawProbe, video: RawStream): (s: RawStream) => boolean {
  const programs = (raw.programs ?? []).map((p) => new Set((p.streams ?? []).map((x) => x.index)));
  const mine = programs.find((p) => p.has(video.index));
  if (programs.length < 2 || mine === undefined) return () => true;
  return (s) => mine.has(s.index);
}

/** Subtitle codecs ffmpeg converts to WebVTT; the others are pictures (PGS, DVB, VobSub, XSUB). */
const TEXT_SUBTITLE_CODECS = new Set([
  'subrip',
  'srt',
  'ass',
  'ssa',
  'mov_text',
  'webvtt',
  'text',
  'microdvd',
  'subviewer',
  'jacosub',
  'sami',
  'realtext',
  'mpl2',
  'pjs',
  'vplayer',
  'stl',
  'eia_608',
]);

function labelOf(s: RawStream, index: number): StreamLabel {
  // Tags are case-insensitive in most containers: Matroska writes `language`, some MP4s `LANGUAGE`.
  const tag = (name: string): string | undefined => {
    const v = Object.entries(s.tags ?? {})
      .find(([k]) => k.toLowerCase() === name)?.[1]
      ?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const languageTag = tag('language');
  const title = tag('title') ?? tag('handler_name');
  return {
    index,
    codec: s.codec_name ?? 'unknown',
    ...(languageTag === undefined ? {} : { languageTag }),
    ...(title === undefined || /^(Sound|Subtitle|Video)Handler$/i.test(title) ? {} : { title }),
    isDefault: s.disposition?.default === 1,
  };
}

/**
 * The audio streams of a probe however it was stored: probes taken before every stream was
 * listed (still in the job data of a title in flight across an upgrade) had one `audio`
 * stream, or none.
 */
export function audioStreamsOf(probe: ProbeResult): readonly AudioInfo[] {
  if (Array.isArray(probe.audioStreams)) return probe.audioStreams;
  const legacy = (probe as { audio?: Omit<AudioInfo, 'index' | 'isDefault'> }).audio;
  return legacy === undefined ? [] : [{ ...legacy, index: 0, isDefault: true }];
}

/** Coded size of what is encoded and measured: the active area, or the whole frame. */
export function activeCodedSize(video: Pick<VideoInfo, 'width' | 'height' | 'activeArea'>): { width: number; height: number } {
  const a = video.activeArea;
  return a === undefined ? { width: video.width, height: video.height } : { width: a.width, height: a.height };
}

/**
 * Seconds of video in title time (from its first frame to the end of its last): what its chunks
 * are planned over. The container's duration when the packets were not read, and never more.
 */
export function videoExtentS(probe: Pick<ProbeResult, 'durationS' | 'video'>): number {
  const { endS, firstFrameS, startTimeS } = probe.video;
  if (endS === undefined) return probe.durationS;
  const extentS = endS - ((firstFrameS ?? startTimeS) - startTimeS);
  return extentS > 0 ? Math.min(probe.durationS, extentS) : probe.durationS;
}

/**
 * Display size of the active picture: its coded width times the sample aspect ratio (the
 * ratio ffprobe's display size already carries), so an anamorphic master keeps its shape
 * once its bars are cropped. Rungs are sized from this.
 */
export function activeDisplaySize(video: Pick<VideoInfo, 'width' | 'displayWidth' | 'displayHeight' | 'activeArea'>): {
  width: number;
  height: number;
} {
  const a = video.activeArea;
  if (a === undefined) return { width: video.displayWidth, height: video.displayHeight };
  return { width: video.displayWidth === video.width ? a.width : even((a.width * video.displayWidth) / video.width), height: a.height };
}

export function frameRateValue(r: Rational): number {
  return r.num / r.den;
}

/** ffprobe a master once, before anything is built from it. */
export async function probeMaster(location: string, options: Pick<RunOptions, 'signal'> = {}): Promise<ProbeResult> {
  let out: Awaited<ReturnType<typeof runProbe>>;
  try {
    out = await runProbe(
      [
        '-v',
        'error',
        '-print_format',
        'json',
        '-show_format',
        '-show_streams',
        '-show_programs',
        ...masterInputOptions(location),
        location,
      ],
      options,
    );
  } catch (err) {
    if (err instanceof FfmpegExitError && err.exitCode !== null) {
      const demuxer = refusedDemuxer(err.stderrTail);
      if (demuxer !== undefined) {
        // Off the list: a playlist would make ffmpeg open what it names, other containers are not taken.
        throw new BadInputError('VF_UNSUPPORTED_CONTAINER', refusalMessage(demuxer), err.stderrTail);
      }
      // ffprobe exits 1 for unreadable input: that is the file's fault, not the worker's.
      throw new BadInputError(
        'VF_UNREADABLE_MASTER',
        `master is not a readable media file: ${err.message.replace(/^ffprobe exited with code \d+: /, '')}`,
        err.stderrTail,
      );
    }
    throw err;
  }
  let raw: RawProbe;
  try {
    raw = JSON.parse(out.stdout) as RawProbe;
  } catch {
    throw new BadInputError('VF_UNREADABLE_MASTER', 'ffprobe returned no readable description of the master');
  }
  return parseProbe(raw);
}
