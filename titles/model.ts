import type { ProbeResult } from '../ffmpeg/probe.ts';
import type { Rung, RdPoint } from '../ladder/types.ts';

/**
 * How urgently a title's chunks are encoded: every chunk of a `high` title runs before any of a
 * `normal` one, and those before `low` ones. The short steps of every title come first whatever
 * the class (see pipeline/graph.ts).
 */
export const TITLE_PRIORITIES = ['high', 'normal', 'low'] as const;
export type TitlePriority = (typeof TITLE_PRIORITIES)[number];

export const TITLE_STATES = ['uploading', 'queued', 'analyzing', 'encoding', 'packaging', 'ready', 'failed'] as const;
export type TitleState = (typeof TITLE_STATES)[number];

export interface TitleError {
  /** Stable code, e.g. `VF_NO_VIDEO_STREAM`. */
  readonly code: string;
  readonly message: string;
}

/** Something a user should know about a title that did not stop it (a dropped track, an unknown language). */
export interface TitleWarning {
  /** Stable code, e.g. `VF_AUDIO_TRACK_FAILED`. */
  readonly code: string;
  readonly message: string;
}

/** What content ops may say about one audio stream of the master at upload. */
export interface AudioTrackChoice {
  /** Position among the master's audio streams, from 0. */
  readonly index: number;
  /**
   * Further streams whose channels follow this one's in the same rendition, in order: a mix the
   * master carries as discrete mono tracks (`index` 0 left, `joinWith` [1] right; or six
   * tracks L R C LFE Ls Rs for 5.1). The channels must add up to 2 or 6.
   */
  readonly joinWith?: readonly number[];
  /**
   * Channels of this stream (from 0) that make the rendition, in order, when it carries more
   * than one mix: an eight-channel broadcast stream with its stereo on the first two is
   * `[0, 1]`. 1, 2 or 6 of them (L R C LFE Ls Rs); not with `joinWith`.
   */
  readonly channels?: readonly number[];
  /** BCP-47 tag that replaces the stream's own. */
  readonly language?: string;
  readonly name?: string;
  /** The rendition players start with. */
  readonly isDefault?: boolean;
}

/** How a subtitle rendition is listed to players. */
export interface SubtitleLabel {
  /** Directory under the published root: `s<stream>` from the master, `s-<language>-<hash>` for a sidecar. */
  readonly id: string;
  /** BCP-47, or `und`. */
  readonly language: string;
  readonly name: string;
  /** Forced subtitles (signs, foreign dialogue), which players show without being asked. */
  readonly isForced: boolean;
  readonly isDefault: boolean;
}

/** A subtitle file uploaded beside the master, stored as WebVTT. */
export interface SubtitleSidecar extends SubtitleLabel {
  /** Storage key of the normalised WebVTT. */
  readonly key: string;
  readonly cueCount: number;
}

export interface TitleSource {
  readonly key: string;
  readonly sizeBytes: number;
  /**
   * Hex SHA-256 of the master's bytes: part of every derived object's key. Absent until the
   * probe has hashed a master registered by key (an upload hashes as it streams).
   */
  readonly sha256?: string;
}

/** EBU R128 figures of an audio rendition: its source's, and after normalisation (`loudnorm`'s own measurement). */
export interface RenditionLoudness {
  readonly inputLufs: number;
  readonly inputTruePeakDbtp: number;
  readonly inputLraLu: number;
  readonly outputLufs: number;
  readonly outputTruePeakDbtp: number;
  /** `linear`: one gain for the whole track; `dynamic`: loudnorm compressed to meet the target. */
  readonly normalization: 'linear' | 'dynamic';
}

/** A packaged rendition with what was measured on its segments. */
export interface Rendition {
  readonly id: string;
  readonly kind: 'video' | 'audio' | 'subtitles';
  /** Audio and subtitles: BCP-47 (or `und`), the name players list, and whether players start with it. */
  readonly language?: string;
  readonly name?: string;
  readonly isDefault?: boolean;
  readonly channels?: number;
  readonly loudness?: RenditionLoudness;
  readonly width?: number;
  readonly height?: number;
  readonly codecs: string;
  readonly targetBitrateKbps?: number;
  readonly averageBitrateKbps: number;
  readonly peakBitrateKbps: number;
  readonly segmentCount: number;
  /** Quality measured on the packaged output against the master, over the frames `rungQuality` names (the whole title's). */
  readonly measuredPsnrDb?: number;
  readonly measuredSsim?: number;
}

/** How the title's ladder was chosen, and what the analysis saw. */
export interface LadderAnalysis {
  readonly policy: 'per-title' | 'fixed';
  /** Per-title analysis failed and the fixed ladder was used instead: why. */
  readonly fallbackReason?: string;
  /** Title-level rate-quality points (every size × CRF sampled). */
  readonly points?: readonly RdPoint[];
  /** The upper convex hull the rungs were chosen from. */
  readonly hull?: readonly RdPoint[];
  /**
   * Bjøntegaard delta rate (PSNR-Y) of this ladder against the fixed Apple ladder, in percent; negative is a saving. Both
   * are read off the sample curves, as if encoded the same way (capped CRF), so it counts the choice of sizes and rates
   * only: the fixed policy ships its rungs at their bitrates (`-b:v`), which costs more again (`bench:ladder` measures
   * both as shipped). Against a fixed ladder of one measured rung, its limit there (`bdRateAtPoint`, note
   * `BD_RATE_AT_ONE_POINT`).
   */
  readonly bdRateVsFixed?: number;
  readonly notes?: readonly string[];
  /** Seconds of the title that were sample-encoded, and the analysis wall time. */
  readonly sampledS?: number;
  readonly analysisS?: number;
}

/** Where the measurement of the published rungs' quality stands (it runs after `ready`). */
export interface RungQuality {
  readonly status: 'pending' | 'measured' | 'failed';
  /** Why it failed; the title itself is not affected. */
  readonly reason?: string;
  /** Once measured: the title's frames compared (indices from its first frame, end exclusive). */
  readonly frames?: { startFrame: number; endFrame: number }[];
  /** A share of one in how many of `frames` was compared, picked without a period (`ffmpeg/frame-pick.ts`). */
  readonly frameStep?: number;
}

export interface Title {
  readonly id: string;
  readonly name: string;
  readonly state: TitleState;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly source?: TitleSource;
  readonly probe?: ProbeResult;
  readonly ladder?: readonly Rung[];
  readonly ladderAnalysis?: LadderAnalysis;
  readonly renditions?: readonly Rendition[];
  /** Set when the title is published: the rungs' measured quality follows in `renditions`. */
  readonly rungQuality?: RungQuality;
  /** Storage prefix of the published presentation (manifests and segments), once ready. */
  readonly outputPrefix?: string;
  readonly error?: TitleError;
  readonly chunkCount?: number;
  /** How urgently its chunks are encoded. @defaultValue 'normal' */
  readonly priority?: TitlePriority;
  /** Id of the API key that created it: teams sharing a fleet take turns. Absent when auth is off. */
  readonly uploader?: string;
  /**
   * `<sha>-<settings>` of the encode in flight or published: its chunk jobs' ids derive from it,
   * so a change of priority can find them.
   */
  readonly encodeVersion?: string;
  /** The master's audio streams content ops chose at upload, with their labels; absent: every stream. */
  readonly audioChoices?: readonly AudioTrackChoice[];
  /** Subtitle files uploaded through the API, one per language. */
  readonly sidecars?: readonly SubtitleSidecar[];
  /**
   * How many times the published manifests were rewritten since `ready` (a sidecar added):
   * each revision's manifests are new objects, so a manifest once served never changes.
   */
  readonly manifestRevision?: number;
  /** What did not stop the title but a user should know (a dropped track, an unknown language). */
  readonly warnings?: readonly TitleWarning[];
}

/**
 * How far an upload of the master has come while the title is `uploading`: bytes a resumable
 * upload has stored so far, or a direct upload's size while its checksum is being verified.
 */
export interface UploadProgress {
  readonly receivedBytes: number;
  readonly totalBytes: number;
  /** `receiving`: bytes are coming in; `verifying`: all are in, the SHA-256 is being checked before the title is queued. */
  readonly status: 'receiving' | 'verifying';
}

/** Keys of every object that belongs to a title live under this prefix. */
export const titlePrefix = (id: string): string => `titles/${id}/`;
