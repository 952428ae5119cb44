/**
 * Reads the track timescale from an init segment's `mdhd` box (ISO/IEC 14496-12 8.4.2):
 * DASH SegmentTimeline entries must be in the same ticks as the fragments' decode times.
 */
export function mdhdTimescale(init: Buffer): number {
  const at = init.indexOf('mdhd');
  if (at < 0) throw new Error('init segment has no mdhd box');
  const version = init[at + 4];
  const offset = version === 1 ? at + 24 : at + 16;
  if (offset + 4 > init.length) throw new Error('init segment mdhd box is truncated');
  const ts = init.readUInt32BE(offset);
  if (ts === 0) throw new Error('init segment mdhd timescale is 0');
  return ts;
}

/** Segment names and durations from the playlist ffmpeg's hls muxer wrote beside them. */
export function parseFfmpegPlaylist(text: string): { name: string; durationS: number }[] {
  const out: { name: string; durationS: number }[] = [];
  let pending: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) pending = Number(line.slice(8).split(',')[0]);
    else if (line !== '' && !line.startsWith('#')) {
      if (pending === undefined || !Number.isFinite(pending)) throw new Error(`segment ${line} has no EXTINF duration`);
      out.push({ name: line, durationS: pending });
      pending = undefined;
    }
  }
  return out;
}
