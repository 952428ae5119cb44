/**
 * Audio command lines as data: one source audio stream to one rendition (AAC-LC stereo, or a
 * multichannel AC-3 5.1), aligned to the title's first video frame and normalised to a
 * loudness target (EBU R128) in two passes: `ebur128` measures, then the rendition is encoded
 * with one gain (what `loudnorm`'s linear mode applies) or, when that gain would push the true
 * peak over the limit, through `loudnorm`'s dynamic mode. Pure: nothing here spawns.
 */
import { masterInput } from './master-input.ts';

/** Where audio is normalised to (EBU R128: -23 LUFS integrated, -1 dBTP true peak). */
export interface LoudnessTarget {
  readonly integratedLufs: number;
  readonly truePeakDbtp: number;
}

/** What the first pass measured (`ebur128`): what the second pass needs, and the title shows. */
export interface LoudnessMeasurement {
  readonly integratedLufs: number;
  readonly truePeakDbtp: number;
  readonly lraLu: number;
  /** The relative gate of the integrated loudness (its threshold), LUFS. */
  readonly thresholdLufs: number;
}

/**
 * How the second pass brings a rendition to the target: one gain for the whole track (the
 * dynamics untouched), `loudnorm` in its dynamic mode (a true-peak limiter and gentle
 * compression) when that gain would clip, or nothing for silence.
 */
export type Normalisation =
  | { readonly kind: 'gain'; readonly gainDb: number }
  | { readonly kind: 'loudnorm'; readonly measured: LoudnessMeasurement }
  | { readonly kind: 'none' };

export type AudioCodec = 'aac' | 'ac3';

/** One audio rendition's format. */
export interface AudioFormat {
  readonly codec: AudioCodec;
  /** 2 (stereo) or 6 (5.1). */
  readonly channels: 2 | 6;
  readonly bitrateKbps: number;
}

export interface AudioStreamInput {
  /** File path or URL of the master. */
  readonly input: string;
  /** Which audio stream of the master: `0:a:<streamIndex>`. */
  readonly streamIndex: number;
  /** Audio start minus video start, in seconds: positive means audio starts late and is padded. */
  readonly offsetS: number;
}

export interface LoudnessScanCommand extends AudioStreamInput {
  readonly kind: 'loudness-scan';
  /** The channel layout the rendition will have: loudness is measured on what listeners hear. */
  readonly channels: 2 | 6;
}

export interface EncodeAudioCommand extends AudioStreamInput {
  readonly kind: 'encode-audio';
  readonly format: AudioFormat;
  readonly output: string;
  readonly target: LoudnessTarget;
  readonly normalisation: Normalisation;
}

/** Loudness range `loudnorm`'s dynamic mode may keep: ffmpeg 5.1 accepts at most 20 LU, which compresses film mixes least. */
const LRA_LU = 20;

const secs = (s: number): string => s.toFixed(6);
const num = (n: number): string => (Math.round(n * 100) / 100).toString();

/** Aligns the stream to the title's first video frame, then brings it to the rendition's layout at 48 kHz. */
export function alignFilters(offsetS: number, channels: 2 | 6): string[] {
  const align =
    offsetS > 0.0005
      ? [`adelay=delays=${Math.round(offsetS * 1000)}:all=1`]
      : offsetS < -0.0005
        ? [`atrim=start=${secs(-offsetS)}`, 'asetpts=PTS-STARTPTS']
        : [];
  // A stereo rendition of a multichannel source is the standard downmix (centre and surrounds at -3 dB).
  return ['asetpts=PTS-STARTPTS', ...align, 'aresample=48000', `aformat=channel_layouts=${channels === 2 ? 'stereo' : '5.1'}`];
}

function loudnorm(target: LoudnessTarget, m: LoudnessMeasurement): string {
  return [
    `loudnorm=I=${num(target.integratedLufs)}`,
    `TP=${num(target.truePeakDbtp)}`,
    `LRA=${LRA_LU}`,
    `measured_I=${num(m.integratedLufs)}`,
    `measured_TP=${num(m.truePeakDbtp)}`,
    `measured_LRA=${num(m.lraLu)}`,
    `measured_thresh=${num(m.thresholdLufs)}`,
    'print_format=json',
  ].join(':');
}

/** The second pass's filters: the gain, or loudnorm (which works at 192 kHz, hence the resample back). */
function normalise(n: Normalisation, target: LoudnessTarget): string[] {
  switch (n.kind) {
    case 'gain':
      return [`volume=${num(n.gainDb)}dB`];
    case 'loudnorm':
      return [loudnorm(target, n.measured), 'aresample=48000'];
    case 'none':
      return [];
  }
}

function streamInput(cmd: AudioStreamInput): string[] {
  return [...masterInput(cmd.input), '-map', `0:a:${cmd.streamIndex}`, '-vn', '-sn', '-dn'];
}

/**
 * First pass: measures the stream's loudness as the rendition will carry it (integrated,
 * range, true peak by 4x oversampling), writing nothing. `ebur128` rather than `loudnorm`'s
 * own first pass: the same measurement at a fifth of the CPU (loudnorm resamples to 192 kHz).
 */
export function buildLoudnessScanArgs(cmd: LoudnessScanCommand): string[] {
  return [
    ...streamInput(cmd),
    '-af',
    [...alignFilters(cmd.offsetS, cmd.channels), 'ebur128=peak=true:framelog=verbose'].join(','),
    '-f',
    'null',
    '-',
  ];
}

/** Second pass: normalises as the first pass decided and encodes the rendition. */
export function buildEncodeAudioArgs(cmd: EncodeAudioCommand): string[] {
  const f = cmd.format;
  return [
    ...streamInput(cmd),
    '-af',
    [...alignFilters(cmd.offsetS, f.channels), ...normalise(cmd.normalisation, cmd.target)].join(','),
    '-c:a',
    f.codec,
    ...(f.codec === 'aac' ? ['-profile:a', 'aac_low'] : []),
    '-b:a',
    `${f.bitrateKbps}k`,
    '-ac',
    String(f.channels),
    '-ar',
    '48000',
    '-f',
    'mp4',
    cmd.output,
  ];
}
