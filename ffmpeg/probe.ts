import { masterInputOptions, refusedDemuxer } from './master-input.ts';
import { BadInputError, FfmpegExitError } from './errors.ts';
import { runProbe, type RunOptions } from './run.ts';

export interface Rational {
  readonly num: number;
  readonly den: number;
}

export interface VideoInfo {
  readonly codec: string;
  /** Coded size in pixels. */
  readonly width: number;
  readonly height: number;
  /** Size as displayed, after the sample aspect ratio is applied (720x576 16:9 PAL → 1024x576). */
  readonly displayWidth: number;
  readonly displayHeight: number;
  readonly frameRate: Rational;
  /** First presentation timestamp of the video stream, in seconds, as the container states it. */
  readonly startTimeS: number;
  /**
   * Timestamp of the first frame the decoder gives, in seconds: where frame 0 of the title is.
   * It can sit a frame or more after `startTimeS` (packed B-frames in AVI, edit lists). ffprobe's
   * description cannot tell; the probe job reads it from a decode (`firstFrameTimeS`).
   */
  readonly firstFrameS?: number;
  readonly pixFmt: string;
  /**
   * The picture inside black bars baked into the frame (letterbox, pillarbox), in coded
   * pixels. Absent when the whole frame is picture. ffprobe cannot see bars: the probe job
   * measures them by decoding the master's keyframes (see `workers/measure/active-area.ts`).
   */
  readonly activeArea?: ActiveArea;
}

/** A rectangle of the coded frame, in coded pixels; offsets and sizes even, for 4:2:0 chroma. */
export interface ActiveArea {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface AudioInfo {
  readonly codec: string;
  readonly channels: number;
  readonly sampleRateHz: number;
  readonly startTimeS: number;
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
  readonly audio?: AudioInfo;
}

interface RawStream {
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
  channels?: number;
  sample_rate?: string;
  disposition?: { attached_pic?: number };
}

interface RawProbe {
  streams?: RawStream[];
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
  const width = Number(v.width);
  const height = Number(v.height);
  const frameRate = parseRational(v.avg_frame_rate) ?? parseRational(v.r_frame_rate);
  if (frameRate === undefined || frameRate.num / frameRate.den > 240) {
    throw new BadInputError(
      'VF_NO_FRAME_RATE',
      `video stream has no usable frame rate (avg ${v.avg_frame_rate ?? '?'}, r ${v.r_frame_rate ?? '?'})`,
    );
  }
  const durationS = Number(raw.format?.duration ?? v.duration);
  if (!(durationS > 0) || !Number.isFinite(durationS)) {
    throw new BadInputError('VF_NO_DURATION', `master has no duration (got ${raw.format?.duration ?? 'none'})`);
  }
  const sar = parseRational(v.sample_aspect_ratio) ?? { num: 1, den: 1 };
  const displayWidth = sar.num === sar.den ? width : even((width * sar.num) / sar.den);
  const a = streams.find((s) => s.codec_type === 'audio');
  const videoStartS = Number(v.start_time ?? 0) || 0;
  const fileStartS = Number(raw.format?.start_time ?? videoStartS) || 0;
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
      displayHeight: height,
      frameRate,
      startTimeS: Number(v.start_time ?? 0) || 0,
      pixFmt: v.pix_fmt ?? 'unknown',
    },
    ...(a === undefined || a.codec_name === undefined
      ? {}
      : {
          audio: {
            codec: a.codec_name,
            channels: Number(a.channels ?? 2),
            sampleRateHz: Number(a.sample_rate ?? 48000),
            startTimeS: Number(a.start_time ?? 0) || 0,
          },
        }),
  };
}

/** Coded size of what is encoded and measured: the active area, or the whole frame. */
export function activeCodedSize(video: Pick<VideoInfo, 'width' | 'height' | 'activeArea'>): { width: number; height: number } {
  const a = video.activeArea;
  return a === undefined ? { width: video.width, height: video.height } : { width: a.width, height: a.height };
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
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', ...masterInputOptions(location), location],
      options,
    );
  } catch (err) {
    if (err instanceof FfmpegExitError && err.exitCode !== null) {
      const demuxer = refusedDemuxer(err.stderrTail);
      if (demuxer !== undefined) {
        // A playlist, manifest or list would make ffmpeg open what it names: never read as a master.
        throw new BadInputError(
          'VF_UNSUPPORTED_CONTAINER',
          `master is a ${demuxer} file (a playlist, manifest or list that points at other files), not a media file; ` +
            'accepted containers: MP4/MOV, Matroska/WebM, MPEG-TS/PS, AVI, Ogg, FLV, MXF, ASF, DV, NUT and raw video streams',
          err.stderrTail,
        );
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
