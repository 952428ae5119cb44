import { masterInputOptions, refusalMessage, refusedDemuxer } from './master-input.ts';
import { BadInputError, FfmpegExitError } from './errors.ts';
import { runProbe, type RunOptions } from './run.ts';
import { displayRotation, uprightSize, type RawGeometry } from './video-geometry.ts';
import { colourOf, type RawColour } from './video-colour.ts';
import { titleFrameRate, type Rational } from './frame-rate.ts';
import { readPacketExtent, type PacketExtent } from './probe-extent.ts';

export type { Rational } from './frame-rate.ts';

export type { ActiveArea, AudioInfo, ProbeResult, StreamLabel, SubtitleInfo, VideoInfo } from './probe-types.ts';
import type { AudioInfo, ProbeResult, StreamLabel, SubtitleInfo, VideoInfo } from './probe-types.ts';

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

/** The master's picture: its first video stream that is no attached cover image. */
const pictureOf = (raw: RawProbe): RawStream | undefined =>
  (raw.streams ?? []).find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);

/** The duration the container (or else the picture's stream) states, when it states a usable one. */
function statedDurationS(raw: RawProbe, v: RawStream): number | undefined {
  const durationS = Number(raw.format?.duration ?? v.duration);
  if (!(durationS > 0 && Number.isFinite(durationS))) return undefined;
  return Math.min(durationS, otherStreamsSpanS(raw, v) ?? durationS);
}

/**
 * The span of the picture and sound of the picture's program (first start to last end, of those
 * that state both), where the container's duration is another stream's: the stream that starts
 * first or ends last is neither. A real DVB-T capture's EPG and data streams, on another clock,
 * made its duration 72054 s for 1.3 s of picture and sound, and the title was planned as 20 hours
 * of its last picture held. Undefined where picture or sound bound the file, as in any file of
 * one programme: their container's duration stands.
 */
function otherStreamsSpanS(raw: RawProbe, v: RawStream): number | undefined {
  const inProgram = sameProgramAs(raw, v);
  const spans = (raw.streams ?? []).flatMap((s) => {
    const [start, length] = [Number(s.start_time), Number(s.duration)];
    const shipped = (s === v || s.codec_type === 'audio') && inProgram(s);
    return Number.isFinite(start) && length > 0 && Number.isFinite(length) ? [{ shipped, start, end: start + length }] : [];
  });
  const shipped = spans.filter((x) => x.shipped);
  if (shipped.length === 0) return undefined;
  const [first, last] = [Math.min(...spans.map((x) => x.start)), Math.max(...spans.map((x) => x.end))];
  const [start, end] = [Math.min(...shipped.map((x) => x.start)), Math.max(...shipped.map((x) => x.end))];
  return start > first || end < last ? end - start : undefined;
}

/**
 * Whether the master's packets must be read for its length and frame rate: a live WebM (a
 * browser's recording) states no duration, a Matroska track whose default duration is its 1 ms
 * clock an average of 1000 fps, and an ASF no average at all, only its 1 ms clock's 1000 fps
 * (a real MS-MPEG4 clip was refused VF_NO_FRAME_RATE). Pure.
 */
export function readsPacketExtent(raw: RawProbe, v: RawStream): boolean {
  const stated = parseRational(v.avg_frame_rate) ?? parseRational(v.r_frame_rate);
  return statedDurationS(raw, v) === undefined || (stated !== undefined && !paced(stated));
}

/**
 * Raw elementary streams whose demuxer times no packet: ffprobe lists every packet's and frame's
 * time as N/A (a raw MPEG-1 or MPEG-4 Part 2 stream's demuxer times its frames, and reads).
 */
const UNTIMED_RAW_STREAMS: ReadonlySet<string> = new Set(['h264', 'hevc']);

/** The fastest a master's picture may come, in frames a second: past it, a rate is a clock's or a mistake's. */
export const MAX_MASTER_FPS = 240;

const paced = (rate: Rational): boolean => rate.num / rate.den <= MAX_MASTER_FPS;

/**
 * Turns ffprobe's JSON into what the pipeline needs, or explains in one sentence why the
 * file cannot be a master. `extent`, read from the packets, stands in for a duration and an
 * average frame rate the container does not state. Pure, so every rejection reason is
 * unit-tested without ffmpeg.
 */
export function parseProbe(raw: RawProbe, extent?: PacketExtent): ProbeResult {
  const streams = raw.streams ?? [];
  const v = pictureOf(raw);
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
  const stated = statedDurationS(raw, v);
  const durationS = stated ?? extent?.durationS;
  if (durationS === undefined || !(durationS > 0) || !Number.isFinite(durationS)) {
    const format = raw.format?.format_name ?? '';
    if (UNTIMED_RAW_STREAMS.has(format)) {
      throw new BadInputError(
        'VF_UNTIMED_STREAM',
        `master is a raw ${v.codec_name} elementary stream (${format}), which times none of its frames: neither its length nor when ` +
          'each frame shows is known. Upload it in the container its encoder or camera wrote (MP4, Matroska, MPEG-TS)',
      );
    }
    throw new BadInputError('VF_NO_DURATION', `master has no duration (got ${raw.format?.duration ?? 'none'})`);
  }
  // Without a stated duration ffprobe cannot average the frame rate either, and a header's average
  // past any picture's pace is a clock's: the packets' mean stands in (read for both, `probeMaster`).
  const statedAverage = parseRational(v.avg_frame_rate);
  const average =
    (statedAverage !== undefined && paced(statedAverage) ? statedAverage : undefined) ?? extent?.videoFrameRate ?? statedAverage;
  const declared = parseRational(v.r_frame_rate);
  const frameRate = titleFrameRate(average, declared, durationS);
  if (frameRate === undefined || !paced(frameRate)) {
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
      ...(declared === undefined || frameRate === declared ? {} : { declaredFrameRate: declared }),
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
 * are planned over. The container's duration when the packets were not read or the last
 * picture is held to the end, and never more.
 */
export function videoExtentS(probe: Pick<ProbeResult, 'durationS' | 'video'>): number {
  const { endS, firstFrameS, startTimeS, frames } = probe.video;
  // A picture held to the end (`holdLastS`) covers the whole title.
  if (probe.video.holdLastS !== undefined) return probe.durationS;
  // Counted from a decode (`VideoInfo.frames`): the extent is those frames' slots.
  if (frames !== undefined) return frames / frameRateValue(probe.video.frameRate);
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
  const v = pictureOf(raw);
  const extent = v !== undefined && readsPacketExtent(raw, v) ? await readPacketExtent(location, v.index ?? 0, options) : undefined;
  return parseProbe(raw, extent);
}
