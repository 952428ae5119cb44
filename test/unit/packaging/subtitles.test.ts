import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Cue,
  type ParseSubtitlesOptions,
  parseSubtitles,
  type SubtitleFormat,
  SubtitleFormatError,
  segmentWebVtt,
  toWebVtt,
  webVttCueText,
} from '../../../packaging/subtitles.ts';

const run = promisify(execFile);

/** An SRT as Windows subtitle editors save it: UTF-8 BOM, CRLF, multi-line cues, a trailing blank line. */
const EDITOR_SRT = [
  '\uFEFF1',
  '00:00:01,000 --> 00:00:02,500',
  '<i>Hello</i> & <font color="#ff0000">red</font>',
  '{\\an8}Top line',
  '',
  '2',
  '00:00:03,000 --> 00:00:04,000',
  '<B>bold</B> <u>u</u>',
  '',
  '3',
  '00:01:03,000 --> 01:00:04,000',
  'long',
  '',
  '',
].join('\r\n');

const EDITOR_CUES: Cue[] = [
  { startS: 1, endS: 2.5, text: '<i>Hello</i> &amp; red\nTop line' },
  { startS: 3, endS: 4, text: '<b>bold</b> <u>u</u>' },
  { startS: 63, endS: 3604, text: 'long' },
];

/** What `ffmpeg -c:s webvtt` and hand-written files look like: header text, metadata header, NOTE/STYLE/REGION, ids, settings. */
const AUTHORED_VTT = `WEBVTT - English subtitles
X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000

NOTE written by hand
spans two lines

STYLE
::cue { color: yellow }

REGION
id:fred width:40%

intro
00:01.000 --> 00:02.500 align:start line:0
<v Roger>Hi</v> Tom & Jerry

00:02.000 --> 01:00:00.000
<c.yellow>late</c>
a < b
`;

function parseError(text: string, format: SubtitleFormat, options?: ParseSubtitlesOptions): SubtitleFormatError {
  try {
    parseSubtitles(text, format, options);
  } catch (err) {
    if (err instanceof SubtitleFormatError) return err;
    throw err;
  }
  throw new Error('expected a SubtitleFormatError, parsing succeeded');
}

const toSorted = (cues: readonly Cue[]): Cue[] => [...cues].sort((a, b) => a.startS - b.startS);
const fields = (e: SubtitleFormatError) => ({ code: e.code, line: e.line, message: e.message });

describe('parseSubtitles: SRT', () => {
  it('reads an editor SRT with BOM and CRLF, converting SRT markup to WebVTT cue text', () => {
    expect(parseSubtitles(EDITOR_SRT, 'srt')).toEqual(EDITOR_CUES);
  });

  it("accepts CR line ends, '.' before the milliseconds, 3-digit hours, a missing index and SRT coordinates", () => {
    const srt = '00:00:01.000 --> 00:00:02.000 X1:40 X2:600 Y1:20 Y2:50\rone\r\r2\r100:00:00,000 --> 100:00:01,000\rtwo\r';
    expect(parseSubtitles(srt, 'srt')).toEqual([
      { startS: 1, endS: 2, text: 'one' },
      { startS: 360_000, endS: 360_001, text: 'two' },
    ]);
  });

  it('takes a "-->" in a text line as text, and escapes it', () => {
    const srt = '1\n00:00:01,000 --> 00:00:02,000\nleft --> right\n2\n00:00:03,000 --> 00:00:04,000\n';
    expect(parseSubtitles(srt, 'srt')).toEqual([{ startS: 1, endS: 2, text: 'left --&gt; right\n2\n00:00:03,000 --&gt; 00:00:04,000' }]);
  });

  it('sorts cues by start, drops zero-length cues and keeps a cue without text', () => {
    const srt =
      '1\n00:00:05,000 --> 00:00:06,000\nlater\n\n2\n00:00:01,000 --> 00:00:01,000\nnever shown\n\n3\n00:00:02,000 --> 00:00:03,000\n';
    expect(parseSubtitles(srt, 'srt')).toEqual([
      { startS: 2, endS: 3, text: '' },
      { startS: 5, endS: 6, text: 'later' },
    ]);
  });

  it('an empty file has no cues', () => {
    expect(parseSubtitles('\uFEFF\r\n', 'srt')).toEqual([]);
  });
});

describe('parseSubtitles: WebVTT', () => {
  it('skips the header and NOTE/STYLE/REGION blocks, keeps ids and settings, reads times without hours', () => {
    expect(parseSubtitles(AUTHORED_VTT, 'vtt')).toEqual([
      { startS: 1, endS: 2.5, text: '<v Roger>Hi</v> Tom &amp; Jerry', settings: 'align:start line:0', id: 'intro' },
      { startS: 2, endS: 3600, text: '<c.yellow>late</c>\na &lt; b' },
    ]);
  });

  it('a timing line in text position starts the next cue, as the WebVTT parser does', () => {
    const vtt = 'WEBVTT\n\n00:01.000 --> 00:02.000\nfirst\n00:03.000 --> 00:04.000\nsecond\n';
    expect(parseSubtitles(vtt, 'vtt')).toEqual([
      { startS: 1, endS: 2, text: 'first' },
      { startS: 3, endS: 4, text: 'second' },
    ]);
  });

  it('a file of only the signature has no cues', () => {
    expect(parseSubtitles('WEBVTT\n', 'vtt')).toEqual([]);
  });
});

describe('parseSubtitles: errors name the line and the rule', () => {
  const srt = (...lines: string[]): string => lines.join('\n');

  it('an SRT cue that ends before it starts', () => {
    const e = parseError(srt('1', '00:00:01,000 --> 00:00:02,000', 'a', 'two lines', '', '2', '00:00:05,000 --> 00:00:04,000', 'b'), 'srt');
    expect(fields(e)).toEqual({
      code: 'SUBTITLE_MALFORMED',
      line: 7,
      message: 'line 7: timing "00:00:05,000 --> 00:00:04,000" ends before it starts',
    });
  });

  it('an SRT index without a timing line, and at the end of the file', () => {
    expect(parseError(srt('1', '00:00:01,000 --> 00:00:02,000', 'a', '', '2', 'Hello'), 'srt').message).toBe(
      'line 6: expected a timing line like 00:00:01,000 --> 00:00:02,500 after cue number 2, got "Hello"',
    );
    expect(parseError(srt('7'), 'srt').line).toBe(2);
    expect(parseError(srt('7'), 'srt').message).toMatch(/^line 2: .* after cue number 7, got the end of the file$/);
  });

  it('a blank line inside an SRT cue', () => {
    const e = parseError(srt('1', '00:00:01,000 --> 00:00:02,000', 'first part', '', 'second part'), 'srt');
    expect(e.line).toBe(5);
    expect(e.message).toBe(
      'line 5: expected a cue number or a timing line like 00:00:01,000 --> 00:00:02,500, got "second part" ' +
        '(a blank line ends a cue, so a cue cannot hold one)',
    );
  });

  it('minutes or seconds of 60 and more, and a malformed time', () => {
    expect(parseError(srt('1', '00:75:00,000 --> 00:76:00,000'), 'srt').message).toBe(
      'line 2: minutes out of range (00-59) in start time "00:75:00,000"',
    );
    expect(parseError('WEBVTT\n\n00:01.000 --> 00:60.000\n', 'vtt').message).toBe(
      'line 3: seconds out of range (00-59) in end time "00:60.000"',
    );
    expect(parseError(srt('1', '0:0:5,000 --> 00:00:06,000'), 'srt').message).toBe(
      'line 2: malformed start time "0:0:5,000" in "0:0:5,000 --> 00:00:06,000": expected a timing line like 00:00:01,000 --> 00:00:02,500',
    );
    // WebVTT has no ',' before the milliseconds.
    expect(parseError('WEBVTT\n\n00:00:01,000 --> 00:00:02,000\n', 'vtt').line).toBe(3);
  });

  it('WebVTT without its signature, and SRT given as WebVTT', () => {
    expect(fields(parseError('WEBVTTX\n\n', 'vtt'))).toEqual({
      code: 'SUBTITLE_MALFORMED',
      line: 1,
      message: 'line 1: expected "WEBVTT" on the first line, got "WEBVTTX"',
    });
    expect(parseError(EDITOR_SRT, 'vtt').message).toBe('line 1: expected "WEBVTT" on the first line, got "1" (this looks like SRT)');
  });

  it('a WebVTT cue glued to the header', () => {
    expect(parseError('WEBVTT\n00:01.000 --> 00:02.000\nhi\n', 'vtt').message).toBe(
      'line 2: a cue timing line in the header: a blank line must separate the "WEBVTT" header from the first cue',
    );
  });

  it('a "-->" in WebVTT cue text that is not a timing, and a stray line', () => {
    const arrow = parseError('WEBVTT\n\n00:01.000 --> 00:02.000\nok\nleft --> right\n', 'vtt');
    expect(arrow.line).toBe(5);
    expect(arrow.message).toBe('line 5: "-->" in cue text: WebVTT ends a cue at such a line (write "--&gt;"), got "left --> right"');
    expect(parseError('WEBVTT\n\nstray\n\n', 'vtt').message).toBe(
      'line 3: expected a cue timing line like 00:01.000 --> 00:02.500 (or a cue identifier, then one), got "stray"',
    );
    // A megabyte on one line is quoted by its first 60 characters: the message goes to the user.
    expect(parseError(`WEBVTT\n\n${'x'.repeat(1_000_000)}\n`, 'vtt').message).toBe(
      `line 3: expected a cue timing line like 00:01.000 --> 00:02.500 (or a cue identifier, then one), got "${'x'.repeat(60)}…"`,
    );
  });

  it('a PNG or an MP4 uploaded as subtitles is not text, at line 1', () => {
    const png = new TextDecoder().decode(
      Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]),
    );
    expect(fields(parseError(png, 'srt'))).toEqual({
      code: 'SUBTITLE_NOT_TEXT',
      line: 1,
      message: 'line 1: not a text file: control character U+001A at line 2, column 1, as in an image or a video',
    });
    const mp4 = new TextDecoder().decode(Uint8Array.from([0, 0, 0, 0x20, ...Buffer.from('ftypisom')]));
    expect(parseError(mp4, 'vtt').message).toBe(
      'line 1: not a text file: control character U+0000 at line 1, column 1, as in an image or a video',
    );
  });

  it('more cues than maxCues, at the first cue over the limit', () => {
    const e = parseError(EDITOR_SRT, 'srt', { maxCues: 2 });
    expect(fields(e)).toEqual({
      code: 'SUBTITLE_TOO_MANY_CUES',
      line: 11,
      message: 'line 11: more than 2 cues (the limit set by `maxCues`)',
    });
    expect(e.name).toBe('SubtitleFormatError');
    expect(() => parseSubtitles('', 'srt', { maxCues: 0 })).toThrow('Expected `maxCues` to be an integer >= 1, got 0');
  });
});

describe('toWebVtt', () => {
  it('writes the header, then each cue with HH:MM:SS.mmm times, its id and settings', () => {
    expect(toWebVtt(parseSubtitles(AUTHORED_VTT, 'vtt'))).toBe(
      'WEBVTT\n\n' +
        'intro\n00:00:01.000 --> 00:00:02.500 align:start line:0\n<v Roger>Hi</v> Tom &amp; Jerry\n\n' +
        '00:00:02.000 --> 01:00:00.000\n<c.yellow>late</c>\na &lt; b\n\n',
    );
  });

  it('makes hand-made text safe: escapes, no blank line, no "-->", and sorts by start', () => {
    const cues: Cue[] = [
      { startS: 5, endS: 6, text: 'b' },
      { startS: 1, endS: 2, text: 'x <3 & y --> z\n\n  \n<i>it</i> &amp; &#233;' },
    ];
    expect(toWebVtt(cues)).toBe(
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nx &lt;3 &amp; y --&gt; z\n<i>it</i> &amp; &#233;\n\n00:00:05.000 --> 00:00:06.000\nb\n\n',
    );
  });

  it('cue text escaping is idempotent', () => {
    const once = webVttCueText('a < b & c --> d <b>e</b>');
    expect(once).toBe('a &lt; b &amp; c --&gt; d <b>e</b>');
    expect(webVttCueText(once)).toBe(once);
  });

  it('round trip: parse(toWebVtt(parse(srt))) gives the same cues', () => {
    const cues = parseSubtitles(EDITOR_SRT, 'srt');
    expect(parseSubtitles(toWebVtt(cues), 'vtt')).toEqual(cues);
    const authored = parseSubtitles(AUTHORED_VTT, 'vtt');
    expect(parseSubtitles(toWebVtt(authored), 'vtt')).toEqual(authored);
  });

  it('rejects hand-made cues that cannot be written, naming the cue', () => {
    expect(() => toWebVtt([{ startS: 2, endS: 2.0001, text: 'x' }])).toThrow(
      'Expected `cues[0].endS` to be at least 1 ms after startS (2), got 2.0001',
    );
    expect(() => toWebVtt([{ startS: 0, endS: 1, text: '', id: 'a --> b' }])).toThrow('Expected `cues[0].id` to hold no "-->"');
    expect(() => toWebVtt([{ startS: 0, endS: 1, text: '', id: '  ' }])).toThrow(
      'Expected `cues[0].id` to hold no "-->", no line break and more than spaces',
    );
  });
});

describe('toWebVtt against ffmpeg (second instrument)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vodforge-subtitles-'));
  });
  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('ffmpeg reads our WebVTT without error and ffprobe sees every cue at its time', async () => {
    const cues = [...parseSubtitles(EDITOR_SRT, 'srt'), ...parseSubtitles(AUTHORED_VTT, 'vtt')];
    const file = path.join(dir, 'cues.vtt');
    await writeFile(file, toWebVtt(cues));
    // `-map 0 -c copy`: without them ffmpeg 5.1 maps no subtitle stream to the null muxer and fails. Its WebVTT
    // demuxer skips what it cannot read without a word (a garbage file exits 0), so the packet count and times
    // below are the real check; a clean exit only shows the file opens as WebVTT.
    const decoded = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-map', '0', '-c', 'copy', '-f', 'null', '-']);
    expect(decoded.stderr).toBe('');
    const probe = await run('ffprobe', ['-v', 'error', '-show_packets', '-of', 'json', file]);
    const packets = (JSON.parse(probe.stdout) as { packets: { pts_time: string; duration_time: string }[] }).packets;
    const times = (list: readonly { startS: number; endS: number }[]) => list.map((c) => [c.startS, c.endS]);
    const probed = packets.map((p) => ({ startS: Number(p.pts_time), endS: Number(p.pts_time) + Number(p.duration_time) }));
    expect(packets).toHaveLength(cues.length);
    expect(
      times(probed)
        .flat()
        .map((t) => Math.round(t * 1000)),
    ).toEqual(
      times(toSorted(cues))
        .flat()
        .map((t) => t * 1000),
    );
  });

  it("ffmpeg's own SRT to WebVTT conversion reads back as the cues parsed from the SRT", async () => {
    const [srt, vtt] = [path.join(dir, 'editor.srt'), path.join(dir, 'editor.vtt')];
    await writeFile(srt, EDITOR_SRT);
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-i', srt, '-c:s', 'webvtt', vtt]);
    expect(parseSubtitles(await readFile(vtt, 'utf8'), 'vtt')).toEqual(EDITOR_CUES);
  });
});

describe('segmentWebVtt', () => {
  const header = 'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n';
  const cues: Cue[] = [
    { startS: 5, endS: 7, text: 'spans the boundary' },
    { startS: 1, endS: 2, text: 'first', id: 'c1' },
    { startS: 12, endS: 14, text: 'third segment' },
  ];
  const segments = [
    { startS: 0, durationS: 6 },
    { startS: 6, durationS: 6 },
    { startS: 12, durationS: 6 },
    { startS: 18, durationS: 6 },
  ];

  it('puts a cue that crosses a boundary in both segments, with its own times; an empty segment is a header', () => {
    expect(segmentWebVtt(cues, segments)).toEqual([
      `${header}c1\n00:00:01.000 --> 00:00:02.000\nfirst\n\n00:00:05.000 --> 00:00:07.000\nspans the boundary\n\n`,
      `${header}00:00:05.000 --> 00:00:07.000\nspans the boundary\n\n`,
      `${header}00:00:12.000 --> 00:00:14.000\nthird segment\n\n`,
      header,
    ]);
  });

  it('every segment document parses as WebVTT with the cues it overlaps', () => {
    const docs = segmentWebVtt(cues, segments);
    expect(docs.map((d) => parseSubtitles(d, 'vtt').map((c) => c.text))).toEqual([
      ['first', 'spans the boundary'],
      ['spans the boundary'],
      ['third segment'],
      [],
    ]);
  });

  it('writes the MPEGTS given, and rejects one that is not a 33-bit timestamp', () => {
    expect(segmentWebVtt([], [{ startS: 0, durationS: 4 }], { timestampMap: { mpegts: 900_000 } })).toEqual([
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:900000,LOCAL:00:00:00.000\n\n',
    ]);
    expect(() => segmentWebVtt([], [], { timestampMap: { mpegts: 2 ** 33 } })).toThrow(
      'Expected `timestampMap.mpegts` to be an integer in [0, 2^33)',
    );
  });

  it('segments overlapping by a rounding error both get a cue in the overlap; out-of-order segments are rejected', () => {
    const overlapping = [
      { startS: 0, durationS: 6.0000001 },
      { startS: 6, durationS: 6 },
    ];
    const docs = segmentWebVtt([{ startS: 6, endS: 6.5, text: 'edge' }], overlapping);
    expect(docs.map((d) => parseSubtitles(d, 'vtt').length)).toEqual([1, 1]);
    expect(() => segmentWebVtt([], [segments[1]!, segments[0]!])).toThrow(
      'Expected `segments[1].startS` to be after segments[0].startS (6), got 0',
    );
  });
});
