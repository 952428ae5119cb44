import { describe, expect, it } from 'vitest';
import { parseProbe } from '../../../ffmpeg/probe.ts';
import { parsePacketExtent } from '../../../ffmpeg/probe-extent.ts';

/** ffprobe's packet CSV (stream_index,pts_time,duration_time) of `frames` video frames at `fps`, beside 20 ms audio packets. */
function packets(frames: number, fps: number, audioFromS = -0.007): string {
  const lines: string[] = [];
  for (let k = 0; k < frames; k++) lines.push(`0,${(k / fps + 0.004).toFixed(6)},N/A`);
  for (let t = audioFromS; t < frames / fps; t += 0.02) lines.push(`1,${t.toFixed(6)},0.020000`);
  return `${lines.join('\n')}\n`;
}

describe('parsePacketExtent', () => {
  it('spans every stream, from the earliest start to the latest end', () => {
    const extent = parsePacketExtent(packets(300, 30), 0);
    // Audio from -0.007 s to the 20 ms packet that covers 10 s.
    expect(extent?.durationS).toBeGreaterThan(10);
    expect(extent?.durationS).toBeLessThan(10.04);
  });

  it('averages the video frame rate over the time between its first and last packet', () => {
    const rate = parsePacketExtent(packets(300, 30), 0)?.videoFrameRate;
    expect(rate).toBeDefined();
    expect(rate!.num / rate!.den).toBeCloseTo(30, 3);
  });

  it('skips packets without a time, and an end without a duration is its start', () => {
    const extent = parsePacketExtent('0,0.000000,N/A\n0,N/A,N/A\n0,1.000000,N/A\n\n', 0);
    expect(extent).toEqual({ durationS: 1, videoFrameRate: { num: 1, den: 1 } });
  });

  it('says nothing of packets that span no time', () => {
    expect(parsePacketExtent('', 0)).toBeUndefined();
    expect(parsePacketExtent('0,N/A,N/A\n', 0)).toBeUndefined();
    expect(parsePacketExtent('0,2.000000,N/A\n', 0)).toBeUndefined();
  });
});

describe('parseProbe of a master whose container states no duration', () => {
  // A live WebM as a browser writes it: no Duration, no frame duration (ffprobe: 1k tbr, no average).
  const raw = {
    streams: [
      { index: 0, codec_type: 'video', codec_name: 'vp8', width: 640, height: 360, avg_frame_rate: '0/0', r_frame_rate: '1000/1' },
      { index: 1, codec_type: 'audio', codec_name: 'opus', channels: 2, sample_rate: '48000' },
    ],
    format: { format_name: 'matroska,webm' },
  };

  it('takes its duration and frame rate from the packets', () => {
    const extent = parsePacketExtent(packets(300, 30), 0);
    const probe = parseProbe(raw, extent);
    expect(probe.durationS).toBe(extent!.durationS);
    expect(probe.video.frameRate.num / probe.video.frameRate.den).toBeCloseTo(30, 3);
  });

  it('still fails with VF_NO_DURATION when the packets span nothing', () => {
    expect(() => parseProbe(raw, undefined)).toThrow(expect.objectContaining({ code: 'VF_NO_DURATION' }));
  });

  it('keeps a stated duration and average over the packets', () => {
    const stated = { ...raw, format: { ...raw.format, duration: '12.500000' } };
    const streams = [{ ...raw.streams[0]!, avg_frame_rate: '25/1', r_frame_rate: '25/1' }, raw.streams[1]!];
    const probe = parseProbe({ ...stated, streams }, parsePacketExtent(packets(300, 30), 0));
    expect(probe.durationS).toBe(12.5);
    expect(probe.video.frameRate).toEqual({ num: 25, den: 1 });
  });
});
