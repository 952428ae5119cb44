import { describe, expect, it } from 'vitest';
import { joinChunkSegments, parseChunkSegments, type ChunkSegments } from '../../../packaging/chunk-segments.ts';
import { segmentFileName } from '../../../ffmpeg/args.ts';

/** A box: 32-bit size, type, payload. */
const box = (type: string, payload: Buffer): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + payload.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, payload]);
};
/** An init segment reduced to what the join compares: avcC, mdhd and elst, plus a btrt that chunks do not share. */
const init = (avc: string, bitrate: number): string =>
  Buffer.concat([
    box('mdhd', Buffer.from('00000000000000000000000000007530', 'hex')),
    box('avcC', Buffer.from(avc, 'hex')),
    box('btrt', Buffer.from(bitrate.toString(16).padStart(8, '0'), 'hex')),
    box('elst', Buffer.from('000000000000000100000000000007d2', 'hex')),
  ]).toString('base64');

const chunks = [
  { index: 0, firstSegment: 0 },
  { index: 1, firstSegment: 2 },
];
const record = (chunk: number, first: number, count: number, avc = '0164001e', bitrate = 1000): ChunkSegments => ({
  chunk,
  rungs: [0, 1].map(() => ({
    init: init(avc, bitrate + chunk),
    segments: Array.from({ length: count }, (_, n) => ({ name: segmentFileName(first + n), durationS: 6.006 })),
  })),
});
const stored = (names: readonly string[]): Map<string, number> =>
  new Map([0, 1].flatMap((r) => names.map((n) => [`v${r}/${n}`, 1000 + r])));
const all = stored(['seg_00000.m4s', 'seg_00001.m4s', 'seg_00002.m4s']);

describe('joinChunkSegments', () => {
  it("joins the chunks' segments in order, with their stored sizes, under the first chunk's init", () => {
    const records = new Map([
      [0, record(0, 0, 2)],
      [1, record(1, 2, 1)],
    ]);
    const joined = joinChunkSegments({ chunks, rungCount: 2, records, storedBytes: all });
    if (!('rungs' in joined)) throw new Error('expected rungs');
    expect(joined.rungs.map((r) => r.segments.map((s) => [s.name, s.bytes]))).toEqual([
      [
        ['seg_00000.m4s', 1000],
        ['seg_00001.m4s', 1000],
        ['seg_00002.m4s', 1000],
      ],
      [
        ['seg_00000.m4s', 1001],
        ['seg_00001.m4s', 1001],
        ['seg_00002.m4s', 1001],
      ],
    ]);
    expect(joined.rungs[0]?.init.toString('base64')).toBe(records.get(0)?.rungs[0]?.init);
  });

  it('joins a last chunk without frames (sound outlasting the picture) as no segments, and refuses it mid-title', () => {
    const empty: ChunkSegments = { chunk: 1, rungs: [0, 1].map(() => ({ init: '', segments: [] })) };
    const last = joinChunkSegments({
      chunks,
      rungCount: 2,
      records: new Map([
        [0, record(0, 0, 2)],
        [1, empty],
      ]),
      storedBytes: all,
    });
    if (!('rungs' in last)) throw new Error('expected rungs');
    expect(last.rungs.map((r) => r.segments.length)).toEqual([2, 2]);
    const first = new Map([
      [0, { ...empty, chunk: 0 }],
      [1, record(1, 2, 1)],
    ]);
    expect(() => joinChunkSegments({ chunks, rungCount: 2, records: first, storedBytes: all })).toThrow(
      'where the title expects seg_00000.m4s',
    );
  });

  it('names the chunks to encode again: no record, or a segment the bucket lost', () => {
    expect(joinChunkSegments({ chunks, rungCount: 2, records: new Map([[1, record(1, 2, 1)]]), storedBytes: all })).toEqual({
      missing: [0],
    });
    const lost = stored(['seg_00000.m4s', 'seg_00001.m4s']);
    const records = new Map([
      [0, record(0, 0, 2)],
      [1, record(1, 2, 1)],
    ]);
    expect(joinChunkSegments({ chunks, rungCount: 2, records, storedBytes: lost })).toEqual({ missing: [1] });
  });

  it("refuses a chunk whose segments are not the title's next ones: they would overwrite a neighbour", () => {
    const records = new Map([
      [0, record(0, 0, 3)],
      [1, record(1, 2, 1)],
    ]);
    expect(() => joinChunkSegments({ chunks, rungCount: 2, records, storedBytes: all })).toThrow(
      'chunk 0 of rung 0 holds seg_00000.m4s, seg_00001.m4s, seg_00002.m4s where the title expects seg_00000.m4s, seg_00001.m4s',
    );
  });

  it('refuses a chunk encoded with another codec setup, but not one whose bitrate box differs', () => {
    const other = new Map([
      [0, record(0, 0, 2)],
      [1, record(1, 2, 1, '0164001f')],
    ]);
    expect(() => joinChunkSegments({ chunks, rungCount: 2, records: other, storedBytes: all })).toThrow('another codec setup');
  });
});

describe('parseChunkSegments', () => {
  it('reads back what a chunk job wrote', () => {
    const r = record(3, 6, 2);
    expect(parseChunkSegments(JSON.parse(JSON.stringify(r)))).toEqual(r);
  });

  it('refuses records that are not one, naming what is wrong', () => {
    expect(() => parseChunkSegments(null)).toThrow('not an object');
    expect(() => parseChunkSegments({ chunk: -1, rungs: [] })).toThrow('chunk is not an index');
    expect(() => parseChunkSegments({ chunk: 0, rungs: [{ init: 'AA==', segments: [] }] })).toThrow(
      'rung 0 has segments without an init segment or the reverse',
    );
    expect(() => parseChunkSegments({ chunk: 0, rungs: [{ init: '', segments: [{ name: 'seg_00001.m4s', durationS: 1 }] }] })).toThrow(
      'rung 0 has segments without an init segment or the reverse',
    );
    expect(() => parseChunkSegments({ chunk: 0, rungs: [{ init: 'AA==', segments: [{ name: '../x', durationS: 1 }] }] })).toThrow(
      'rung 0 segment 0 has no valid name',
    );
    expect(() => parseChunkSegments({ chunk: 0, rungs: [{ init: 'AA==', segments: [{ name: 'seg_00001.m4s', durationS: 0 }] }] })).toThrow(
      'rung 0 segment 0 has no duration',
    );
  });
});
