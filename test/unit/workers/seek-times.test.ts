import { describe, expect, it } from 'vitest';
import { movedFrames, parseFrameList } from '../../../workers/measure/seek-times.ts';
import { parsePackets } from '../../../workers/measure/keyframes.ts';
import { buildFrameListArgs } from '../../../ffmpeg/frame-list-args.ts';

/** freeMXF's MPEG-2 MXF as ffprobe lists its first packets: I- and P-frames without a presentation time. */
const MXF_PACKETS = [
  'N/A,0.000000,0.040000,77824,K_',
  'N/A,0.040000,0.040000,25600,__',
  '0.080000,0.080000,0.040000,9216,__',
  'N/A,0.400000,0.040000,76800,K_',
];

describe('frames whose times ffmpeg makes up', () => {
  it('the packet index keeps untimed keyframes apart, at their decoding time from the origin', () => {
    const index = parsePackets(MXF_PACKETS.join('\n'), 0, 10.64);
    expect(index.keyframesS).toEqual([]);
    expect(index.untimedKeyframesS).toEqual([0, 0.4]);
    expect(parsePackets('0.000000,0.000000,0.040000,100,K_\n', 0, 1).untimedKeyframesS).toBeUndefined();
  });

  it('parses a framemd5 listing: pts and picture digest a frame, its header skipped', () => {
    const text = [
      '#format: frame checksums',
      '#tb 0: 1/25',
      '#stream#, dts,        pts, duration,     size, hash',
      '0,         89,         89,        1,   622080, 910c0ac615b41ef760b9c1f09ae1c074',
      '0,         90,         90,        1,   622080, 34179a3ea295ba091db2b8bb25d2c8b8',
      '',
    ].join('\n');
    expect(parseFrameList(text)).toEqual([
      { pts: 89, md5: '910c0ac615b41ef760b9c1f09ae1c074' },
      { pts: 90, md5: '34179a3ea295ba091db2b8bb25d2c8b8' },
    ]);
  });

  it('names the pictures a seek labels with other times, as the MXF read 4 frames late; repeated pictures tell nothing', () => {
    const fromStart = [
      { pts: 85, md5: 'a' },
      { pts: 86, md5: 'b' },
      { pts: 87, md5: 'still' },
      { pts: 88, md5: 'still' },
    ];
    expect(
      movedFrames(fromStart, [
        { pts: 89, md5: 'a' },
        { pts: 90, md5: 'b' },
        { pts: 91, md5: 'still' },
      ]),
    ).toEqual([
      { pts: 89, fromStartPts: 85 },
      { pts: 90, fromStartPts: 86 },
    ]);
    expect(
      movedFrames(fromStart, [
        { pts: 85, md5: 'a' },
        { pts: 86, md5: 'b' },
        { pts: 99, md5: 'unseen' },
      ]),
    ).toEqual([]);
  });

  it('reads both ways with the master timestamps kept, every frame as decoded', () => {
    const start = buildFrameListArgs({ input: '/m.mxf', read: { fromStartS: 4.5 }, listingFile: '/t/a.md5' });
    expect(start.slice(0, 5)).toEqual(['-v', 'error', '-t', '4.500000', '-copyts']);
    const seek = buildFrameListArgs({ input: '/m.mxf', read: { seekS: 1.5, frames: 8 }, listingFile: '/t/b.md5' });
    expect(seek.slice(2, 5)).toEqual(['-copyts', '-ss', '1.500000']);
    expect(seek.slice(-9)).toEqual(['-frames:v', '8', '-fps_mode', 'passthrough', '-enc_time_base', '-1', '-f', 'framemd5', '/t/b.md5']);
  });
});
