/**
 * Which audio renditions a title ships, from its master's audio streams and what content ops
 * chose at upload. Pure: the probe job calls it once and the plan travels in the jobs' data.
 *
 * Every audio stream (or every chosen one) becomes an AAC-LC stereo rendition in its language;
 * a stream of more than two channels also gets an AC-3 5.1 rendition (Apple's HLS authoring
 * specification: AC-3 for surround, with a stereo AAC beside it for devices without it).
 */
import { BadInputError } from '../ffmpeg/errors.ts';
import type { AudioFormat } from '../ffmpeg/audio-args.ts';
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

/** One source stream: encoded once, into one or two renditions. */
export interface AudioTrackPlan {
  readonly streamIndex: number;
  /** Audio start minus the first video frame, in seconds. */
  readonly offsetS: number;
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
  for (const c of choices ?? []) {
    if (!byIndex.has(c.index)) {
      const has = streams.length === 0 ? 'no audio stream' : `audio streams ${streams.map((s) => s.index).join(', ')}`;
      throw new BadInputError('VF_AUDIO_SELECTION', `audio stream ${c.index} was chosen, but the master has ${has}`);
    }
  }
  const chosen: readonly AudioTrackChoice[] =
    choices === undefined || choices.length === 0 ? streams.map((s) => ({ index: s.index })) : choices;
  const warnings: TitleWarning[] = [];
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
    const s = byIndex.get(c.index) as AudioInfo;
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
      s.channels > 2
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
    return { streamIndex: s.index, offsetS: s.startTimeS - videoStartS, renditions: [stereo, ...surround] };
  });
  return { tracks, warnings };
}
