import {
  formatFrameRate,
  measureTrack,
  targetDuration,
  type AudioTrack,
  type MeasuredRate,
  type Presentation,
  type SubtitleTrack,
  type Track,
} from './model.ts';

const header = (track: Pick<Track, 'segments'>): string[] => [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  `#EXT-X-TARGETDURATION:${targetDuration(track)}`,
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:VOD',
];

export function hlsMediaPlaylist(track: Track, prefix = ''): string {
  const lines = [...header(track), '#EXT-X-INDEPENDENT-SEGMENTS', `#EXT-X-MAP:URI="${prefix}${track.initName}"`];
  for (const s of track.segments) lines.push(`#EXTINF:${s.durationS.toFixed(6)},`, `${prefix}${s.name}`);
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** A WebVTT media playlist (RFC 8216 3.5): the same segment boundaries as the video, no init section. */
export function hlsSubtitlePlaylist(track: SubtitleTrack, prefix = ''): string {
  const lines = header(track);
  for (const s of track.segments) lines.push(`#EXTINF:${s.durationS.toFixed(6)},`, `${prefix}${s.name}`);
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** A rendition group: one `EXT-X-MEDIA` per member, and one set of variants that names it. */
interface AudioGroup {
  readonly id: string;
  readonly members: readonly AudioTrack[];
}

/**
 * The audio groups of a presentation. Every stereo AAC rendition is in `aac`. When a stream
 * also has a 5.1 rendition, an `ac3` group carries, per stream, its 5.1 rendition or else its
 * stereo one, so a player that picks the surround variants can still choose every language
 * (Apple's HLS authoring specification, 2.4: each group offers the same set of languages).
 */
export function audioGroups(audio: readonly AudioTrack[]): AudioGroup[] {
  const stereo = audio.filter((a) => a.codecs !== 'ac-3');
  const surround = audio.filter((a) => a.codecs === 'ac-3');
  if (surround.length === 0) return stereo.length === 0 ? [] : [{ id: 'aac', members: stereo }];
  const withSurround = new Set(surround.map((a) => a.streamIndex));
  const mixed = [...surround, ...stereo.filter((a) => !withSurround.has(a.streamIndex))].sort((a, b) => a.streamIndex - b.streamIndex);
  return [
    { id: 'aac', members: stereo },
    { id: 'ac3', members: mixed },
  ];
}

const SUBTITLE_GROUP = 'subs';
const yesNo = (b: boolean): string => (b ? 'YES' : 'NO');
const quoted = (s: string): string => `"${s.replace(/["\r\n]/g, "'")}"`;

function mediaEntry(type: 'AUDIO' | 'SUBTITLES', group: string, t: AudioTrack | SubtitleTrack, isDefault: boolean, base: string): string {
  const attrs = [
    `TYPE=${type}`,
    `GROUP-ID="${group}"`,
    `NAME=${quoted(t.name)}`,
    `LANGUAGE="${t.language}"`,
    `DEFAULT=${yesNo(isDefault)}`,
    'AUTOSELECT=YES',
    ...(t.kind === 'audio' ? [`CHANNELS="${t.channels}"`] : [`FORCED=${yesNo(t.isForced)}`]),
    `URI="${base}${t.dir}/playlist.m3u8"`,
  ];
  return `#EXT-X-MEDIA:${attrs.join(',')}`;
}

/** The most a group's members need: players switch within a group without a new variant. */
function groupRate(members: readonly AudioTrack[]): MeasuredRate {
  const rates = members.map(measureTrack);
  return { peakBps: Math.max(0, ...rates.map((r) => r.peakBps)), averageBps: Math.max(0, ...rates.map((r) => r.averageBps)) };
}

/**
 * The multivariant playlist. BANDWIDTH is the measured peak segment rate of video plus the
 * group's largest audio and AVERAGE-BANDWIDTH the measured averages (Apple HLS authoring
 * 1.26-1.27), not the encoder's targets, so ABR decisions rest on what a player will really
 * download. Each video rung is listed once per audio group. `base` prefixes every URI.
 * `videoRange` is `SDR` or `PQ`/`HLG` (what the video rungs carry).
 */
export function hlsMultivariantPlaylist(p: Presentation, base = '', videoRange = 'SDR'): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const groups = audioGroups(p.audio);
  for (const g of groups) {
    const fallback = g.members.find((a) => a.isDefault) ?? g.members[0];
    for (const a of g.members) lines.push(mediaEntry('AUDIO', g.id, a, a === fallback, base));
  }
  const defaultSubtitle = p.subtitles.find((s) => s.isDefault);
  for (const s of p.subtitles) lines.push(mediaEntry('SUBTITLES', SUBTITLE_GROUP, s, s === defaultSubtitle, base));
  const byRate = [...p.video].sort((a, b) => measureTrack(a).peakBps - measureTrack(b).peakBps);
  for (const g of groups.length === 0 ? [undefined] : groups) {
    const audio = g === undefined ? { peakBps: 0, averageBps: 0 } : groupRate(g.members);
    const audioCodecs = g === undefined ? [] : [...new Set(g.members.map((a) => a.codecs))];
    for (const v of byRate) {
      const m = measureTrack(v);
      const attrs = [
        `BANDWIDTH=${m.peakBps + audio.peakBps}`,
        `AVERAGE-BANDWIDTH=${m.averageBps + audio.averageBps}`,
        `CODECS="${[v.codecs, ...audioCodecs].join(',')}"`,
        `RESOLUTION=${v.width}x${v.height}`,
        `FRAME-RATE=${formatFrameRate(v.frameRate)}`,
        `VIDEO-RANGE=${videoRange}`,
        ...(g === undefined ? [] : [`AUDIO="${g.id}"`]),
        ...(p.subtitles.length === 0 ? [] : [`SUBTITLES="${SUBTITLE_GROUP}"`]),
      ];
      lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, `${base}${v.dir}/playlist.m3u8`);
    }
  }
  lines.push('');
  return lines.join('\n');
}
