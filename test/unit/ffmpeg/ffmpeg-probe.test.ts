import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../../ffmpeg/errors.ts';
import { audioStreamsOf, parseProbe, readsPacketExtent, videoExtentS, type ProbeResult } from '../../../ffmpeg/probe.ts';
import { titleFrameRate } from '../../../ffmpeg/frame-rate.ts';

type Raw = Parameters<typeof parseProbe>[0];

const video = {
  codec_type: 'video',
  codec_name: 'h264',
  width: 1920,
  height: 1080,
  avg_frame_rate: '25/1',
  r_frame_rate: '25/1',
  pix_fmt: 'yuv420p',
};
const audio = { codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '44100', start_time: '0.021333' };
const format = { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '47.300000', size: '1234567' };

/** Runs parseProbe expecting a BadInputError; returns it for assertions on code and message. */
function rejection(raw: Raw): BadInputError {
  try {
    parseProbe(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(BadInputError);
    return err as BadInputError;
  }
  throw new Error('parseProbe accepted the input');
}

describe('parseProbe rejections', () => {
  it('no streams at all: VF_NO_VIDEO_STREAM, says the file is not media', () => {
    const e = rejection({ format: { format_name: 'tty' } });
    expect(e.code).toBe('VF_NO_VIDEO_STREAM');
    expect(e.message).toBe('master has no streams: not a media file ffmpeg can read');
  });

  it('audio only: VF_NO_VIDEO_STREAM, names what was found', () => {
    const e = rejection({ streams: [audio], format });
    expect(e.code).toBe('VF_NO_VIDEO_STREAM');
    expect(e.message).toBe('master has no video stream (found: audio)');
  });

  it('attached picture only (cover art beside audio): VF_NO_VIDEO_STREAM, and the reason names the picture instead of listing "video" as found', () => {
    const cover = {
      codec_type: 'video',
      codec_name: 'mjpeg',
      width: 600,
      height: 600,
      avg_frame_rate: '0/0',
      r_frame_rate: '90000/1',
      disposition: { attached_pic: 1 },
    };
    const e = rejection({ streams: [audio, cover], format });
    expect(e.code).toBe('VF_NO_VIDEO_STREAM');
    // The message should not read "no video stream (found: audio, video)": the only video
    // stream is a still picture, and the reason should say so.
    expect(e.message).toMatch(/attached pic|cover|still/i);
  });

  it('no frame rate (0/0 in both fields): VF_NO_FRAME_RATE with both values quoted', () => {
    const e = rejection({ streams: [{ ...video, avg_frame_rate: '0/0', r_frame_rate: '0/0' }], format });
    expect(e.code).toBe('VF_NO_FRAME_RATE');
    expect(e.message).toBe('video stream has no usable frame rate (avg 0/0, r 0/0)');
  });

  it("a header's average past any picture's pace gives way to the packets' mean; where they agree with it, it stands", () => {
    // A webcam clip in Matroska whose track states its 1 ms clock as its frame duration: 30 frames, 33 ms apart.
    const mkv = { streams: [{ ...video, avg_frame_rate: '1000/1', r_frame_rate: '60/1' }], format: { ...format, duration: '1.139000' } };
    expect(parseProbe(mkv, { durationS: 1.139, videoFrameRate: { num: 29000, den: 967 } }).video.frameRate).toEqual({
      num: 29000,
      den: 967,
    });
    expect(rejection(mkv).message).toBe('video stream has no usable frame rate (avg 1000/1, r 60/1)');
    // Packets that really come 600 a second (a test file's squashed times): still no picture's pace.
    const squashed = { streams: [{ ...video, avg_frame_rate: '600/1', r_frame_rate: '600/1' }], format: { ...format, duration: '1.24' } };
    expect(() => parseProbe(squashed, { durationS: 1.24, videoFrameRate: { num: 600, den: 1 } })).toThrow(/avg 600\/1, r 600\/1/);
  });

  it("a container's duration that another stream sets gives way to the picture's and sound's span", () => {
    // A DVB-T capture: picture and sound 1.3 s, an EPG stream on another clock 20 hours long.
    const v = { ...video, index: 0, codec_name: 'mpeg2video', start_time: '62821.634533', duration: '1.240000' };
    const a = { ...audio, index: 1, start_time: '62821.352078', duration: '1.320000' };
    const epg = { index: 2, codec_type: 'data', start_time: '19992.181633', duration: '72054.117989' };
    const ts = { format_name: 'mpegts', duration: '72054.117989', start_time: '19992.181633' };
    expect(parseProbe({ streams: [v, a, epg], format: ts }).durationS).toBeCloseTo(62821.634533 + 1.24 - 62821.352078, 6);
    // Where picture or sound bound the file, its duration stands, a little past both as an MP4's often is.
    const mp4 = {
      streams: [
        { ...v, start_time: '0', duration: '10.2' },
        { ...a, start_time: '0', duration: '10.2' },
      ],
      format: { ...format, duration: '10.222' },
    };
    expect(parseProbe(mp4).durationS).toBe(10.222);
  });

  it('no duration in format or stream: VF_NO_DURATION', () => {
    const e = rejection({ streams: [video], format: { format_name: 'mpegts' } });
    expect(e.code).toBe('VF_NO_DURATION');
    expect(e.message).toBe('master has no duration (got none)');
  });

  it('a raw H.264 or HEVC stream, which times no frame: VF_UNTIMED_STREAM naming it and what to upload', () => {
    for (const [format_name, codec_name] of [
      ['h264', 'h264'],
      ['hevc', 'hevc'],
    ] as const) {
      const e = rejection({ streams: [{ ...video, codec_name }], format: { format_name } });
      expect(e.code).toBe('VF_UNTIMED_STREAM');
      expect(e.message).toContain(`raw ${codec_name} elementary stream`);
      expect(e.message).toContain('MP4, Matroska, MPEG-TS');
    }
  });

  it('zero duration: VF_NO_DURATION quoting the value', () => {
    const e = rejection({ streams: [video], format: { ...format, duration: '0.000000' } });
    expect(e.code).toBe('VF_NO_DURATION');
    expect(e.message).toContain('got 0.000000');
  });

  it('video stream without size: VF_UNDECODABLE_VIDEO', () => {
    const e = rejection({ streams: [{ codec_type: 'video', codec_name: 'prores' }], format });
    expect(e.code).toBe('VF_UNDECODABLE_VIDEO');
    expect(e.message).toBe('video stream is not decodable (codec prores, size ?x?)');
  });

  it('rejections are unrecoverable for BullMQ, by class and by name across a process boundary', () => {
    const e = rejection({ streams: [audio], format });
    expect(e).toBeInstanceOf(UnrecoverableError);
    expect(e.name).toBe('UnrecoverableError');
  });
});

describe('parseProbe on usable masters', () => {
  it('reads size, frame rate, duration, start time and audio', () => {
    const r = parseProbe({ streams: [{ ...video, start_time: '1.400000' }, audio], format });
    expect(r).toEqual({
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      videoOffsetS: 0,
      durationS: 47.3,
      sizeBytes: 1234567,
      video: {
        codec: 'h264',
        width: 1920,
        height: 1080,
        displayWidth: 1920,
        displayHeight: 1080,
        frameRate: { num: 25, den: 1 },
        startTimeS: 1.4,
        pixFmt: 'yuv420p',
        // An untagged 8-bit stream: nothing stated but the depth, so SDR.
        colour: { bitDepth: 8 },
      },
      audioStreams: [{ index: 0, codec: 'aac', isDefault: false, channels: 2, sampleRateHz: 44100, startTimeS: 0.021333 }],
      subtitleStreams: [],
    });
  });

  it('measures where the video starts from the file start time (an input -ss counts from there)', () => {
    const r = parseProbe({
      streams: [
        { ...video, start_time: '1.400000' },
        { ...audio, start_time: '1.000000' },
      ],
      format: { ...format, start_time: '1.000000' },
    });
    expect(r.videoOffsetS).toBeCloseTo(0.4, 9);
  });

  it('takes the declared rate when the average is only its rounding over the title (openboard cartoon.mp4)', () => {
    const cartoon = { ...video, avg_frame_rate: '243090000/8111111', r_frame_rate: '30000/1001' };
    expect(parseProbe({ streams: [cartoon], format: { ...format, duration: '180.256500' } }).video.frameRate).toEqual({
      num: 30000,
      den: 1001,
    });
  });

  it('keeps the average of a variable-rate master and the rate it declares, for the probe job to choose from (a phone clip)', () => {
    const phone = { ...video, avg_frame_rate: '369000/13657', r_frame_rate: '90000/2999' };
    const { frameRate, declaredFrameRate } = parseProbe({ streams: [phone], format: { ...format, duration: '1.600000' } }).video;
    expect(frameRate).toEqual({ num: 369000, den: 13657 });
    expect(declaredFrameRate).toEqual({ num: 90000, den: 2999 });
  });

  it('half a frame of drift over the title is where the average wins', () => {
    const at = (durationS: number) => titleFrameRate({ num: 2997, den: 100 }, { num: 30000, den: 1001 }, durationS);
    // 29.97 against 29.97003: 0.00003 frames a second.
    expect(at(16_000)).toEqual({ num: 30000, den: 1001 });
    expect(at(17_000)).toEqual({ num: 2997, den: 100 });
  });

  it('falls back to r_frame_rate when avg_frame_rate is 0/0, keeping 30000/1001 exact', () => {
    const r = parseProbe({ streams: [{ ...video, avg_frame_rate: '0/0', r_frame_rate: '30000/1001' }], format });
    expect(r.video.frameRate).toEqual({ num: 30000, den: 1001 });
  });

  it('falls back to the stream duration when the format has none', () => {
    const r = parseProbe({ streams: [{ ...video, duration: '12.5' }], format: { format_name: 'matroska,webm' } });
    expect(r.durationS).toBe(12.5);
  });

  it('has no audio when there is no audio stream', () => {
    expect(parseProbe({ streams: [video], format }).audioStreams).toEqual([]);
  });

  it("keeps only the audio of the video's program in a multiplex, numbered among all the file's audio streams", () => {
    const a = (index: number) => ({ index, codec_type: 'audio', codec_name: 'ac3', channels: 2, sample_rate: '48000' });
    const r = parseProbe({
      streams: [{ ...video, index: 0 }, a(1), { ...video, index: 2 }, a(3)],
      programs: [{ streams: [{ index: 2 }, { index: 3 }] }, { streams: [{ index: 0 }, { index: 1 }] }],
      format,
    });
    expect(r.audioStreams.map((x) => x.index)).toEqual([0]);
    const second = parseProbe({
      streams: [{ ...video, index: 0, disposition: { attached_pic: 1 } }, a(1), { ...video, index: 2 }, a(3)],
      programs: [{ streams: [{ index: 0 }, { index: 1 }] }, { streams: [{ index: 2 }, { index: 3 }] }],
      format,
    });
    expect(second.audioStreams.map((x) => x.index)).toEqual([1]);
  });

  it('reads the audio of a probe stored before every stream was listed (a title in flight across an upgrade)', () => {
    const fresh = parseProbe({ streams: [video, audio], format });
    const { audioStreams: _a, ...rest } = fresh;
    const legacy = { ...rest, audio: { codec: 'aac', channels: 2, sampleRateHz: 44100, startTimeS: 0.021333 } } as unknown as ProbeResult;
    expect(audioStreamsOf(legacy)).toEqual([
      { index: 0, isDefault: true, codec: 'aac', channels: 2, sampleRateHz: 44100, startTimeS: 0.021333 },
    ]);
    expect(audioStreamsOf({ ...rest } as unknown as ProbeResult)).toEqual([]);
    expect(audioStreamsOf(fresh)).toBe(fresh.audioStreams);
  });

  it('lists every audio and subtitle stream with its language, title and flags, in stream order', () => {
    const r = parseProbe({
      streams: [
        video,
        {
          codec_type: 'audio',
          codec_name: 'aac',
          channels: 2,
          sample_rate: '48000',
          tags: { language: 'eng' },
          disposition: { default: 1 },
        },
        { codec_type: 'subtitle', codec_name: 'subrip', tags: { LANGUAGE: 'ger', title: 'Deutsch' }, disposition: { forced: 1 } },
        {
          codec_type: 'audio',
          codec_name: 'ac3',
          channels: 6,
          sample_rate: '48000',
          start_time: '0.032',
          tags: { language: 'fre', title: 'VF' },
        },
        { codec_type: 'subtitle', codec_name: 'hdmv_pgs_subtitle', tags: { handler_name: 'SubtitleHandler' } },
      ],
      format,
    });
    expect(r.audioStreams).toEqual([
      { index: 0, codec: 'aac', languageTag: 'eng', isDefault: true, channels: 2, sampleRateHz: 48000, startTimeS: 0 },
      { index: 1, codec: 'ac3', languageTag: 'fre', title: 'VF', isDefault: false, channels: 6, sampleRateHz: 48000, startTimeS: 0.032 },
    ]);
    expect(r.subtitleStreams).toEqual([
      { index: 0, codec: 'subrip', languageTag: 'ger', title: 'Deutsch', isDefault: false, isForced: true, isText: true },
      { index: 1, codec: 'hdmv_pgs_subtitle', isDefault: false, isForced: false, isText: false },
    ]);
  });

  it('ignores a cover picture when a real video stream is also present', () => {
    const cover = { ...video, codec_name: 'mjpeg', disposition: { attached_pic: 1 } };
    expect(parseProbe({ streams: [cover, video], format }).video.codec).toBe('h264');
  });
});

describe('parseProbe sample aspect ratio', () => {
  const pal = { ...video, width: 720, height: 576 };

  it('720x576 SAR 16:15 (PAL 4:3) displays 768 wide', () => {
    const r = parseProbe({ streams: [{ ...pal, sample_aspect_ratio: '16:15' }], format });
    expect(r.video).toMatchObject({ width: 720, height: 576, displayWidth: 768, displayHeight: 576 });
  });

  it('720x576 SAR 64:45 (PAL 16:9) displays 1024 wide', () => {
    const r = parseProbe({ streams: [{ ...pal, sample_aspect_ratio: '64:45' }], format });
    expect(r.video).toMatchObject({ width: 720, displayWidth: 1024, displayHeight: 576 });
  });

  it('SAR 0:1 (ffprobe for "unknown") and a missing SAR both mean square pixels', () => {
    expect(parseProbe({ streams: [{ ...pal, sample_aspect_ratio: '0:1' }], format }).video.displayWidth).toBe(720);
    expect(parseProbe({ streams: [pal], format }).video.displayWidth).toBe(720);
  });
});

describe('videoExtentS', () => {
  const probe = (video: Partial<ProbeResult['video']>): Pick<ProbeResult, 'durationS' | 'video'> =>
    ({ durationS: 60.021, video: { startTimeS: 0.021, ...video } }) as Pick<ProbeResult, 'durationS' | 'video'>;

  it("is the video's own extent in title time, from its first decoded frame", () => {
    // Packets end 60 s after the stream's start; the first frame decodes at its start.
    expect(videoExtentS(probe({ endS: 60, firstFrameS: 0.021 }))).toBeCloseTo(60, 9);
    // A first frame decoded one frame after the stated start (packed B-frames): one frame less.
    expect(videoExtentS(probe({ endS: 60, firstFrameS: 0.021 + 1 / 30 }))).toBeCloseTo(60 - 1 / 30, 9);
  });

  it("is the container's duration when the packets were not read, and never more than it", () => {
    expect(videoExtentS(probe({}))).toBe(60.021);
    expect(videoExtentS(probe({ endS: 75, firstFrameS: 0.021 }))).toBe(60.021);
    expect(videoExtentS(probe({ endS: -1, firstFrameS: 0.021 }))).toBe(60.021);
  });
});

describe('readsPacketExtent: when the packets must give the length and the frame rate', () => {
  const raw = (v: Record<string, unknown>, duration: string | null = '2.000000'): Raw =>
    ({ streams: [{ ...video, ...v }], format: { ...format, duration: duration ?? undefined } }) as Raw;
  const stream = (r: Raw) => r.streams?.[0] as Parameters<typeof readsPacketExtent>[1];

  it('not for a master that states its length and a paced rate', () => {
    const r = raw({});
    expect(readsPacketExtent(r, stream(r))).toBe(false);
    // No average, but a paced declared rate: that rate serves.
    const declared = raw({ avg_frame_rate: '0/0', r_frame_rate: '15/1' });
    expect(readsPacketExtent(declared, stream(declared))).toBe(false);
  });

  it('for no length (a live WebM), an average past any pace (1 ms Matroska), or no average and a clock for a rate (ASF)', () => {
    const live = raw({}, null);
    expect(readsPacketExtent(live, stream(live))).toBe(true);
    const clock = raw({ avg_frame_rate: '1000/1', r_frame_rate: '1000/1' });
    expect(readsPacketExtent(clock, stream(clock))).toBe(true);
    // A real MS-MPEG4 v3 clip in ASF, as ffprobe gives it: refused VF_NO_FRAME_RATE before.
    const asf = raw({ codec_name: 'msmpeg4v3', avg_frame_rate: '0/0', r_frame_rate: '1000/1' });
    expect(readsPacketExtent(asf, stream(asf))).toBe(true);
  });
});
