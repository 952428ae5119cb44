import { createHash } from 'node:crypto';

export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const;
export type X264Preset = (typeof X264_PRESETS)[number];

/** Everything that changes the bits of an encode. Part of every output key, so changing a setting never reuses stale outputs. */
export interface EncodeSettings {
  /** x264 speed/efficiency trade-off. @defaultValue 'veryfast' */
  readonly preset: X264Preset;
  /** Target media segment duration in seconds. @defaultValue 6 */
  readonly segmentS: number;
  /** Distance between forced IDR frames in seconds; divides {@link EncodeSettings.segmentS}. @defaultValue 2 */
  readonly gopS: number;
  /** Segments per chunk job; a chunk is always a whole number of segments. @defaultValue 5 (30 s) */
  readonly chunkSegments: number;
  /**
   * Chunk encodes the fleet runs at once (workers × slots each): chunk plans are balanced over
   * it. A setting of the deployment, not a count of the workers up, so that the same master
   * always gets the same chunks. @defaultValue 2
   */
  readonly fleetSlots: number;
  /**
   * x264 threads per rung encoder. A chunk job runs one encoder per rung, so one thread each
   * already keeps a core busy per worker; more only pays where workers are fewer than cores.
   * Explicit because x264's bits depend on its thread count: left to x264 (cores × 1.5), the
   * same master would encode differently on machines of different sizes. @defaultValue 1
   */
  readonly encodeThreads: number;
  /** Peak rate allowed by the VBV, as a multiple of the rung's average bitrate. @defaultValue 1.5 */
  readonly maxrateRatio: number;
  /**
   * VBV buffer, in seconds of the rung's average bitrate. The VBV lets a stretch of `t` seconds
   * spend at most `bufsize + maxrate × t`; Apple's authoring specification keeps a VOD
   * segment's peak within 200% of the average, so over one segment the most that bound allows
   * is `segmentS × (2 − maxrateRatio)`: 3 for 6 s segments at 1.5 ({@link APPLE_PEAK_RATIO}).
   * A smaller buffer starves what the peak rule would allow: at CRF 26 with the average a plain
   * uncapped encode measured, 2 took a lecture's slides (texlive's beamer-reveal, 25 kbit/s)
   * 6.8 dB under the uncapped encode and 3 took them 3.1 dB under; cytadela's outro 1.7 and
   * 0.9 dB; the peak segment stayed within 2x the average on all eight titles tried.
   * @defaultValue 3
   */
  readonly bufsizeRatio: number;
  /** AAC-LC stereo bitrate in kbit/s. @defaultValue 128 */
  readonly audioBitrateKbps: number;
  /** AC-3 5.1 bitrate in kbit/s, for sources of more than two channels (Apple's authoring specification: 384). @defaultValue 384 */
  readonly multichannelBitrateKbps: number;
  /**
   * Integrated loudness every audio rendition is normalised to, in LUFS: -23 is EBU R128
   * (broadcast, the living room); -16 suits catalogues watched mostly on phones. @defaultValue -23
   */
  readonly loudnessLufs: number;
  /** Highest true peak after normalisation, in dBTP (EBU R128: -1). @defaultValue -1 */
  readonly truePeakDbtp: number;
}

/** Apple's HLS authoring specification: a VOD rendition's peak segment bitrate within this multiple of its average. */
export const APPLE_PEAK_RATIO = 2;

export const DEFAULT_ENCODE_SETTINGS: EncodeSettings = {
  preset: 'veryfast',
  segmentS: 6,
  gopS: 2,
  chunkSegments: 5,
  fleetSlots: 2,
  encodeThreads: 1,
  maxrateRatio: 1.5,
  bufsizeRatio: 3,
  audioBitrateKbps: 128,
  multichannelBitrateKbps: 384,
  loudnessLufs: -23,
  truePeakDbtp: -1,
};

export class InvalidSettingsError extends Error {
  override readonly name = 'InvalidSettingsError';
  readonly code = 'VF_INVALID_SETTINGS';
}

/** Validates settings where they enter, naming the field and the value received. */
export function validateEncodeSettings(s: EncodeSettings): EncodeSettings {
  const positive = (field: keyof EncodeSettings, v: number, min = 0): void => {
    if (!(Number.isFinite(v) && v > min))
      throw new InvalidSettingsError(`Expected \`${field}\` to be a finite number > ${min}, got ${String(v)}`);
  };
  if (!X264_PRESETS.includes(s.preset))
    throw new InvalidSettingsError(`Expected \`preset\` to be one of ${X264_PRESETS.join(', ')}, got ${String(s.preset)}`);
  positive('segmentS', s.segmentS);
  positive('gopS', s.gopS);
  positive('audioBitrateKbps', s.audioBitrateKbps);
  positive('multichannelBitrateKbps', s.multichannelBitrateKbps);
  positive('maxrateRatio', s.maxrateRatio, 0.999);
  // loudnorm's own bounds: I in [-70, -5] LUFS, TP in [-9, 0] dBTP.
  if (!(s.loudnessLufs >= -70 && s.loudnessLufs <= -5))
    throw new InvalidSettingsError(`Expected \`loudnessLufs\` to be between -70 and -5 LUFS, got ${String(s.loudnessLufs)}`);
  if (!(s.truePeakDbtp >= -9 && s.truePeakDbtp <= 0))
    throw new InvalidSettingsError(`Expected \`truePeakDbtp\` to be between -9 and 0 dBTP, got ${String(s.truePeakDbtp)}`);
  positive('bufsizeRatio', s.bufsizeRatio);
  if (!Number.isInteger(s.chunkSegments) || s.chunkSegments < 1) {
    throw new InvalidSettingsError(`Expected \`chunkSegments\` to be an integer >= 1, got ${String(s.chunkSegments)}`);
  }
  for (const field of ['fleetSlots', 'encodeThreads'] as const) {
    if (!Number.isInteger(s[field]) || s[field] < 1)
      throw new InvalidSettingsError(`Expected \`${field}\` to be an integer >= 1, got ${String(s[field])}`);
  }
  const ratio = s.segmentS / s.gopS;
  if (Math.abs(ratio - Math.round(ratio)) > 1e-9) {
    throw new InvalidSettingsError(`Expected \`gopS\` to divide \`segmentS\` (${s.segmentS}), got ${s.gopS}`);
  }
  return s;
}

/** Short stable digest of any JSON-able value, for object keys and job ids. */
export function digest(value: unknown, length = 16): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, length);
}
