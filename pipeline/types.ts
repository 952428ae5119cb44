import type { ActiveArea } from '../ffmpeg/probe.ts';
import type { FrameTimeline } from '../ffmpeg/source-frames.ts';
import type { Chunk } from './chunks.ts';
import type { EncodeSettings } from '../ffmpeg/encode-settings.ts';
import type { Rung } from '../ladder/types.ts';
import type { ProbeResult } from '../ffmpeg/probe.ts';
import type { ArtworkVideo } from '../stills/extract.ts';
import type { TitlePriority } from '../titles/model.ts';
import type { LoudnessTarget } from '../ffmpeg/audio-args.ts';
import type { AudioTrackPlan } from './audio-plan.ts';
import type { SubtitleStreamPlan } from './subtitle-plan.ts';

/** Where one title's intermediate objects live, keyed by what made them. */
export interface WorkLayout {
  readonly titleId: string;
  readonly sourceKey: string;
  /** `titles/<id>/work/<version>/`: the outputs `package` reads, removed once the title is published. */
  readonly workPrefix: string;
}

/** Where one encode of a title lives: its chunks' records, and what it publishes. */
export interface EncodeLayout extends WorkLayout {
  /** `titles/<id>/out/<sha>-<settings>/`: what players read once the title is ready. */
  readonly outputPrefix: string;
}

/** The layout of one encode of a title: `version` is `<sha256 prefix>-<settings digest>`, the ladder's included. */
export function encodeLayout(titleId: string, sourceKey: string, version: string): EncodeLayout {
  return { titleId, sourceKey, workPrefix: `titles/${titleId}/work/${version}/`, outputPrefix: `titles/${titleId}/out/${version}/` };
}

/**
 * The layout of a title's sound and subtitles: they need the master and the settings, not the
 * ladder, so the probe queues them and the encode finds them done or under way. `version` is
 * `<sha256 prefix>-<digest of the settings and the tracks' plans>`.
 */
export function tracksLayout(titleId: string, sourceKey: string, version: string): WorkLayout {
  return { titleId, sourceKey, workPrefix: `titles/${titleId}/work/tracks-${version}/` };
}

export interface ProbeJobData {
  readonly titleId: string;
}

/** A master uploaded straight to the bucket, hashed against the SHA-256 its uploader declared before the title is queued. */
export interface VerifyMasterJobData {
  readonly titleId: string;
  /** The direct upload's id: it claims the title to publish the master. */
  readonly uploadId: string;
  readonly key: string;
  readonly sizeBytes: number;
  /** Hex SHA-256 the uploader declared. */
  readonly sha256: string;
}

/** The master a title's jobs read, and its content hash (part of every derived key). */
export interface SourceRef {
  readonly titleId: string;
  readonly sourceKey: string;
  readonly sha256: string;
}

/** A stretch of the title, in seconds from the first video frame. */
export interface TimeWindow {
  readonly startS: number;
  readonly durationS: number;
}

/**
 * A sample window, with the share of the title it stands for and how much harder to code
 * that share is than the window (`SampleWindow` in ladder/sample-windows.ts; absent: 1).
 */
export type SampledWindow = TimeWindow & { readonly weight: number; readonly rateScale?: number; readonly mseScale?: number };

export interface SampleJobData {
  readonly source: SourceRef;
  readonly index: number;
  /** `keyframeS`: where its readers start decoding (`ReadStart.fromKeyframeS`); absent, a lead ahead of it. */
  readonly window: SampledWindow & { readonly keyframeS?: number };
  /**
   * For a master every read of which decodes from its start: the title's windows after
   * `window`, in title order, all cut from one read of the master with it
   * (`workers/jobs/one-read-samples.ts`). Absent: `window` alone, read on its own.
   */
  readonly followingWindows?: readonly SampledWindow[];
  /** How the master's frames are counted: the window is cut and measured by frame index. */
  readonly timeline: FrameTimeline;
  /** Coded size of the master's active picture: samples are scaled back to it to be measured. */
  readonly sourceSize: { readonly width: number; readonly height: number };
  /** `VideoInfo.activeArea`: cropped from the master before encoding and before measuring. */
  readonly crop?: ActiveArea;
  readonly sizes: readonly { readonly width: number; readonly height: number }[];
  readonly crfs: readonly number[];
  readonly settings: EncodeSettings;
  /**
   * Whether this job proves the window's alignment (the master's window measured against
   * itself). A window split over jobs proves it once: the others cut and pair the same frames
   * by the same path, and their frame counts are still checked. Absent: true.
   */
  readonly selfCheck?: boolean;
}

export interface BuildLadderJobData {
  readonly source: SourceRef;
  readonly probe: ProbeResult;
  /** The fixed ladder: the fallback, and the baseline of the BD-rate. */
  readonly fixed: readonly Rung[];
  readonly windows: readonly SampledWindow[];
  /** When the analysis began (ms since epoch), to report its duration. */
  readonly startedAtMs: number;
}

export interface EncodeChunkJobData {
  readonly layout: EncodeLayout;
  readonly chunk: Chunk;
  readonly chunkCount: number;
  readonly timeline: FrameTimeline;
  readonly durationS: number;
  readonly rungs: readonly Rung[];
  readonly settings: EncodeSettings;
  /** `VideoInfo.activeArea`: the bars are cropped before the rungs are scaled. */
  readonly crop?: ActiveArea;
  /** The API key that created the title (`Title.uploader`): teams take turns on the fleet (`shareTurns`). */
  readonly uploader?: string;
}

/** One audio stream of the master, encoded once into its renditions. */
export interface EncodeAudioJobData {
  readonly layout: WorkLayout;
  readonly track: AudioTrackPlan;
  /** Audio streams the title encodes: each counts for its share of the audio's progress. */
  readonly trackCount: number;
  readonly durationS: number;
  readonly target: LoudnessTarget;
}

/** The master's text subtitle streams, converted to WebVTT on the title's timeline. */
export interface ExtractSubtitlesJobData {
  readonly layout: WorkLayout;
  readonly tracks: readonly SubtitleStreamPlan[];
  /** Where the title's first frame sits in the converted cues' time (ffmpeg counts from the file's start). */
  readonly offsetS: number;
}

export interface PackageJobData {
  readonly layout: EncodeLayout;
  /** Where the sound and subtitles of the title are (`tracksLayout`): queued by the probe, children of this job. */
  readonly tracks: WorkLayout;
  readonly chunkCount: number;
  readonly rungs: readonly Rung[];
  readonly durationS: number;
  /** Seconds of video the chunks were planned over (`videoExtentS`). */
  readonly videoExtentS: number;
  /**
   * The chunks the encode was planned as: packaging joins exactly these, whatever the planner
   * of the worker that packages (a deploy between enqueue and package). Jobs queued before it
   * was carried have none, and their chunks are planned again from `videoExtentS`.
   */
  readonly chunks?: readonly Chunk[];
  /** The audio streams encoded (each an `encode-audio` child), in the order players list them. */
  readonly audio: readonly AudioTrackPlan[];
  /** The master's subtitle streams converted (by an `extract-subtitles` child); empty when it has none. */
  readonly subtitles: readonly SubtitleStreamPlan[];
  readonly settings: EncodeSettings;
  /** How the master's frames are counted: the rungs are compared with it frame by frame. */
  readonly timeline: FrameTimeline;
  /** Coded size of the master's active picture: outputs are scaled back to it to measure their quality. */
  readonly sourceSize: { readonly width: number; readonly height: number };
  /** `VideoInfo.activeArea`: the master is cropped to it before outputs are compared with it. */
  readonly crop?: ActiveArea;
  /** The title's class when its encode was queued: the chunks' priority (`chunkPriority`). */
  readonly priority?: TitlePriority;
  /** Per-title ladders: where the samples looked (the final rungs are checked against their prediction away from them). */
  readonly sampleWindows?: readonly SampledWindow[];
}

/** What `measure-rungs` needs to compare a published title's rungs with its master. */
export interface MeasureRungsJobData {
  readonly layout: EncodeLayout;
  /** How the master's frames are counted: frame k of a rung is compared with frame k of the master. */
  readonly timeline: FrameTimeline;
  /** Coded size of the master's active picture: rungs are scaled back to it. */
  readonly sourceSize: { readonly width: number; readonly height: number };
  readonly crop?: ActiveArea;
  /** Stretches of the title compared, in seconds from the first video frame: the whole of its pictures. */
  readonly windows: readonly TimeWindow[];
  /**
   * Per-title ladders: where the samples looked, and what each stood for. Each rung's quality
   * over every other frame compared is checked against its prediction, and over the windows'
   * own frames it says how much of a miss its encode took there.
   */
  readonly sampleWindows?: readonly SampledWindow[];
}

/** Every job the pipeline runs, by name. Handlers are a `Record` over these names, so adding one without a handler does not compile. */
export interface JobDataByName {
  'verify-master': VerifyMasterJobData;
  probe: ProbeJobData;
  sample: SampleJobData;
  'build-ladder': BuildLadderJobData;
  'encode-chunk': EncodeChunkJobData;
  'encode-audio': EncodeAudioJobData;
  'extract-subtitles': ExtractSubtitlesJobData;
  package: PackageJobData;
  'measure-rungs': MeasureRungsJobData;
  artwork: ArtworkJobData;
}
export type JobName = keyof JobDataByName;

/**
 * The job names at run time, for processes that must not load the handlers (the API's metrics
 * would otherwise pull in every handler, ffmpeg and sharp). `satisfies` checks the keys against
 * `JobDataByName` both ways: a missing name and an extra one are compile errors.
 */
const JOB_NAME_KEYS = {
  'verify-master': true,
  probe: true,
  sample: true,
  'build-ladder': true,
  'encode-chunk': true,
  'encode-audio': true,
  'extract-subtitles': true,
  package: true,
  'measure-rungs': true,
  artwork: true,
} as const satisfies Record<JobName, true>;
export const JOB_NAMES = Object.keys(JOB_NAME_KEYS) as JobName[];

/**
 * The record of what a chunk job published (`ChunkSegments`): its segments themselves go under
 * the output prefix, at the title's own names. Retried or duplicated jobs overwrite the same objects.
 */
export const chunkSegmentsKey = (layout: EncodeLayout, chunkIndex: number): string =>
  `${chunkSegmentsPrefix(layout)}c${String(chunkIndex).padStart(5, '0')}.json`;
export const chunkSegmentsPrefix = (layout: EncodeLayout): string => `${layout.workPrefix}chunks/`;
export const subtitleKey = (layout: WorkLayout, id: string): string => `${layout.workPrefix}subtitles/${id}.vtt`;
export const audioKey = (layout: WorkLayout, renditionId: string): string => `${layout.workPrefix}audio/${renditionId}.m4a`;

/** BullMQ job ids may not contain ':'; these are deterministic so a repeated enqueue is a no-op. */
export const jobIds = {
  verifyMaster: (titleId: string, uploadId: string): string => `verify-${titleId}-${uploadId}`,
  probe: (titleId: string): string => `probe-${titleId}`,
  chunk: (layout: EncodeLayout, index: number): string => `chunk-${layout.titleId}-${lastSegment(layout.workPrefix)}-${index}`,
  audio: (layout: WorkLayout, streamIndex: number): string => `audio-${layout.titleId}-${lastSegment(layout.workPrefix)}-${streamIndex}`,
  subtitles: (layout: WorkLayout): string => `subtitles-${layout.titleId}-${lastSegment(layout.workPrefix)}`,
  package: (layout: EncodeLayout): string => `package-${layout.titleId}-${lastSegment(layout.workPrefix)}`,
  measureRungs: (layout: EncodeLayout): string => `measure-${layout.titleId}-${lastSegment(layout.outputPrefix)}`,
  sample: (source: SourceRef, index: number): string => `sample-${source.titleId}-${source.sha256.slice(0, 16)}-${index}`,
  buildLadder: (source: SourceRef): string => `ladder-${source.titleId}-${source.sha256.slice(0, 16)}`,
  artwork: (source: ArtworkSource, version: string): string => `artwork-${source.titleId}-${version}`,
};

function lastSegment(prefix: string): string {
  return prefix.split('/').filter(Boolean).at(-1) ?? '';
}

/** The master the artwork is taken from (structurally the same as the encode's source reference). */
export interface ArtworkSource {
  readonly titleId: string;
  readonly sourceKey: string;
  /** Hex SHA-256 of the master. */
  readonly sha256: string;
}

export interface ArtworkJobData {
  readonly source: ArtworkSource;
  /** `<sha256 prefix>-<settings digest>`: the images' prefix and the job id derive from it. */
  readonly version: string;
  readonly video: ArtworkVideo;
}
