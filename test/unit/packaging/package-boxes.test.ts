import { describe, expect, it } from 'vitest';
import { mdhdTimescale, parseFfmpegPlaylist } from '../../../packaging/boxes.ts';
import { avcCodecString } from '../../../packaging/model.ts';

/** An ISO BMFF box: 32-bit size, 4-character type, payload. */
function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}
const u8 = (...bytes: number[]): Buffer => Buffer.from(bytes);
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u64 = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

/** mdhd version 0: version+flags, creation, modification (32-bit), timescale, duration (32-bit), language, pre_defined. */
const mdhdV0 = (timescale: number): Buffer =>
  box('mdhd', u8(0, 0, 0, 0), u32(3_700_000_000), u32(3_700_000_001), u32(timescale), u32(0), u8(0x55, 0xc4, 0, 0));
/** mdhd version 1: the times and duration are 64-bit, so the timescale sits 8 bytes later. */
const mdhdV1 = (timescale: number): Buffer =>
  box('mdhd', u8(1, 0, 0, 0), u64(3_700_000_000), u64(3_700_000_001), u32(timescale), u64(0), u8(0x55, 0xc4, 0, 0));
/** A moov/trak/mdia path around the mdhd, with an ftyp ahead as a real init segment has. */
const initWith = (mdhd: Buffer): Buffer =>
  Buffer.concat([box('ftyp', Buffer.from('iso6\0\0\0\0iso6cmfc')), box('moov', box('trak', box('mdia', mdhd)))]);

describe('mdhdTimescale', () => {
  it('reads the timescale of a version 0 mdhd', () => {
    expect(mdhdTimescale(initWith(mdhdV0(90000)))).toBe(90000);
  });

  it('reads the timescale of a version 1 mdhd (64-bit times)', () => {
    expect(mdhdTimescale(initWith(mdhdV1(48000)))).toBe(48000);
  });

  it('rejects an init segment without mdhd, a truncated mdhd and a zero timescale', () => {
    expect(() => mdhdTimescale(box('ftyp', Buffer.from('iso6')))).toThrow('init segment has no mdhd box');
    expect(() => mdhdTimescale(initWith(mdhdV0(90000)).subarray(0, -16))).toThrow('init segment mdhd box is truncated');
    expect(() => mdhdTimescale(initWith(mdhdV0(0)))).toThrow('init segment mdhd timescale is 0');
  });
});

describe('avcCodecString', () => {
  /** avcC: configurationVersion 1, then profile, constraint flags, level, as RFC 6381 spells them. */
  const avcC = (profile: number, flags: number, level: number): Buffer => box('avcC', u8(1, profile, flags, level, 0xff, 0xe1));
  const init = (avc: Buffer): Buffer =>
    Buffer.concat([box('ftyp', Buffer.from('iso6')), box('moov', box('stsd', box('avc1', Buffer.alloc(78), avc)))]);

  it('High profile level 3.1 → avc1.64001f', () => {
    expect(avcCodecString(init(avcC(0x64, 0x00, 0x1f)))).toBe('avc1.64001f');
  });

  it('Constrained Baseline level 3.0 keeps the constraint flags → avc1.42c01e', () => {
    expect(avcCodecString(init(avcC(0x42, 0xc0, 0x1e)))).toBe('avc1.42c01e');
  });

  it('rejects a track without avcC (e.g. HEVC)', () => {
    expect(() => avcCodecString(box('moov', box('hvcC', u8(1, 2, 3, 4))))).toThrow('init segment has no avcC box: not an H.264 track');
  });
});

describe('parseFfmpegPlaylist', () => {
  it('pairs each segment with the EXTINF before it, ignoring tags and blank lines', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:6',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:6.000000,',
      'seg_00000.m4s',
      '',
      '#EXT-X-DISCONTINUITY',
      '#EXTINF:5.300000,title',
      'seg_00001.m4s',
      '#EXT-X-ENDLIST',
      '',
    ].join('\r\n');
    expect(parseFfmpegPlaylist(text)).toEqual([
      { name: 'seg_00000.m4s', durationS: 6 },
      { name: 'seg_00001.m4s', durationS: 5.3 },
    ]);
  });

  it('throws when a segment has no EXTINF', () => {
    expect(() => parseFfmpegPlaylist('#EXTM3U\n#EXTINF:6,\nseg_00000.m4s\nseg_00001.m4s\n')).toThrow(
      'segment seg_00001.m4s has no EXTINF duration',
    );
  });

  it('an empty playlist has no segments', () => {
    expect(parseFfmpegPlaylist('#EXTM3U\n#EXT-X-ENDLIST\n')).toEqual([]);
  });
});
