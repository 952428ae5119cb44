import { formatFrameRate, measureTrack, type Presentation, type Track } from './model.ts';

/** `EXT-X-TARGETDURATION`: every EXTINF, rounded to the nearest integer, must not exceed it (RFC 8216 4.3.3.1). */
export function targetDuration(track: Pick<Track, 'segments'>): number {
  return Math.max(1, ...track.segments.map((s) => Math.round(s.durationS)));
}

export function hlsMediaPlaylist(track: Track, prefix = ''): string {
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${targetDuration(track)}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    `#EXT-X-MAP:URI="${prefix}${track.initName}"`,
  ];
  for (const s of track.segments) lines.push(`#EXTINF:${s.durationS.toFixed(6)},`, `${prefix}${s.name}`);
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

const AUDIO_GROUP = 'aud';

/**
 * The multivariant playlist. BANDWIDTH is the measured peak segment rate of video plus
 * audio and AVERAGE-BANDWIDTH the measured average (Apple HLS authoring 1.26-1.27), not the
 * encoder's targets, so ABR decisions rest on what a player will really download.
 * `base` prefixes every URI (empty for URIs relative to the playlist).
 */
export function hlsMultivariantPlaylist(p: Presentation, base = ''): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const audio = p.audio === undefined ? undefined : measureTrack(p.audio);
  if (p.audio !== undefined) {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${AUDIO_GROUP}",NAME="Main",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,` +
        `CHANNELS="${p.audio.channels}",URI="${base}${p.audio.dir}/playlist.m3u8"`,
    );
  }
  const byRate = [...p.video].sort((a, b) => measureTrack(a).peakBps - measureTrack(b).peakBps);
  for (const v of byRate) {
    const m = measureTrack(v);
    const attrs = [
      `BANDWIDTH=${m.peakBps + (audio?.peakBps ?? 0)}`,
      `AVERAGE-BANDWIDTH=${m.averageBps + (audio?.averageBps ?? 0)}`,
      `CODECS="${v.codecs}${p.audio === undefined ? '' : `,${p.audio.codecs}`}"`,
      `RESOLUTION=${v.width}x${v.height}`,
      `FRAME-RATE=${formatFrameRate(v.frameRate)}`,
      ...(p.audio === undefined ? [] : [`AUDIO="${AUDIO_GROUP}"`]),
    ];
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, `${base}${v.dir}/playlist.m3u8`);
  }
  lines.push('');
  return lines.join('\n');
}
