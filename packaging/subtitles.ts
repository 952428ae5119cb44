/**
 * WebVTT renditions of subtitle cues: one file for DASH, one document per media segment for an
 * HLS `TYPE=SUBTITLES` media playlist. Reading SRT and WebVTT is in `subtitles-parse.ts`; the
 * caller writes the playlists and manifests.
 */
import { type Cue, webVttCueText } from './subtitles-parse.ts';

export {
  type Cue,
  type ParseSubtitlesOptions,
  parseSubtitles,
  type SubtitleErrorCode,
  type SubtitleFormat,
  SubtitleFormatError,
  srtTextToWebVtt,
  webVttCueText,
} from './subtitles-parse.ts';

/** A media segment of the video the subtitles go with; seconds on the presentation timeline. */
export interface SubtitleSegment {
  readonly startS: number;
  readonly durationS: number;
}

export interface SegmentWebVttOptions {
  /**
   * The `MPEGTS` of each document's `X-TIMESTAMP-MAP`: the media timestamp (90 kHz) that cue
   * time 0 stands for. Cue times here are programme time from 0, so this is the media timestamp
   * of the programme's start: 0 when the fMP4's first `tfdt` is 0, as expected of the segments
   * `ffmpeg -hls_segment_type fmp4` cuts from encodes starting at 0 (not measured here). What the
   * players do with it:
   *
   * - hls.js 1.7.4 (`src/utils/webvtt-parser.ts`) shifts every cue by (MPEGTS − initPTS) / 90000 s,
   *   where for fMP4 `initPTS` is the first fragment's `tfdt` less its playlist start
   *   (`src/remux/passthrough-remuxer.ts`). Run against its own `parseWebVTT` with initPTS 0:
   *   `MPEGTS:0` put a cue written 1.000-2.500 at 1.000-2.500, no header at all did the same,
   *   and `MPEGTS:900000` (the customary 10 s of MPEG-TS) put it at 11.000-12.500: every cue
   *   10 s late, as jellyfin/jellyfin#16647 reports for fMP4. (With TS media at PTS 10 s,
   *   `MPEGTS:0` drops the cue: it maps before 0.)
   * - Safari maps `MPEGTS` onto the media's own timestamps (RFC 8216 3.5), so 0 lines up with
   *   fMP4 that starts at 0 there too; this was not run here.
   *
   * If the media's timestamps start at T seconds, pass `Math.round(T * 90000)`.
   * @defaultValue `{ mpegts: 0 }`
   */
  readonly timestampMap?: { readonly mpegts: number };
}

/** A complete WebVTT file: the DASH subtitle representation, or a single-file HLS rendition. */
export function toWebVtt(cues: readonly Cue[]): string {
  return `WEBVTT\n\n${byStart(checkedCues(cues)).map(cueBlock).join('')}`;
}

/**
 * One WebVTT document per media segment, in the order of `segments`, for an HLS subtitle
 * playlist whose segments match the video's. RFC 8216 3.5 asks that a WebVTT segment hold every
 * cue shown during its EXTINF span, so a cue that crosses a boundary is written, with its own
 * times, into every segment it overlaps; players drop the repeats (hls.js by identifier, or by
 * times and text). A segment without cues still gets a valid document: a player fetches every
 * segment of the playlist, and an empty file would not parse. A cue outside every segment (after
 * the video ends) is in none.
 */
export function segmentWebVtt(cues: readonly Cue[], segments: readonly SubtitleSegment[], options: SegmentWebVttOptions = {}): string[] {
  const mpegts = options.timestampMap?.mpegts ?? 0;
  // A 33-bit PES timestamp; players unwrap larger values modulo 2^33, which would move the cues.
  if (!Number.isInteger(mpegts) || mpegts < 0 || mpegts >= 2 ** 33) {
    throw new RangeError(`Expected \`timestampMap.mpegts\` to be an integer in [0, 2^33), got ${String(mpegts)}`);
  }
  checkSegments(segments);
  const ends = segmentEndsSoFar(segments);
  const blocks: string[][] = segments.map(() => []);
  for (const cue of byStart(checkedCues(cues))) {
    const block = cueBlock(cue);
    // Segments start in order, so those starting before the cue ends are a prefix; and those that
    // may end after it starts begin where the running maximum of segment ends first passes it.
    const last = firstIndex(segments.length, (i) => segments[i]!.startS >= cue.endS);
    for (let i = firstIndex(segments.length, (k) => ends[k]! > cue.startS); i < last; i++) {
      const s = segments[i]!;
      if (s.startS + s.durationS > cue.startS) blocks[i]!.push(block);
    }
  }
  const header = `WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:${mpegts},LOCAL:00:00:00.000\n\n`;
  return blocks.map((b) => header + b.join(''));
}

/** `HH:MM:SS.mmm` (hours at least two digits), to the nearest millisecond. */
export function webVttTimestamp(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const [h, m, s] = [Math.floor(ms / 3600_000), Math.floor(ms / 60_000) % 60, Math.floor(ms / 1000) % 60];
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms % 1000, 3)}`;
}

/** A cue as it stands in a WebVTT file, with the blank line that ends it. */
function cueBlock(cue: Cue): string {
  const timing = `${webVttTimestamp(cue.startS)} --> ${webVttTimestamp(cue.endS)}${cue.settings ? ` ${cue.settings}` : ''}`;
  const text = webVttCueText(cue.text);
  return `${cue.id ? `${cue.id}\n` : ''}${timing}\n${text}${text === '' ? '' : '\n'}\n`;
}

const byStart = (cues: readonly Cue[]): Cue[] => [...cues].sort((a, b) => a.startS - b.startS);

/**
 * Cues built by hand rather than parsed must still make a valid file: times a WebVTT timestamp
 * can hold, end after start at millisecond precision, and no identifier or settings that would
 * break the cue's lines. Text needs no check: {@link webVttCueText} makes any text safe.
 */
function checkedCues(cues: readonly Cue[]): readonly Cue[] {
  for (const [i, cue] of cues.entries()) {
    const { startS, endS, id, settings } = cue;
    if (!Number.isFinite(startS) || startS < 0)
      throw new RangeError(`Expected \`cues[${i}].startS\` to be a finite number >= 0, got ${startS}`);
    if (!Number.isFinite(endS) || Math.round(endS * 1000) <= Math.round(startS * 1000)) {
      throw new RangeError(`Expected \`cues[${i}].endS\` to be at least 1 ms after startS (${startS}), got ${endS}`);
    }
    // An identifier of only spaces would read back as the blank line that ends a cue.
    if (id !== undefined && id !== '' && (id.includes('-->') || /[\r\n]/.test(id) || id.trim() === '')) {
      throw new RangeError(`Expected \`cues[${i}].id\` to hold no "-->", no line break and more than spaces, got ${JSON.stringify(id)}`);
    }
    if (settings !== undefined && /[\r\n]/.test(settings)) {
      throw new RangeError(`Expected \`cues[${i}].settings\` to hold no line break, got ${JSON.stringify(settings)}`);
    }
  }
  return cues;
}

function checkSegments(segments: readonly SubtitleSegment[]): void {
  for (const [i, { startS, durationS }] of segments.entries()) {
    if (!Number.isFinite(startS) || startS < 0)
      throw new RangeError(`Expected \`segments[${i}].startS\` to be a finite number >= 0, got ${startS}`);
    if (!Number.isFinite(durationS) || durationS <= 0) {
      throw new RangeError(`Expected \`segments[${i}].durationS\` to be a finite number > 0, got ${durationS}`);
    }
    const previous = segments[i - 1];
    if (previous !== undefined && startS <= previous.startS) {
      throw new RangeError(`Expected \`segments[${i}].startS\` to be after segments[${i - 1}].startS (${previous.startS}), got ${startS}`);
    }
  }
}

/**
 * Running maximum of the segments' end times. Segments from a playlist's EXTINFs can overlap
 * by a rounding error, so their ends alone are not guaranteed to be in order; this is.
 */
function segmentEndsSoFar(segments: readonly SubtitleSegment[]): number[] {
  let max = 0;
  return segments.map((s) => {
    max = Math.max(max, s.startS + s.durationS);
    return max;
  });
}

/** The first index in [0, length) where `pred` holds (`length` if none); `pred` must be monotone. */
function firstIndex(length: number, pred: (i: number) => boolean): number {
  let [lo, hi] = [0, length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
