/**
 * Which audio renditions a title ships, from its master's audio streams and what content ops
 * chose at upload. Pure: the probe job calls it once and the plan travels in the jobs' data.
 *
 * Every audio stream (or every chosen one) becomes an AAC-LC stereo rendition in its language;
 * a stream of more than two channels also gets an AC-3 5.1 rendition (Apple's HLS authoring
 * specification: AC-3 for surround, with a stereo AAC beside it for devices without it).
 */
import { BadInputError } from '../ffmpeg/errors.ts';
import type { AudioFormat, JoinedStream } from '../ffmpeg/audio-args.ts';
import type { AudioInfo } from '../ffmpeg/probe.ts';
import { languageOf } from '../packaging/language.ts';
import type { AudioTrackChoice, TitleWarning } from '../titles/model.ts';

/** One audio rendition: a directory of CMAF segments, an `EXT-X-MEDIA` entry, a DASH adaptation set. */
export interface AudioRenditionPlan {
  /** Directory under the published root, and rendition id: `a<stream>` (stereo), `a<stream>-51` (5.1). */
  readonly id: string;
  readonly format: AudioFormat;
  /** Canonical BCP-47, or `und`. */
  readonly language: string;
  /** Unique among the title's renditions of the same format. */
  readonly name: string;
  readonly isDefault: boolean;
}

/** One source stream (or one mix carried as several): encoded once, into one or two renditions. */
export interface AudioTrackPlan {
  readonly streamIndex: number;
  /** Audio start minus the first video frame, in seconds. */
  readonly offsetS: number;
  /** A mix of several streams chosen at upload (`joinWith`): each of them, this one first, in channel order. */
  readonly join?: readonly JoinedStream[];
  /** The channels of the stream chosen at upload (the choice's `channels`), in order. */
  readonly sourceChannels?: readonly number[];
  readonly renditions: readonly AudioRenditionPlan[];
}

export interface AudioBitrates {
  /** AAC-LC stereo, kbit/s. */
  readonly audioBitrateKbps: number;
  /** AC-3 5.1, kbit/s. */
  readonly multichannelBitrateKbps: number;
}

export interface AudioPlan {
  readonly tracks: readonly AudioTrackPlan[];
  /** What a user should know: languages not understood, for example. */
  readonly warnings: readonly TitleWarning[];
}

/**
 * Plans the audio renditions. Chosen streams that the master does not have are a bad input
 * (the upload asked for something that is not there), named with what there is.
 */
export function planAudio(
  streams: readonly AudioInfo[],
  choices: readonly AudioTrackChoice[] | undefined,
  bitrates: AudioBitrates,
  videoStartS: number,
): AudioPlan {
  const byIndex = new Map(streams.map((s) => [s.index, s]));
  const sourcesOf = (c: AudioTrackChoice): AudioInfo[] => [c.index, ...(c.joinWith ?? [])].map((i) => streamOf(byIndex, i, streams));
  for (const c of choices ?? []) {
    const unread = sourcesOf(c).find((s) => !readable(s));
    if (unread !== undefined) throw new BadInputError('VF_AUDIO_SELECTION', `${unreadable(unread)}, but it was chosen`);
    checkJoin(sourcesOf(c));
    checkChannels(c, byIndex.get(c.index) as AudioInfo);
  }
  const byDefault = choices === undefined || choices.length === 0;
  const shippable = streams.filter(readable);
  const chosen: readonly AudioTrackChoice[] = byDefault ? shippable.map((s) => ({ index: s.index })) : choices;
  const warnings: TitleWarning[] = byDefault
    ? [
        ...streams.filter((s) => !readable(s)).map((s) => ({ code: 'VF_AUDIO_TRACK_EMPTY', message: `${unreadable(s)}; not shipped` })),
        ...discreteMono(shippable),
        ...assumedLayouts(shippable),
      ]
    : [];
  const defaultIndex =
    chosen.find((c) => c.isDefault === true)?.index ??
    chosen.find((c) => byIndex.get(c.index)?.isDefault === true)?.index ??
    chosen[0]?.index;
  const taken = new Set<string>();
  const unique = (name: string): string => {
    let n = name;
    for (let k = 2; taken.has(n); k++) n = `${name} (${k})`;
    taken.add(n);
    return n;
  };
  const tracks = chosen.map((c): AudioTrackPlan => {
    const sources = sourcesOf(c);
    const s = sources[0] as AudioInfo;
    const channels = c.channels?.length ?? sources.reduce((n, x) => n + x.channels, 0);
    const lang = languageOf(c.language ?? s.languageTag);
    if (lang.unknown !== undefined) {
      warnings.push({ code: 'VF_LANGUAGE_UNKNOWN', message: `audio stream ${s.index}: ${lang.unknown}; labelled und (undetermined)` });
    }
    const base = c.name ?? s.title ?? lang.displayName ?? (chosen.length === 1 ? 'Main' : `Audio ${s.index + 1}`);
    const isDefault = c.index === defaultIndex;
    const stereo: AudioRenditionPlan = {
      id: `a${s.index}`,
      format: { codec: 'aac', channels: 2, bitrateKbps: bitrates.audioBitrateKbps },
      language: lang.tag,
      name: unique(base),
      isDefault,
    };
    const surround: AudioRenditionPlan[] =
      channels > 2
        ? [
            {
              id: `a${s.index}-51`,
              format: { codec: 'ac3', channels: 6, bitrateKbps: bitrates.multichannelBitrateKbps },
              language: lang.tag,
              name: unique(`${base} 5.1`),
              isDefault,
            },
          ]
        : [];
    const offsetOf = (x: AudioInfo): number => x.startTimeS - videoStartS;
    const join =
      sources.length === 1
        ? {}
        : { join: sources.map((x) => ({ streamIndex: x.index, offsetS: offsetOf(x), channels: x.channels as 1 | 2 })) };
    const picked = c.channels === undefined ? {} : { sourceChannels: c.channels };
    return { streamIndex: s.index, offsetS: offsetOf(s), ...join, ...picked, renditions: [stereo, ...surround] };
  });
  return { tracks, warnings };
}

/**
 * Whether ffprobe read the stream's sample rate and channels. It reads them from the stream's
 * packets: a stream a programme map declares but the master carries none of (a satellite
 * capture's AAC) states 0 for both, and its encode failed with ffmpeg's "Conversion failed!".
 */
const readable = (s: AudioInfo): boolean => s.sampleRateHz > 0 && s.channels > 0;

const unreadable = (s: AudioInfo): string =>
  `audio stream ${s.index} (${s.codec}) states no sample rate or channels: the master holds no packet of it that decodes`;

/** A chosen stream, or the bad input of choosing one the master does not have, named with what there is. */
function streamOf(byIndex: ReadonlyMap<number, AudioInfo>, index: number, streams: readonly AudioInfo[]): AudioInfo {
  const s = byIndex.get(index);
  if (s !== undefined) return s;
  const has = streams.length === 0 ? 'no audio stream' : `audio streams ${streams.map((x) => x.index).join(', ')}`;
  throw new BadInputError('VF_AUDIO_SELECTION', `audio stream ${index} was chosen, but the master has ${has}`);
}

/** Streams joined into one mix must be mono or stereo, and add up to a stereo or a 5.1 layout. */
function checkJoin(sources: readonly AudioInfo[]): void {
  if (sources.length < 2) return;
  const list = sources.map((s) => `${s.index} (${s.channels} ch)`).join(', ');
  if (sources.some((s) => s.channels !== 1 && s.channels !== 2)) {
    throw new BadInputError('VF_AUDIO_SELECTION', `audio streams ${list} were chosen to be joined: only mono and stereo streams join`);
  }
  const total = sources.reduce((n, s) => n + s.channels, 0);
  if (total !== 2 && total !== 6) {
    throw new BadInputError(
      'VF_AUDIO_SELECTION',
      `audio streams ${list} were chosen to be joined into ${total} channels: a mix is 2 (L R) or 6 (L R C LFE Ls Rs)`,
    );
  }
}

/** Picked channels must be channels of the stream, 1, 2 or 6 of them, and not with `joinWith`. */
function checkChannels(c: AudioTrackChoice, s: AudioInfo): void {
  if (c.channels === undefined) return;
  const list = `[${c.channels.join(', ')}]`;
  if (c.joinWith !== undefined && c.joinWith.length > 0) {
    throw new BadInputError(
      'VF_AUDIO_SELECTION',
      `audio stream ${s.index}: channels ${list} pick from one stream, joinWith joins whole streams; give one or the other`,
    );
  }
  const missing = c.channels.find((k) => !(Number.isInteger(k) && k >= 0 && k < s.channels));
  if (missing !== undefined) {
    throw new BadInputError(
      'VF_AUDIO_SELECTION',
      `audio stream ${s.index} has ${s.channels} channels (0 to ${s.channels - 1}), but channel ${missing} was chosen`,
    );
  }
  if (![1, 2, 6].includes(c.channels.length)) {
    throw new BadInputError(
      'VF_AUDIO_SELECTION',
      `audio stream ${s.index}: channels ${list} make ${c.channels.length}; a mix is 1 (mono), 2 (L R) or 6 (L R C LFE Ls Rs)`,
    );
  }
}

/**
 * A stream of more than two channels that names none of them, other than six (which is 5.1
 * wherever it comes from): ffmpeg assumes its usual layout for the count (7.1 for eight), and
 * the stereo and 5.1 renditions are mixed from that. A broadcast stream of eight is more often
 * a stereo mix on its first two and other mixes after, which the assumption would mix in.
 */
function assumedLayouts(streams: readonly AudioInfo[]): TitleWarning[] {
  return streams
    .filter((s) => s.channels > 2 && s.channels !== 6 && s.channelLayout === undefined)
    .map((s) => ({
      code: 'VF_AUDIO_LAYOUT_ASSUMED',
      message:
        `audio stream ${s.index} has ${s.channels} channels and names none of them: mixed as ffmpeg's default layout for ${s.channels}; ` +
        `if it carries a stereo mix on its first two, create the title with audio: [{ "index": ${s.index}, "channels": [0, 1] }] ` +
        `(vodforge ingest --audio ${s.index}.0+${s.index}.1)`,
    }));
}

/**
 * A master whose audio is several mono streams most often carries one mix as discrete tracks
 * (a broadcast delivery), and each would ship as a one-channel rendition of its own. Which
 * tracks belong together differs between delivery specifications (EBU R 123 puts stereo on
 * tracks 1-2; others put 5.1 first), so vodforge does not guess: it says how to choose.
 */
function discreteMono(streams: readonly AudioInfo[]): TitleWarning[] {
  if (streams.length < 2 || streams.some((s) => s.channels !== 1)) return [];
  const [first, second] = streams as [AudioInfo, AudioInfo];
  return [
    {
      code: 'VF_AUDIO_DISCRETE_MONO',
      message:
        `the master's ${streams.length} audio streams are all mono, and each ships as its own rendition; if they are channels of one mix, ` +
        `create the title with audio: [{ "index": ${first.index}, "joinWith": [${second.index}] }] ` +
        `(vodforge ingest --audio ${first.index}+${second.index}) to ship them as one stereo rendition (left, right)`,
    },
  ];
}
