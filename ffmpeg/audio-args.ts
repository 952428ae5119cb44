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
  /** Present when the rendition is one mix carried as several streams (a broadcast master's discrete mono tracks). */
  readonly join?: JoinedMix;
  /**
   * Present when the rendition is some channels of the stream, in order (1, 2 or 6 of them:
   * mono, L R, or L R C LFE Ls Rs): a stream that carries more than one mix. Not with `join`.
   */
  readonly sourceChannels?: readonly number[];
}

/**
 * Streams whose channels make one mix: each is aligned on its own and padded with silence to
 * the title's length (`join` ends with its shortest input, so a track a little short would
 * otherwise cut the whole mix), then their channels are set side by side.
 */
export interface JoinedMix {
  /** Every stream, the first one included, in the order of their channels. */
  readonly streams: readonly JoinedStream[];
  /** The title's length in seconds. */
  readonly durationS: number;
}

/** One stream of a joined mix. */
export interface JoinedStream {
  readonly streamIndex: number;
  /** This stream's start minus the video's, in seconds. */
  readonly offsetS: number;
  readonly channels: 1 | 2;
}

/**
 * ffmpeg's names for the channels of a mix, in the order a master carries them (joined
 * streams, chosen channels) and a rendition has them: mono is one; stereo is left, right; 5.1 is
 * L R C LFE Ls Rs, the order of SMPTE ST 320 and EBU R 123 (ffmpeg calls the surrounds BL and
 * BR in its `5.1` layout).
 */
export const MIX_LAYOUTS = {
  1: { layout: 'mono', channels: ['FC'] },
  2: { layout: 'stereo', channels: ['FL', 'FR'] },
  6: { layout: '5.1', channels: ['FL', 'FR', 'FC', 'LFE', 'BL', 'BR'] },
} as const;

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

/**
 * Where the sound's timestamps and its samples disagree by more than this, the samples follow the
 * timestamps (`aresample`'s hard compensation: silence into a gap, a trim at an overlap). A packet
 * the decoder refuses (a damaged master) leaves such a gap: without the fill, the sound after it
 * ran early by its length (52 ms for two MP3 packets lost in a Matroska master), in every
 * rendition, to the end. 10 ms is ten times the coarsest container clock (Matroska's and FLV's
 * 1 ms) and under one packet of AAC (21 ms), MP3 (24 ms), AC-3 (32 ms) or Opus (20 ms); an intact
 * stream's samples are bit-identical with or without it (MP3, AAC in Matroska and MPEG-TS, Vorbis), but
 * for a trim's cut, which now falls on the sample clock: 8 samples (0.17 ms) off the timestamps' cut.
 */
const FOLLOW_TIMESTAMPS_S = 0.01;

/** Aligns a stream to the title's first video frame, at 48 kHz, its samples where its timestamps put them. */
function alignFilters(offsetS: number): string[] {
  const align =
    offsetS > 0.0005
      ? [`adelay=delays=${Math.round(offsetS * 1000)}:all=1`]
      : offsetS < -0.0005
        ? [`atrim=start=${secs(-offsetS)}`, 'asetpts=PTS-STARTPTS']
        : [];
  // Before the alignment: `adelay` lays its output's samples end to end, and no gap is left after it.
  return ['asetpts=PTS-STARTPTS', `aresample=async=1:min_hard_comp=${FOLLOW_TIMESTAMPS_S}`, ...align, 'aresample=48000'];
}

/** Takes `picked` channels of a stream, in order, as mono, stereo or 5.1. */
function pickFilter(picked: readonly number[]): string {
  const layout = picked.length === 1 || picked.length === 2 || picked.length === 6 ? MIX_LAYOUTS[picked.length].layout : undefined;
  if (layout === undefined) throw new RangeError(`Expected 1, 2 or 6 channels picked from a stream, got ${picked.length}`);
  return `pan=${layout}|${picked.map((c, k) => `c${k}=c${c}`).join('|')}`;
}

/** The rendition's layout: a stereo rendition of a multichannel source is the standard downmix (centre and surrounds at -3 dB). */
const layoutFilter = (channels: 2 | 6): string => `aformat=channel_layouts=${MIX_LAYOUTS[channels].layout}`;

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

/**
 * The master's stream (or joined streams) through `filters`, as input and mapping arguments:
 * `-af` on one stream; a graph that aligns each stream, then `join`s their channels in order,
 * for several.
 */
function streamThrough(cmd: AudioStreamInput, channels: 2 | 6, filters: readonly string[]): string[] {
  const only = ['-vn', '-sn', '-dn'];
  if (cmd.join === undefined) {
    const pick = cmd.sourceChannels === undefined ? [] : [pickFilter(cmd.sourceChannels)];
    const graph = [...alignFilters(cmd.offsetS), ...pick, layoutFilter(channels), ...filters].join(',');
    return [...masterInput(cmd.input), '-map', `0:a:${cmd.streamIndex}`, ...only, '-af', graph];
  }
  const { streams: join, durationS } = cmd.join;
  const total = join.reduce((n, j) => n + j.channels, 0);
  if (total !== 2 && total !== 6) throw new RangeError(`Expected joined streams of 2 or 6 channels in all, got ${total}`);
  const names = MIX_LAYOUTS[total].channels;
  const map: string[] = [];
  const sources = join.map((j, k) => {
    for (let c = 0; c < j.channels; c++) map.push(`${k}.${c}-${names[map.length] ?? ''}`);
    const layout = `aformat=channel_layouts=${MIX_LAYOUTS[j.channels].layout}`;
    return `[0:a:${j.streamIndex}]${[...alignFilters(j.offsetS), layout, `apad=whole_dur=${secs(durationS)}`].join(',')}[j${k}]`;
  });
  const joined = `${join.map((_, k) => `[j${k}]`).join('')}join=inputs=${join.length}:channel_layout=${MIX_LAYOUTS[total].layout}:map=${map.join('|')}`;
  const graph = [...sources, `${[joined, layoutFilter(channels), ...filters].join(',')}[mix]`].join(';');
  return [...masterInput(cmd.input), '-filter_complex', graph, '-map', '[mix]', ...only];
}

/**
 * First pass: measures the stream's loudness as the rendition will carry it (integrated,
 * range, true peak by 4x oversampling), writing nothing. `ebur128` rather than `loudnorm`'s
 * own first pass: the same measurement at a fifth of the CPU (loudnorm resamples to 192 kHz).
 */
export function buildLoudnessScanArgs(cmd: LoudnessScanCommand): string[] {
  return [...streamThrough(cmd, cmd.channels, ['ebur128=peak=true:framelog=verbose']), '-f', 'null', '-'];
}

/** Second pass: normalises as the first pass decided and encodes the rendition. */
export function buildEncodeAudioArgs(cmd: EncodeAudioCommand): string[] {
  const f = cmd.format;
  return [
    ...streamThrough(cmd, f.channels, normalise(cmd.normalisation, cmd.target)),
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
