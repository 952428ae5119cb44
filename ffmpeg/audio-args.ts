/**
 * Audio command lines as data: one source audio stream to one rendition (AAC-LC stereo, or a
 * multichannel AC-3 5.1), aligned to the title's first video frame and normalised to a
 * loudness target with ffmpeg's two-pass `loudnorm` (EBU R128). Pure: nothing here spawns.
 */
import { masterInput } from './master-input.ts';

/** Where audio is normalised to (EBU R128: -23 LUFS integrated, -1 dBTP true peak). */
export interface LoudnessTarget {
  readonly integratedLufs: number;
  readonly truePeakDbtp: number;
}

/** What `loudnorm` measured on a first pass (its `input_*` figures), fed back to the second. */
export interface LoudnessMeasurement {
  readonly integratedLufs: number;
  readonly truePeakDbtp: number;
  readonly lraLu: number;
  readonly thresholdLufs: number;
  /** `target_offset`: the gain the second pass adds after its own limiter, in LU. */
  readonly offsetLu: number;
}

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
  readonly target: LoudnessTarget;
}

export interface EncodeAudioCommand extends AudioStreamInput {
  readonly kind: 'encode-audio';
  readonly format: AudioFormat;
  readonly output: string;
  readonly target: LoudnessTarget;
  /** The first pass's figures; absent for a silent stream, which is encoded as it is. */
  readonly measured?: LoudnessMeasurement;
}

/**
 * Loudness range `loudnorm` may keep. Its linear mode (one gain for the whole track, the
 * dynamics untouched) only applies when the source's range fits in this; ffmpeg 5.1 accepts
 * at most 20 LU, which keeps film mixes linear rather than compressed.
 */
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

function loudnorm(target: LoudnessTarget, rest: readonly string[]): string {
  return [`loudnorm=I=${num(target.integratedLufs)}`, `TP=${num(target.truePeakDbtp)}`, `LRA=${LRA_LU}`, ...rest, 'print_format=json'].join(
    ':',
  );
}

function streamInput(cmd: AudioStreamInput): string[] {
  return [...masterInput(cmd.input), '-map', `0:a:${cmd.streamIndex}`, '-vn', '-sn', '-dn'];
}

/** First pass: measures the stream's loudness as the rendition will carry it; writes nothing. */
export function buildLoudnessScanArgs(cmd: LoudnessScanCommand): string[] {
  return [...streamInput(cmd), '-af', [...alignFilters(cmd.offsetS, cmd.channels), loudnorm(cmd.target, [])].join(','), '-f', 'null', '-'];
}

/** Second pass: normalises with the first pass's figures (linear when it can be) and encodes the rendition. */
export function buildEncodeAudioArgs(cmd: EncodeAudioCommand): string[] {
  const m = cmd.measured;
  const normalise =
    m === undefined
      ? []
      : [
          loudnorm(cmd.target, [
            `measured_I=${num(m.integratedLufs)}`,
            `measured_TP=${num(m.truePeakDbtp)}`,
            `measured_LRA=${num(m.lraLu)}`,
            `measured_thresh=${num(m.thresholdLufs)}`,
            `offset=${num(m.offsetLu)}`,
            'linear=true',
          ]),
          // loudnorm works at 192 kHz: back to the delivery rate.
          'aresample=48000',
        ];
  const f = cmd.format;
  return [
    ...streamInput(cmd),
    '-af',
    [...alignFilters(cmd.offsetS, f.channels), ...normalise].join(','),
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
