import type { Rational } from '../ffmpeg/probe.ts';

/** One CMAF media segment as packaged. */
export interface Segment {
  /** File name relative to its track's directory. */
  readonly name: string;
  readonly durationS: number;
  readonly bytes: number;
}

interface TrackBase {
  /** Directory of the track relative to the title's published root, e.g. `v0`, `a`. */
  readonly dir: string;
  readonly initName: string;
  readonly segments: readonly Segment[];
  /** Track timescale (ticks per second) read from the init segment. */
  readonly timescale: number;
  /** RFC 6381 codec string, e.g. `avc1.64001f`, `mp4a.40.2`. */
  readonly codecs: string;
  readonly initBytes: number;
}

export interface VideoTrack extends TrackBase {
  readonly kind: 'video';
  readonly width: number;
  readonly height: number;
  readonly frameRate: Rational;
  /** The ladder's target for this rung, kept beside what was measured. */
  readonly targetBitrateKbps: number;
}

export interface AudioTrack extends TrackBase {
  readonly kind: 'audio';
  readonly channels: number;
  readonly sampleRateHz: number;
}

export type Track = VideoTrack | AudioTrack;

/** What a package job produced: enough to write every manifest, now or later. */
export interface Presentation {
  readonly durationS: number;
  readonly segmentS: number;
  readonly video: readonly VideoTrack[];
  readonly audio: AudioTrack | undefined;
}

export interface MeasuredRate {
  /** Bits over all segments divided by their total duration, in bit/s. */
  readonly averageBps: number;
  /** Highest single-segment bit rate, in bit/s (Apple's definition of peak for BANDWIDTH). */
  readonly peakBps: number;
}

export function measureTrack(track: Pick<TrackBase, 'segments'>): MeasuredRate {
  let bits = 0;
  let seconds = 0;
  let peak = 0;
  for (const s of track.segments) {
    bits += s.bytes * 8;
    seconds += s.durationS;
    // A tiny last segment can show an absurd rate from container overhead; Apple measures
    // peak over whole segments, and players only buffer whole segments, so keep it as is.
    if (s.durationS > 0) peak = Math.max(peak, (s.bytes * 8) / s.durationS);
  }
  return { averageBps: seconds > 0 ? Math.round(bits / seconds) : 0, peakBps: Math.ceil(peak) };
}

export function formatFrameRate(r: Rational): string {
  return (r.num / r.den).toFixed(3);
}

/**
 * RFC 6381 codec string of an H.264 track from its init segment's avcC box: profile,
 * constraint flags and level exactly as the encoder wrote them.
 */
export function avcCodecString(init: Buffer): string {
  const at = init.indexOf('avcC');
  if (at < 0 || at + 8 > init.length) throw new Error('init segment has no avcC box: not an H.264 track');
  const hex = (b: number | undefined): string => (b ?? 0).toString(16).padStart(2, '0');
  return `avc1.${hex(init[at + 5])}${hex(init[at + 6])}${hex(init[at + 7])}`;
}
