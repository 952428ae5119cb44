/**
 * A subtitle rendition's files from its cues: the whole WebVTT (DASH), one WebVTT document per
 * video segment and their media playlist (HLS). Pure; the caller writes the files.
 */
import { hlsSubtitlePlaylist } from './hls.ts';
import type { Segment, SubtitleTrack } from './model.ts';
import { segmentWebVtt, toWebVtt, type Cue } from './subtitles.ts';

export interface SubtitleFiles {
  readonly track: SubtitleTrack;
  /** File name (relative to the track's directory) → body. */
  readonly files: ReadonlyMap<string, string>;
}

const bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * Cues on the title's timeline: `offsetS` (where the title's first frame sits in the cues'
 * own time) is taken off, cues that end before the title starts are dropped and one that
 * straddles its start is cut there.
 */
export function onTitleTimeline(cues: readonly Cue[], offsetS: number): Cue[] {
  return cues
    .map((c) => ({ ...c, startS: Math.max(0, c.startS - offsetS), endS: c.endS - offsetS }))
    .filter((c) => c.endS > c.startS && c.endS > 0);
}

/** Cuts `cues` at the boundaries of `grid` (the video's segments, whose names are not used). */
/** How the rendition is listed: everything of its track but what the cues decide. */
export type SubtitleTrackLabel = Pick<SubtitleTrack, 'dir' | 'language' | 'name' | 'isDefault' | 'isForced'>;

export function subtitleFiles(label: SubtitleTrackLabel, cues: readonly Cue[], grid: readonly Pick<Segment, 'durationS'>[]): SubtitleFiles {
  let t = 0;
  const spans = grid.map((g) => {
    const span = { startS: t, durationS: g.durationS };
    t += g.durationS;
    return span;
  });
  const docs = segmentWebVtt(cues, spans);
  const whole = toWebVtt(cues);
  const segments: Segment[] = docs.map((doc, i) => ({
    name: `seg_${String(i).padStart(5, '0')}.vtt`,
    durationS: spans[i]?.durationS ?? 0,
    bytes: bytes(doc),
  }));
  const track: SubtitleTrack = {
    kind: 'subtitles',
    dir: label.dir,
    file: 'subtitles.vtt',
    bytes: bytes(whole),
    segments,
    language: label.language,
    name: label.name,
    isDefault: label.isDefault,
    isForced: label.isForced,
  };
  const files = new Map<string, string>([['subtitles.vtt', whole], ...segments.map((s, i) => [s.name, docs[i] ?? ''] as [string, string])]);
  files.set('playlist.m3u8', hlsSubtitlePlaylist(track));
  return { track, files };
}
