import { describe, expect, it } from 'vitest';
import { planSubtitles } from '../../../pipeline/subtitle-plan.ts';
import type { SubtitleInfo } from '../../../ffmpeg/probe.ts';

const stream = (index: number, more: Partial<SubtitleInfo> = {}): SubtitleInfo => ({
  index,
  codec: 'subrip',
  isDefault: false,
  isForced: false,
  isText: true,
  ...more,
});

describe('planSubtitles', () => {
  it('converts text streams, labelled from their tags, and names picture streams as not converted', () => {
    const plan = planSubtitles([
      stream(0, { languageTag: 'eng' }),
      stream(1, { codec: 'hdmv_pgs_subtitle', isText: false, languageTag: 'fre' }),
      stream(2, { languageTag: 'ger', isForced: true }),
      stream(3, { codec: 'ass', languageTag: 'eng', title: 'SDH' }),
    ]);
    expect(plan.tracks).toEqual([
      { id: 's0', streamIndex: 0, language: 'en', name: 'English', isForced: false, isDefault: false },
      { id: 's2', streamIndex: 2, language: 'de', name: 'German (forced)', isForced: true, isDefault: false },
      { id: 's3', streamIndex: 3, language: 'en', name: 'SDH', isForced: false, isDefault: false },
    ]);
    expect(plan.warnings).toEqual([
      {
        code: 'VF_SUBTITLES_NOT_CONVERTED',
        message: 'subtitle stream 1 (hdmv_pgs_subtitle, fr) is made of pictures, not text: not converted to WebVTT',
      },
    ]);
  });

  it('keeps names unique and says when a language is not understood', () => {
    const plan = planSubtitles([stream(0, { languageTag: 'eng' }), stream(1, { languageTag: 'eng' }), stream(2, { languageTag: 'zzz' })]);
    expect(plan.tracks.map((t) => [t.language, t.name])).toEqual([
      ['en', 'English'],
      ['en', 'English (2)'],
      ['und', 'Subtitles'],
    ]);
    expect(plan.warnings.map((w) => w.code)).toEqual(['VF_LANGUAGE_UNKNOWN']);
  });
});
