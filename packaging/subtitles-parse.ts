/**
 * Reads subtitle text into cues: SRT as users upload it, WebVTT as `ffmpeg -c:s webvtt` writes it
 * from the SRT/ASS/mov_text tracks of a master. The text is untrusted, so the reader is strict
 * and says where and why it stopped; the writer (`subtitles.ts`) can then trust every cue.
 *
 * Decisions a caller may meet:
 * - Cue text is always WebVTT cue text: SRT markup is converted on the way in (see
 *   {@link srtTextToWebVtt}) and both formats are escaped by {@link webVttCueText}, so
 *   `parseSubtitles(toWebVtt(cues), 'vtt')` gives the same cues back.
 * - A line of only spaces or tabs ends a cue as an empty line does (editors leave such lines).
 * - A cue whose end equals its start is dropped: it would be shown for no time. One that ends
 *   before it starts is an error, as it is a broken file rather than a rounding artefact.
 * - A cue with no text is kept (WebVTT allows an empty payload; an SRT block of a number and a
 *   timing line alone means the same). A file with no cues gives `[]`: whether that is an error
 *   is the caller's call.
 * - Cues come back sorted by start time (stable): SRT files are not always in order, WebVTT
 *   requires it.
 */

/** One subtitle cue; times are seconds on the programme's timeline, to the millisecond. */
export interface Cue {
  readonly startS: number;
  readonly endS: number;
  /** WebVTT cue text: lines joined by `\n`, never an empty line, markup as WebVTT spells it (`<i>`, `&amp;`). */
  readonly text: string;
  /** WebVTT cue settings as written after the timing, e.g. `align:start line:0`. */
  readonly settings?: string;
  /** WebVTT cue identifier. SRT sequence numbers are not kept: they only count. */
  readonly id?: string;
}

export type SubtitleFormat = 'srt' | 'vtt';

export interface ParseSubtitlesOptions {
  /**
   * Most cues a file may hold; one more is an error. Bounds what one upload costs to parse,
   * store and segment (a two-hour film has 1,500-2,500 cues).
   * @defaultValue 20000
   */
  readonly maxCues?: number;
}

/** Stable codes: the worker records them on the title, so never rename one once shipped. */
export type SubtitleErrorCode =
  /** The input holds control characters: an image, a video or another binary file. */
  | 'SUBTITLE_NOT_TEXT'
  /** A line breaks the SRT or WebVTT syntax; the message names the line and the rule. */
  | 'SUBTITLE_MALFORMED'
  /** More cues than `maxCues`. */
  | 'SUBTITLE_TOO_MANY_CUES';

/** Subtitle text that cannot be read. `line` is 1-based, as editors count; the message starts with it. */
export class SubtitleFormatError extends Error {
  // Set explicitly (not from the class name) so it survives a trip through a BullMQ job's failedReason.
  override readonly name = 'SubtitleFormatError';

  constructor(
    readonly code: SubtitleErrorCode,
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

const DEFAULT_MAX_CUES = 20_000;
const SRT_EXAMPLE = '00:00:01,000 --> 00:00:02,500';
const VTT_EXAMPLE = '00:01.000 --> 00:02.500';

/** Parses a whole SRT or WebVTT file; throws {@link SubtitleFormatError} at the first line it cannot read. */
export function parseSubtitles(text: string, format: SubtitleFormat, options: ParseSubtitlesOptions = {}): Cue[] {
  const maxCues = options.maxCues ?? DEFAULT_MAX_CUES;
  if (!Number.isInteger(maxCues) || maxCues < 1) throw new RangeError(`Expected \`maxCues\` to be an integer >= 1, got ${String(maxCues)}`);
  assertText(text);
  const reader: Reader = { lines: text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/), cues: [], maxCues };
  if (format === 'srt') readSrt(reader);
  else if (format === 'vtt') readVtt(reader);
  else throw new RangeError(`Expected \`format\` to be 'srt' or 'vtt', got ${JSON.stringify(format)}`);
  return reader.cues.sort((a, b) => a.startS - b.startS);
}

interface Reader {
  readonly lines: readonly string[];
  readonly cues: Cue[];
  readonly maxCues: number;
}

/**
 * Text files hold no C0 control characters but tab, line feed, form feed and carriage return;
 * images and videos hold them in their first bytes (PNG's signature has 0x1A, every MP4 box
 * size starts with NULs). The error points at line 1 because a binary has no lines to speak of.
 */
function assertText(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) continue;
    const before = text.slice(0, i).split(/\r\n|\r|\n/);
    const where = `line ${before.length}, column ${before.at(-1)!.length + 1}`;
    const code = `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new SubtitleFormatError(
      'SUBTITLE_NOT_TEXT',
      1,
      `not a text file: control character ${code} at ${where}, as in an image or a video`,
    );
  }
}

const isBlank = (line: string | undefined): boolean => line === undefined || /^[ \t]*$/.test(line);

/** Index of the first blank line at or after `i` (or the end): where a block ends. */
function blockEnd(lines: readonly string[], i: number): number {
  let j = i;
  while (j < lines.length && !isBlank(lines[j])) j++;
  return j;
}

function addCue(reader: Reader, cue: Cue, line: number): void {
  if (cue.endS === cue.startS) return;
  if (reader.cues.length === reader.maxCues) {
    throw new SubtitleFormatError('SUBTITLE_TOO_MANY_CUES', line, `more than ${reader.maxCues} cues (the limit set by \`maxCues\`)`);
  }
  reader.cues.push(cue);
}

/**
 * SRT: blocks of an index line, a timing line and text lines, separated by blank lines. A block
 * that starts with its timing line (index missing) is accepted. A `-->` in a text line is text:
 * only the first line after a blank one can start a cue.
 */
function readSrt(reader: Reader): void {
  const { lines } = reader;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      i++;
      continue;
    }
    let timingAt = i;
    if (/^\s*\d+\s*$/.test(line)) {
      timingAt = i + 1;
      const next = lines[timingAt];
      if (next === undefined || !next.includes('-->')) {
        const got = next === undefined ? 'the end of the file' : quote(next);
        throw malformed(timingAt + 1, `expected a timing line like ${SRT_EXAMPLE} after cue number ${line.trim()}, got ${got}`);
      }
    } else if (!line.includes('-->')) {
      const hint = 'a blank line ends a cue, so a cue cannot hold one';
      throw malformed(i + 1, `expected a cue number or a timing line like ${SRT_EXAMPLE}, got ${quote(line)} (${hint})`);
    }
    const timing = readTiming(lines[timingAt]!, 'srt');
    if (typeof timing === 'string') throw malformed(timingAt + 1, timing);
    const end = blockEnd(lines, timingAt + 1);
    const text = srtTextToWebVtt(lines.slice(timingAt + 1, end).join('\n'));
    addCue(reader, { startS: timing.startS, endS: timing.endS, text }, timingAt + 1);
    i = end;
  }
}

/**
 * WebVTT: the `WEBVTT` line and header lines up to the first blank line, then blocks: NOTE,
 * STYLE and REGION blocks are skipped; a cue is an optional identifier line, a timing line
 * with optional settings, and text lines.
 */
function readVtt(reader: Reader): void {
  const { lines } = reader;
  if (!/^WEBVTT(?:[ \t].*)?$/.test(lines[0]!)) {
    const hint = /^\s*\d+\s*$/.test(lines[0]!) && /,\d{3}\s*-->/.test(lines[1] ?? '') ? ' (this looks like SRT)' : '';
    throw malformed(1, `expected "WEBVTT" on the first line, got ${quote(lines[0]!)}${hint}`);
  }
  const headerEnd = blockEnd(lines, 1);
  const timingInHeader = lines.slice(1, headerEnd).findIndex((l) => l.includes('-->'));
  if (timingInHeader !== -1) {
    throw malformed(
      timingInHeader + 2,
      'a cue timing line in the header: a blank line must separate the "WEBVTT" header from the first cue',
    );
  }
  let i = headerEnd;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) i++;
    else if (/^NOTE(?:[ \t]|$)/.test(line)) i = blockEnd(lines, i);
    else if (line.includes('-->') || lines[i + 1]?.includes('-->')) i = readVttCue(reader, i);
    else if (/^(?:STYLE|REGION)(?:[ \t]|$)/.test(line)) i = blockEnd(lines, i);
    else throw malformed(i + 1, `expected a cue timing line like ${VTT_EXAMPLE} (or a cue identifier, then one), got ${quote(line)}`);
  }
}

/** Reads the cue whose block starts at index `i`; returns the index of the line after it. */
function readVttCue(reader: Reader, i: number): number {
  const { lines } = reader;
  const first = lines[i]!;
  const id = first.includes('-->') ? undefined : first;
  const timingAt = id === undefined ? i : i + 1;
  const timing = readTiming(lines[timingAt]!, 'vtt');
  if (typeof timing === 'string') throw malformed(timingAt + 1, timing);
  let j = timingAt + 1;
  for (; j < lines.length && !isBlank(lines[j]); j++) {
    // The WebVTT parser ends a cue at a line holding "-->", blank line or not: a valid timing
    // starts the next cue there; anything else would be lost by players, so it is an error.
    if (!lines[j]!.includes('-->')) continue;
    if (typeof readTiming(lines[j]!, 'vtt') === 'string') {
      throw malformed(j + 1, `"-->" in cue text: WebVTT ends a cue at such a line (write "--&gt;"), got ${quote(lines[j]!)}`);
    }
    break;
  }
  const text = webVttCueText(lines.slice(timingAt + 1, j).join('\n'));
  const settings = timing.settings === '' ? {} : { settings: timing.settings };
  addCue(reader, { startS: timing.startS, endS: timing.endS, text, ...settings, ...(id === undefined ? {} : { id }) }, timingAt + 1);
  return j;
}

interface Timing {
  readonly startS: number;
  readonly endS: number;
  readonly settings: string;
}

/**
 * SRT: hours of 1+ digits, ',' or '.' before the milliseconds. WebVTT: hours optional (2+ digits),
 * '.' only. Hours stop at 5 digits (11 years) so that no digit string becomes an infinite time.
 */
const TIMESTAMP: Readonly<Record<SubtitleFormat, RegExp>> = {
  srt: /^(\d{1,5}):(\d{2}):(\d{2})[,.](\d{3})$/,
  vtt: /^(?:(\d{2,5}):)?(\d{2}):(\d{2})\.(\d{3})$/,
};

/**
 * A timing line's times, or the reason it is not one. After the end time, SRT may carry
 * coordinates (`X1:40 X2:600 …`), which are ignored; WebVTT carries cue settings, which are kept.
 */
function readTiming(line: string, format: SubtitleFormat): Timing | string {
  const arrow = line.indexOf('-->');
  const startText = line.slice(0, arrow).trim();
  const [endText = '', ...settings] = line
    .slice(arrow + 3)
    .trim()
    .split(/[ \t]+/);
  const startS = readTimestamp(startText, format);
  if (typeof startS === 'string') return timestampProblem('start', startText, startS, line, format);
  const endS = readTimestamp(endText, format);
  if (typeof endS === 'string') return timestampProblem('end', endText, endS, line, format);
  if (endS < startS) return `timing ${quote(line.trim())} ends before it starts`;
  return { startS, endS, settings: format === 'vtt' ? settings.join(' ') : '' };
}

type TimestampProblem = 'malformed' | 'minutes' | 'seconds';

/** Seconds, or what is wrong with the timestamp. */
function readTimestamp(text: string, format: SubtitleFormat): number | TimestampProblem {
  const m = TIMESTAMP[format].exec(text);
  if (m === null) return 'malformed';
  const [hours, minutes, seconds, millis] = [m[1] ?? '0', m[2]!, m[3]!, m[4]!].map(Number) as [number, number, number, number];
  if (minutes > 59) return 'minutes';
  if (seconds > 59) return 'seconds';
  return (hours * 3600_000 + minutes * 60_000 + seconds * 1000 + millis) / 1000;
}

function timestampProblem(which: 'start' | 'end', text: string, problem: TimestampProblem, line: string, format: SubtitleFormat): string {
  if (problem !== 'malformed') return `${problem} out of range (00-59) in ${which} time ${quote(text)}`;
  const example = format === 'srt' ? SRT_EXAMPLE : VTT_EXAMPLE;
  return `malformed ${which} time ${quote(text)} in ${quote(line.trim())}: expected a timing line like ${example}`;
}

const malformed = (line: number, problem: string): SubtitleFormatError => new SubtitleFormatError('SUBTITLE_MALFORMED', line, problem);

/** A line as messages quote it: an upload may hold a megabyte on one line, and the message is shown to the user. */
function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

/**
 * SRT markup to WebVTT cue text. SRT players honour `<i>`, `<b>`, `<u>` (in any case) and
 * `<font …>`, and many SRT files converted from ASS keep override codes like `{\an8}`. WebVTT
 * has the first three (lower case only), no font tag (colour goes through CSS classes), and
 * would show the braces as text; so the tags are lower-cased and the rest is dropped.
 */
export function srtTextToWebVtt(text: string): string {
  const converted = text
    .replace(/<\/?font(?:\s[^<>]*)?>/gi, '')
    .replace(/\{\\[^{}]*\}/g, '')
    .replace(/<(\/?)([ibu])>/gi, (_, slash: string, tag: string) => `<${slash}${tag.toLowerCase()}>`);
  return webVttCueText(converted);
}

/**
 * Tags a WebVTT parser knows (class, voice, language, ruby and timestamp tags) and character
 * references, which are kept; or a `<`, `>` or `&` outside them, which is escaped.
 */
const MARKUP = new RegExp(
  [
    String.raw`<(?:[ibu]|c|v|lang|ruby|rt)(?:\.[^\s.<>]+)*(?:[ \t][^<>]*)?>`,
    '</(?:[ibu]|c|v|lang|ruby|rt)>',
    String.raw`<(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}>`,
    String.raw`&(?:[a-zA-Z][a-zA-Z0-9]*|#\d+|#[xX][0-9a-fA-F]+);`,
    '[<>&]',
  ].join('|'),
  'g',
);
const ESCAPES: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/**
 * Makes text safe as a WebVTT cue payload: known tags and character references are kept, any
 * other `<`, `>` or `&` is escaped (a bare `<` would open a tag and swallow text; `-->` would
 * end the cue), trailing spaces are trimmed and empty lines removed (one would end the cue).
 * Idempotent, so text that went through it once comes back unchanged.
 */
export function webVttCueText(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(MARKUP, (m) => ESCAPES[m] ?? m).trimEnd())
    .filter((line) => line !== '')
    .join('\n');
}
