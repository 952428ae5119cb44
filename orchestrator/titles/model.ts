import type { ProbeResult } from '../../workers/ffmpeg/probe.ts';
import type { LadderRung } from '../../ladder/fixed.ts';

export const TITLE_STATES = ['uploading', 'queued', 'analyzing', 'encoding', 'packaging', 'ready', 'failed'] as const;
export type TitleState = (typeof TITLE_STATES)[number];

export interface TitleError {
  /** Stable code, e.g. `VF_NO_VIDEO_STREAM`. */
  readonly code: string;
  readonly message: string;
}

export interface TitleSource {
  readonly key: string;
  readonly sizeBytes: number;
  /** Hex SHA-256 of the master's bytes: part of every derived object's key. */
  readonly sha256: string;
}

/** A packaged rendition with what was measured on its segments. */
export interface Rendition {
  readonly id: string;
  readonly kind: 'video' | 'audio';
  readonly width?: number;
  readonly height?: number;
  readonly codecs: string;
  readonly targetBitrateKbps?: number;
  readonly averageBitrateKbps: number;
  readonly peakBitrateKbps: number;
  readonly segmentCount: number;
}

export interface Title {
  readonly id: string;
  readonly name: string;
  readonly state: TitleState;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly source?: TitleSource;
  readonly probe?: ProbeResult;
  readonly ladder?: readonly LadderRung[];
  readonly renditions?: readonly Rendition[];
  /** Storage prefix of the published presentation (manifests and segments), once ready. */
  readonly outputPrefix?: string;
  readonly error?: TitleError;
  readonly chunkCount?: number;
}

/** Keys of every object that belongs to a title live under this prefix. */
export const titlePrefix = (id: string): string => `titles/${id}/`;
