import type { Rational } from '../ffmpeg/probe.ts';
import type { Chunk } from '../encode/chunks.ts';
import type { EncodeSettings } from '../encode/settings.ts';
import type { LadderRung } from '../../ladder/fixed.ts';

/** Where one title's intermediate and published objects live; derived once by the probe job. */
export interface EncodeLayout {
  readonly titleId: string;
  readonly sourceKey: string;
  /** `titles/<id>/work/<sha>-<settings>/`: chunk and audio outputs, keyed by what made them. */
  readonly workPrefix: string;
  /** `titles/<id>/out/<sha>-<settings>/`: what players read once the title is ready. */
  readonly outputPrefix: string;
}

export interface ProbeJobData {
  readonly titleId: string;
}

export interface EncodeChunkJobData {
  readonly layout: EncodeLayout;
  readonly chunk: Chunk;
  readonly chunkCount: number;
  readonly frameRate: Rational;
  readonly videoStartS: number;
  readonly durationS: number;
  readonly rungs: readonly LadderRung[];
  readonly settings: EncodeSettings;
}

export interface EncodeAudioJobData {
  readonly layout: EncodeLayout;
  readonly offsetS: number;
  readonly durationS: number;
  readonly bitrateKbps: number;
}

export interface PackageJobData {
  readonly layout: EncodeLayout;
  readonly chunkCount: number;
  readonly rungs: readonly LadderRung[];
  readonly frameRate: Rational;
  readonly durationS: number;
  readonly hasAudio: boolean;
  readonly settings: EncodeSettings;
}

/** Every job the pipeline runs, by name. Handlers are a `Record` over these names, so adding one without a handler does not compile. */
export interface JobDataByName {
  probe: ProbeJobData;
  'encode-chunk': EncodeChunkJobData;
  'encode-audio': EncodeAudioJobData;
  package: PackageJobData;
}
export type JobName = keyof JobDataByName;

/** Object keys of a chunk's output for one rung: retried or duplicated jobs overwrite the same object. */
export const chunkKey = (layout: EncodeLayout, rungIndex: number, chunkIndex: number): string =>
  `${layout.workPrefix}r${rungIndex}/c${String(chunkIndex).padStart(5, '0')}.mp4`;
export const audioKey = (layout: EncodeLayout): string => `${layout.workPrefix}audio.m4a`;

/** BullMQ job ids may not contain ':'; these are deterministic so a repeated enqueue is a no-op. */
export const jobIds = {
  probe: (titleId: string): string => `probe-${titleId}`,
  chunk: (layout: EncodeLayout, index: number): string => `chunk-${layout.titleId}-${lastSegment(layout.workPrefix)}-${index}`,
  audio: (layout: EncodeLayout): string => `audio-${layout.titleId}-${lastSegment(layout.workPrefix)}`,
  package: (layout: EncodeLayout): string => `package-${layout.titleId}-${lastSegment(layout.workPrefix)}`,
};

function lastSegment(prefix: string): string {
  return prefix.split('/').filter(Boolean).at(-1) ?? '';
}
