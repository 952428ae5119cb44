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
  /** The master's audio stream it was encoded from: its stereo and 5.1 renditions share it. */
  readonly streamIndex: number;
  /** BCP-47, or `und`. */
  readonly language: string;
  /** What players list; unique among the title's audio tracks of the same codec. */
  readonly name: string;
  readonly isDefault: boolean;
}

/**
 * A WebVTT subtitle rendition: one file for DASH, and the same cues cut at the video's segment
 * boundaries for an HLS `TYPE=SUBTITLES` playlist.
 */
export interface SubtitleTrack {
  readonly kind: 'subtitles';
  /** Directory relative to the title's published root, e.g. `s0` (from the master), `s-en` (a sidecar). */
  readonly dir: string;
  /** The whole WebVTT file, relative to `dir`. */
  readonly file: string;
  readonly bytes: number;
  /** WebVTT segments, aligned with the video's. */
  readonly segments: readonly Segment[];
  readonly language: string;
  readonly name: string;
  readonly isDefault: boolean;
  /** Forced subtitles (signs, foreign dialogue), which players show without being asked. */
  readonly isForced: boolean;
}

export type Track = VideoTrack | AudioTrack;

/** What a package job produced: enough to write every manifest, now or later. */
export interface Presentation {
  readonly durationS: number;
  readonly segmentS: number;
  readonly video: readonly VideoTrack[];
  /** Every audio rendition, in the order players list them (stereo and 5.1 of one language side by side). */
  readonly audio: readonly AudioTrack[];
  readonly subtitles: readonly SubtitleTrack[];
}

/**
 * A `presentation.json` as stored, in any version vodforge wrote: titles published before
 * several audio tracks had one `audio` track or none, unlabelled.
 */
export function presentationOf(raw: unknown): Presentation {
  const p = raw as Omit<Presentation, 'audio' | 'subtitles'> & {
    audio?: Partial<AudioTrack> | readonly Partial<AudioTrack>[] | null;
    subtitles?: readonly SubtitleTrack[];
  };
  const audio = p.audio === undefined || p.audio === null ? [] : Array.isArray(p.audio) ? p.audio : [p.audio];
  return {
    ...p,
    audio: audio.map(
      (a): AudioTrack => ({
        streamIndex: 0,
        language: 'und',
        name: 'Main',
        isDefault: true,
        ...(a as Omit<AudioTrack, 'streamIndex' | 'language' | 'name' | 'isDefault'>),
      }),
    ),
    subtitles: p.subtitles ?? [],
  };
}

export interface MeasuredRate {
  /** Bits over all segments divided by their total duration, in bit/s. */
  readonly averageBps: number;
  /** The peak segment bit rate ({@link peakSegmentBps}), in bit/s: what BANDWIDTH must cover. */
  readonly peakBps: number;
}

/** `EXT-X-TARGETDURATION`: every EXTINF, rounded to the nearest integer, must not exceed it (RFC 8216 4.3.3.1). */
export function targetDuration(track: Pick<TrackBase, 'segments'>): number {
  return Math.max(1, ...track.segments.map((s) => Math.round(s.durationS)));
}

export function measureTrack(track: Pick<TrackBase, 'segments'>): MeasuredRate {
  const bits = track.segments.reduce((sum, s) => sum + s.bytes * 8, 0);
  const seconds = track.segments.reduce((sum, s) => sum + s.durationS, 0);
  return { averageBps: seconds > 0 ? Math.round(bits / seconds) : 0, peakBps: Math.ceil(peakSegmentBps(track)) };
}

/**
 * The peak segment bit rate of RFC 8216 4.1: the highest bit rate of any contiguous run of
 * segments lasting 0.5 to 1.5 times the target duration (a run's rate is its bits over its
 * seconds). A single segment's rate overstated it where a segment is short: a chunk that ends
 * off the segment grid ends with one of a keyframe interval or two, a title with a fraction of
 * one, and neither is what a player buffers alone. A track shorter than half the target
 * duration (one of 0.4 s, whose target is 1) makes no such run: its whole rate is its peak.
 */
export function peakSegmentBps(track: Pick<TrackBase, 'segments'>): number {
  const segs = track.segments;
  const target = targetDuration(track);
  let peak = 0;
  for (let i = 0; i < segs.length; i++) {
    let bits = 0;
    let seconds = 0;
    for (let j = i; j < segs.length && seconds + (segs[j]?.durationS ?? 0) <= 1.5 * target + 1e-9; j++) {
      bits += (segs[j]?.bytes ?? 0) * 8;
      seconds += segs[j]?.durationS ?? 0;
      if (seconds >= 0.5 * target - 1e-9 && seconds > 0) peak = Math.max(peak, bits / seconds);
    }
  }
  if (peak > 0) return peak;
  const seconds = segs.reduce((sum, s) => sum + s.durationS, 0);
  return seconds > 0 ? segs.reduce((sum, s) => sum + s.bytes * 8, 0) / seconds : 0;
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
