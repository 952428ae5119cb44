import { describe, expect, it } from 'vitest';
import { dashManifest, isoDuration, segmentTimeline } from '../../../packaging/dash.ts';
import { hlsMediaPlaylist, hlsMultivariantPlaylist, hlsSubtitlePlaylist } from '../../../packaging/hls.ts';
import {
  formatFrameRate,
  measureTrack,
  presentationOf,
  type AudioTrack,
  type SubtitleTrack,
  type Presentation,
  type Segment,
  type VideoTrack,
} from '../../../packaging/model.ts';
import { findAll, parseXml } from './xml.ts';

const DURATIONS_S = [6, 6, 6, 5.3];
const segments = (bytes: number[]): Segment[] =>
  bytes.map((b, i) => ({ name: `seg_${String(i).padStart(5, '0')}.m4s`, durationS: DURATIONS_S[i]!, bytes: b }));

// Rates chosen so every figure below is exact: peak = max(bytes*8/duration), average = all bits / 23.3 s.
const v720: VideoTrack = {
  kind: 'video',
  dir: 'v1',
  initName: 'init.mp4',
  timescale: 90000,
  codecs: 'avc1.64001f',
  initBytes: 900,
  width: 1280,
  height: 720,
  frameRate: { num: 30000, den: 1001 },
  targetBitrateKbps: 3000,
  segments: segments([2_250_000, 2_400_000, 1_800_000, 1_590_000]), // peak 3,200,000; average 2,760,515
};
const v360: VideoTrack = {
  kind: 'video',
  dir: 'v0',
  initName: 'init.mp4',
  timescale: 90000,
  codecs: 'avc1.64001e',
  initBytes: 880,
  width: 640,
  height: 360,
  frameRate: { num: 30000, den: 1001 },
  targetBitrateKbps: 730,
  segments: segments([600_000, 450_000, 540_000, 300_000]), // peak 800,000; average 648,927
};
const audio: AudioTrack = {
  kind: 'audio',
  dir: 'a0',
  streamIndex: 0,
  language: 'en',
  name: 'English',
  isDefault: true,
  initName: 'init.mp4',
  timescale: 48000,
  codecs: 'mp4a.40.2',
  initBytes: 700,
  channels: 2,
  sampleRateHz: 48000,
  segments: segments([96_000, 96_000, 96_000, 84_800]), // 128,000 peak and average
};
// Highest rung first on purpose: the playlists must sort by bandwidth themselves.
const presentation: Presentation = { durationS: 23.3, segmentS: 6, video: [v720, v360], audio: [audio], subtitles: [] };
const french: AudioTrack = { ...audio, dir: 'a1', streamIndex: 1, language: 'fr', name: 'Français', isDefault: false };
const french51: AudioTrack = {
  ...french,
  dir: 'a1-51',
  codecs: 'ac-3',
  channels: 6,
  name: 'Français 5.1',
  segments: segments([288_000, 288_000, 288_000, 254_400]), // 384,000 peak and average
};
const subtitle = (dir: string, language: string, name: string, isForced = false): SubtitleTrack => ({
  kind: 'subtitles',
  dir,
  file: 'subtitles.vtt',
  bytes: 2_000,
  segments: [6, 6, 6, 5.3].map((durationS, i) => ({ name: `seg_0000${i}.vtt`, durationS, bytes: 500 })),
  language,
  name,
  isDefault: false,
  isForced,
});
/** Two languages, French also in 5.1, English and German subtitles. */
const multi: Presentation = {
  ...presentation,
  audio: [audio, french, french51],
  subtitles: [subtitle('s0', 'en', 'English'), subtitle('s1', 'de', 'Deutsch "forced"', true)],
};

const attributes = (line: string): Record<string, string> =>
  Object.fromEntries([...line.matchAll(/([A-Z-]+)=("[^"]*"|[^,]*)/g)].map(([, k, v]) => [k!, v!.replace(/^"|"$/g, '')]));

describe('measureTrack and formatFrameRate', () => {
  it('peak is the highest rate of a run of 0.5 to 1.5 target durations, rounded up; average is all bits over all seconds', () => {
    // Target 6 s: every single segment is such a run, no two are.
    expect(measureTrack(v720)).toEqual({ peakBps: 3_200_000, averageBps: 2_760_515 });
    expect(measureTrack(audio)).toEqual({ peakBps: 128_000, averageBps: 128_000 });
    expect(measureTrack({ segments: [] })).toEqual({ peakBps: 0, averageBps: 0 });
  });

  it('prints frame rates with 3 decimals', () => {
    expect(formatFrameRate({ num: 30000, den: 1001 })).toBe('29.970');
    expect(formatFrameRate({ num: 25, den: 1 })).toBe('25.000');
  });
});

describe('HLS multivariant playlist', () => {
  const text = hlsMultivariantPlaylist(presentation, 'https://cdn.test/t1/');
  const lines = text.split('\n');
  const streamInfs = lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF:'));

  it('lists variants by ascending bandwidth, each followed by its playlist URI', () => {
    expect(streamInfs).toHaveLength(2);
    expect(lines[lines.indexOf(streamInfs[0]!) + 1]).toBe('https://cdn.test/t1/v0/playlist.m3u8');
    expect(lines[lines.indexOf(streamInfs[1]!) + 1]).toBe('https://cdn.test/t1/v1/playlist.m3u8');
  });

  it('BANDWIDTH = video peak + audio peak, AVERAGE-BANDWIDTH = sum of averages', () => {
    expect(attributes(streamInfs[0]!)).toMatchObject({ BANDWIDTH: '928000', 'AVERAGE-BANDWIDTH': '776927' });
    expect(attributes(streamInfs[1]!)).toMatchObject({ BANDWIDTH: '3328000', 'AVERAGE-BANDWIDTH': '2888515' });
  });

  it('CODECS names video and audio, RESOLUTION, FRAME-RATE with 3 decimals, AUDIO group', () => {
    expect(attributes(streamInfs[1]!)).toMatchObject({
      CODECS: 'avc1.64001f,mp4a.40.2',
      RESOLUTION: '1280x720',
      'FRAME-RATE': '29.970',
      'VIDEO-RANGE': 'SDR',
      AUDIO: 'aac',
    });
  });

  it('declares the audio rendition once, in the group the variants name', () => {
    const media = lines.filter((l) => l.startsWith('#EXT-X-MEDIA:'));
    expect(media).toHaveLength(1);
    expect(attributes(media[0]!)).toMatchObject({
      TYPE: 'AUDIO',
      'GROUP-ID': 'aac',
      NAME: 'English',
      LANGUAGE: 'en',
      DEFAULT: 'YES',
      CHANNELS: '2',
      URI: 'https://cdn.test/t1/a0/playlist.m3u8',
    });
  });

  it('without audio: video-only rates and codecs, no AUDIO attribute', () => {
    const silent = hlsMultivariantPlaylist({ ...presentation, audio: [] });
    const inf = silent.split('\n').find((l) => l.startsWith('#EXT-X-STREAM-INF:'))!;
    expect(attributes(inf)).toMatchObject({ BANDWIDTH: '800000', 'AVERAGE-BANDWIDTH': '648927', CODECS: 'avc1.64001e' });
    expect(inf).not.toContain('AUDIO=');
    expect(silent).not.toContain('#EXT-X-MEDIA:');
  });

  it('starts with #EXTM3U', () => {
    expect(lines[0]).toBe('#EXTM3U');
  });
});

describe('HLS multivariant playlist of several languages, 5.1 and subtitles', () => {
  const lines = hlsMultivariantPlaylist(multi).split('\n');
  const media = lines.filter((l) => l.startsWith('#EXT-X-MEDIA:')).map(attributes);
  const variants = lines.filter((l) => l.startsWith('#EXT-X-STREAM-INF:')).map(attributes);

  it('puts every stereo rendition in `aac`, and per language the 5.1 (or else the stereo) in `ac3`', () => {
    const group = (id: string) => media.filter((m) => m['GROUP-ID'] === id).map((m) => [m.NAME, m.LANGUAGE, m.CHANNELS, m.URI]);
    expect(group('aac')).toEqual([
      ['English', 'en', '2', 'a0/playlist.m3u8'],
      ['Français', 'fr', '2', 'a1/playlist.m3u8'],
    ]);
    expect(group('ac3')).toEqual([
      ['English', 'en', '2', 'a0/playlist.m3u8'],
      ['Français 5.1', 'fr', '6', 'a1-51/playlist.m3u8'],
    ]);
  });

  it('marks one default per group: the default stream', () => {
    for (const id of ['aac', 'ac3']) {
      expect(
        media.filter((m) => m['GROUP-ID'] === id && m.DEFAULT === 'YES').map((m) => m.LANGUAGE),
        id,
      ).toEqual(['en']);
    }
  });

  it('lists each rung once per audio group, naming every codec of the group and its largest audio rate', () => {
    expect(variants.map((v) => [v.RESOLUTION, v.AUDIO, v.CODECS, v.BANDWIDTH])).toEqual([
      ['640x360', 'aac', 'avc1.64001e,mp4a.40.2', '928000'],
      ['1280x720', 'aac', 'avc1.64001f,mp4a.40.2', '3328000'],
      ['640x360', 'ac3', 'avc1.64001e,mp4a.40.2,ac-3', '1184000'],
      ['1280x720', 'ac3', 'avc1.64001f,mp4a.40.2,ac-3', '3584000'],
    ]);
  });

  it('declares the subtitles in one group every variant names, FORCED as the track says, quotes kept out of NAME', () => {
    const subs = media.filter((m) => m.TYPE === 'SUBTITLES');
    expect(subs.map((m) => [m['GROUP-ID'], m.NAME, m.LANGUAGE, m.FORCED, m.DEFAULT, m.URI])).toEqual([
      ['subs', 'English', 'en', 'NO', 'NO', 's0/playlist.m3u8'],
      ['subs', "Deutsch 'forced'", 'de', 'YES', 'NO', 's1/playlist.m3u8'],
    ]);
    expect(variants.every((v) => v.SUBTITLES === 'subs')).toBe(true);
  });

  it('writes a WebVTT media playlist with the same segment boundaries and no init section', () => {
    const text = hlsSubtitlePlaylist(multi.subtitles[0]!);
    expect(text).not.toContain('EXT-X-MAP');
    expect(text.split('\n').filter((l) => l.endsWith('.vtt'))).toEqual([
      'seg_00000.vtt',
      'seg_00001.vtt',
      'seg_00002.vtt',
      'seg_00003.vtt',
    ]);
    expect(text).toContain('#EXTINF:5.300000,');
  });
});

describe('DASH MPD of several languages, 5.1 and subtitles', () => {
  const root = parseXml(dashManifest(multi, 'https://cdn.test/t1/'));
  const sets = findAll(root, 'AdaptationSet');

  it('has one audio adaptation set per rendition with its language, label and role', () => {
    const audioSets = sets.filter((a) => a.attrs.contentType === 'audio');
    expect(
      audioSets.map((a) => [
        a.attrs.lang,
        findAll(a, 'Label')[0]!.text,
        findAll(a, 'Role')[0]!.attrs.value,
        findAll(a, 'Representation')[0]!.attrs.codecs,
      ]),
    ).toEqual([
      ['en', 'English', 'main', 'mp4a.40.2'],
      ['fr', 'Français', 'alternate', 'mp4a.40.2'],
      ['fr', 'Français 5.1', 'alternate', 'ac-3'],
    ]);
    expect(new Set(sets.map((a) => a.attrs.id)).size).toBe(sets.length);
  });

  it("describes AC-3 channels with Dolby's scheme and mask, AAC with MPEG's count", () => {
    const configs = findAll(root, 'AudioChannelConfiguration').map((c) => [c.attrs.schemeIdUri, c.attrs.value]);
    expect(configs).toEqual([
      ['urn:mpeg:dash:23003:3:audio_channel_configuration:2011', '2'],
      ['urn:mpeg:dash:23003:3:audio_channel_configuration:2011', '2'],
      ['tag:dolby.com,2014:dash:audio_channel_configuration:2011', 'F801'],
    ]);
  });

  it('offers each subtitle file as a text/vtt adaptation set with its role', () => {
    const text = sets.filter((a) => a.attrs.contentType === 'text');
    expect(text.map((a) => [a.attrs.mimeType, a.attrs.lang, findAll(a, 'Role')[0]!.attrs.value, findAll(a, 'BaseURL')[0]!.text])).toEqual([
      ['text/vtt', 'en', 'subtitle', 'https://cdn.test/t1/s0/subtitles.vtt'],
      ['text/vtt', 'de', 'forced-subtitle', 'https://cdn.test/t1/s1/subtitles.vtt'],
    ]);
  });
});

describe('presentationOf', () => {
  it('reads a presentation of one unlabelled audio track, as titles published before several tracks have', () => {
    const old = {
      durationS: 1,
      segmentS: 6,
      video: [],
      audio: { ...audio, streamIndex: undefined, language: undefined, name: undefined, isDefault: undefined },
    };
    const p = presentationOf(JSON.parse(JSON.stringify(old)));
    expect(p.audio).toMatchObject([{ dir: 'a0', streamIndex: 0, language: 'und', name: 'Main', isDefault: true }]);
    expect(p.subtitles).toEqual([]);
    expect(presentationOf({ durationS: 1, segmentS: 6, video: [] }).audio).toEqual([]);
  });
});

describe('HLS media playlist', () => {
  it('matches the expected text: TARGETDURATION, EXT-X-MAP, EXTINF per segment, ENDLIST', () => {
    expect(hlsMediaPlaylist(v360)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-TARGETDURATION:6',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-MAP:URI="init.mp4"',
        '#EXTINF:6.000000,',
        'seg_00000.m4s',
        '#EXTINF:6.000000,',
        'seg_00001.m4s',
        '#EXTINF:6.000000,',
        'seg_00002.m4s',
        '#EXTINF:5.300000,',
        'seg_00003.m4s',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });
});

describe('DASH MPD', () => {
  const mpd = dashManifest(presentation, 'https://cdn.test/t1/');
  const root = parseXml(mpd);

  it('is well-formed XML with an MPD root, static, with the title duration', () => {
    expect(root.name).toBe('MPD');
    expect(root.attrs).toMatchObject({
      xmlns: 'urn:mpeg:dash:schema:mpd:2011',
      type: 'static',
      mediaPresentationDuration: 'PT23.300S',
      minBufferTime: 'PT6.000S',
    });
  });

  it('lists the same video representations as the HLS variants, by ascending bandwidth', () => {
    const reps = findAll(findAll(root, 'AdaptationSet').find((a) => a.attrs.contentType === 'video')!, 'Representation');
    expect(reps.map((r) => ({ ...r.attrs }))).toEqual([
      { id: 'v0', bandwidth: '800000', width: '640', height: '360', sar: '1:1', codecs: 'avc1.64001e' },
      { id: 'v1', bandwidth: '3200000', width: '1280', height: '720', sar: '1:1', codecs: 'avc1.64001f' },
    ]);
  });

  it('offers the same renditions as the HLS multivariant playlist (resolution and video codec, same order)', () => {
    const hls = hlsMultivariantPlaylist(presentation)
      .split('\n')
      .filter((l) => l.startsWith('#EXT-X-STREAM-INF:'))
      .map((l) => {
        const a = attributes(l);
        return `${a.RESOLUTION} ${a.CODECS!.split(',')[0]}`;
      });
    const dash = findAll(root, 'Representation')
      .filter((r) => r.attrs.width !== undefined)
      .map((r) => `${r.attrs.width}x${r.attrs.height} ${r.attrs.codecs}`);
    expect(dash).toEqual(hls);
  });

  it('uses each track timescale, startNumber from the first segment name and a $Number$ template', () => {
    const templates = findAll(root, 'SegmentTemplate');
    expect(templates.map((t) => [t.attrs.timescale, t.attrs.startNumber, t.attrs.media, t.attrs.initialization])).toEqual([
      ['90000', '0', 'https://cdn.test/t1/v0/seg_$Number%05d$.m4s', 'https://cdn.test/t1/v0/init.mp4'],
      ['90000', '0', 'https://cdn.test/t1/v1/seg_$Number%05d$.m4s', 'https://cdn.test/t1/v1/init.mp4'],
      ['48000', '0', 'https://cdn.test/t1/a0/seg_$Number%05d$.m4s', 'https://cdn.test/t1/a0/init.mp4'],
    ]);
  });

  it('run-length encodes equal segment durations in SegmentTimeline (r counts repeats)', () => {
    expect(segmentTimeline(v360)).toBe('<S t="0" d="540000" r="2"/><S d="477000"/>');
    expect(segmentTimeline(audio)).toBe('<S t="0" d="288000" r="2"/><S d="254400"/>');
  });

  it('timeline durations are differences of rounded start times: four 6.006 s segments at 90 kHz stay one run', () => {
    const track = {
      ...v360,
      segments: [6.006, 6.006, 6.006, 6.006].map((durationS, i) => ({ name: `seg_0000${i}.m4s`, durationS, bytes: 1 })),
    };
    expect(segmentTimeline(track)).toBe('<S t="0" d="540540" r="3"/>');
  });

  it('describes the audio representation with its sampling rate and channel count', () => {
    const a = findAll(root, 'AdaptationSet').find((s) => s.attrs.contentType === 'audio')!;
    const rep = findAll(a, 'Representation')[0]!;
    expect(rep.attrs).toMatchObject({ id: 'a0', bandwidth: '128000', codecs: 'mp4a.40.2', audioSamplingRate: '48000' });
    expect(findAll(rep, 'AudioChannelConfiguration')[0]!.attrs.value).toBe('2');
  });

  it('escapes a base URL containing & so the MPD stays well-formed', () => {
    const signed = dashManifest(presentation, 'https://cdn.test/t1/?a=1&b=2/');
    expect(() => parseXml(signed)).not.toThrow();
    expect(signed).toContain('?a=1&amp;b=2/v0/init.mp4');
  });

  it('isoDuration keeps milliseconds', () => {
    expect(isoDuration(47.3)).toBe('PT47.300S');
    expect(isoDuration(0)).toBe('PT0.000S');
  });
});

describe('the tiny XML reader used above rejects what it must', () => {
  it.each([
    ['<MPD><Period></MPD>', /closes/],
    ['<MPD a="1" a="2"/>', /duplicate/],
    ['<MPD a="x&y"/>', /unescaped/],
    ['<MPD>a & b</MPD>', /unescaped/],
    ['text<MPD/>', /not well-formed/],
    ['<MPD>', /unclosed/],
  ])('%s', (xml, error) => {
    expect(() => parseXml(xml)).toThrow(error);
  });
});
