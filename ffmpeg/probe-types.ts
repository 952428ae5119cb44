/**
 * What the probe tells of a master: its video, audio and subtitle streams as vodforge reads
 * them. Types only; `probe.ts` fills them from ffprobe and re-exports them.
 */
import type { Deinterlace } from './deinterlace.ts';
import type { Rotation } from './video-geometry.ts';
import type { VideoColour } from './video-colour.ts';
import type { Rational } from './frame-rate.ts';

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
  /**
   * The rate the stream declares (ffprobe's `r_frame_rate`) when ffprobe's parse took the
   * stream's average instead: the probe job chooses between the two from the frames' times
   * (`variableRateGrid`). Absent when they agree.
   */
  readonly declaredFrameRate?: Rational;
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
  /**
   * The title's frames: slots of the `fps` grid from the first decoded frame's to the last's,
   * the last read from a decode of the master's tail through the readers' own input options and
   * filters (`workers/measure/last-frame.ts`). Every read ends there. Absent where the picture is
   * held to the end (`holdLastS`), where the master is read from its start, or where unread.
   */
  readonly frames?: number;
  /**
   * Seconds the last picture is held at the end of the title: the picture stops this long
   * before the master does while its sound goes on (a logo, then music). Players stall where a
   * picture ends, so every reader holds it (`sourceGridFilters`). Absent when the picture runs
   * to the end (within `END_SLACK_S`).
   */
  readonly holdLastS?: number;
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
