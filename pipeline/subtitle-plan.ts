/**
 * Which subtitle renditions a title ships from its master's subtitle streams. Pure. Text
 * streams (SRT, ASS, mov_text, WebVTT) become WebVTT renditions; pictures (PGS, DVB, VobSub)
 * cannot be read as text here and are named on the title, never dropped in silence.
 */
import type { SubtitleInfo } from '../ffmpeg/probe.ts';
import { languageOf } from '../packaging/language.ts';
import type { SubtitleLabel, TitleWarning } from '../titles/model.ts';

/** A subtitle stream of the master to convert: its rendition's label, and which stream. */
export interface SubtitleStreamPlan extends SubtitleLabel {
  readonly streamIndex: number;
}

export interface SubtitlePlan {
  readonly tracks: readonly SubtitleStreamPlan[];
  readonly warnings: readonly TitleWarning[];
}

export function planSubtitles(streams: readonly SubtitleInfo[]): SubtitlePlan {
  const warnings: TitleWarning[] = [];
  const taken = new Set<string>();
  const tracks = streams.flatMap((s): SubtitleStreamPlan[] => {
    const lang = languageOf(s.languageTag);
    if (!s.isText) {
      warnings.push({
        code: 'VF_SUBTITLES_NOT_CONVERTED',
        message: `subtitle stream ${s.index} (${s.codec}, ${lang.tag}) is made of pictures, not text: not converted to WebVTT`,
      });
      return [];
    }
    if (lang.unknown !== undefined) {
      warnings.push({ code: 'VF_LANGUAGE_UNKNOWN', message: `subtitle stream ${s.index}: ${lang.unknown}; labelled und (undetermined)` });
    }
    let name = s.title ?? `${lang.displayName ?? 'Subtitles'}${s.isForced ? ' (forced)' : ''}`;
    for (let k = 2; taken.has(name); k++) name = `${s.title ?? lang.displayName ?? 'Subtitles'} (${k})`;
    taken.add(name);
    return [{ id: `s${s.index}`, streamIndex: s.index, language: lang.tag, name, isForced: s.isForced, isDefault: s.isDefault }];
  });
  return { tracks, warnings };
}
