import type { ProbeResult } from '../ffmpeg/probe.ts';
import type { Rung, RdPoint } from '../ladder/types.ts';

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
  /**
   * Hex SHA-256 of the master's bytes: part of every derived object's key. Absent until the
   * probe has hashed a master registered by key (an upload hashes as it streams).
   */
  readonly sha256?: string;
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
  /** Quality measured on the packaged output against the master (sampled windows). */
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
  /** Bjøntegaard delta rate (PSNR-Y) of this ladder against the fixed Apple ladder encoded the same way, in percent; negative is a saving. */
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
  /** Once measured: the title's frames compared (indices from its first frame, end exclusive), and one in how many of them. */
  readonly frames?: { startFrame: number; endFrame: number }[];
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
}

/** Keys of every object that belongs to a title live under this prefix. */
export const titlePrefix = (id: string): string => `titles/${id}/`;
