import { describe, expect, it } from 'vitest';
import { planAudio } from '../../../pipeline/audio-plan.ts';
import type { AudioInfo } from '../../../ffmpeg/probe.ts';

const stream = (index: number, more: Partial<AudioInfo> = {}): AudioInfo => ({
  index,
  codec: 'aac',
  channels: 2,
  sampleRateHz: 48000,
  startTimeS: 0,
  isDefault: false,
  ...more,
});
const bitrates = { audioBitrateKbps: 128, multichannelBitrateKbps: 384 };

describe('planAudio', () => {
  it('gives every stream a stereo AAC rendition in its language, and a 5.1 AC-3 one when it has more than two channels', () => {
    const plan = planAudio(
      [stream(0, { languageTag: 'eng', isDefault: true }), stream(1, { languageTag: 'fre', channels: 6, codec: 'ac3', startTimeS: 0.5 })],
      undefined,
      bitrates,
      0.1,
    );
    expect(plan.tracks.map((t) => [t.streamIndex, t.offsetS])).toEqual([
      [0, -0.1],
      [1, 0.4],
    ]);
    expect(
      plan.tracks.flatMap((t) =>
        t.renditions.map((r) => [r.id, r.format.codec, r.format.channels, r.format.bitrateKbps, r.language, r.name, r.isDefault]),
      ),
    ).toEqual([
      ['a0', 'aac', 2, 128, 'en', 'English', true],
      ['a1', 'aac', 2, 128, 'fr', 'French', false],
      ['a1-51', 'ac3', 6, 384, 'fr', 'French 5.1', false],
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it('keeps only the chosen streams, with the labels content ops gave, and one default', () => {
    const plan = planAudio(
      [stream(0, { languageTag: 'eng', isDefault: true }), stream(1, { languageTag: 'fre' }), stream(2, { languageTag: 'spa' })],
      [
        { index: 2, language: 'es-MX', name: 'Español (México)' },
        { index: 1, isDefault: true },
      ],
      bitrates,
      0,
    );
    expect(plan.tracks.flatMap((t) => t.renditions.map((r) => [r.id, r.language, r.name, r.isDefault]))).toEqual([
      ['a2', 'es-MX', 'Español (México)', false],
      ['a1', 'fr', 'French', true],
    ]);
  });

  it('labels unknown and missing languages und, says so for a tag it could not read, and keeps names unique', () => {
    const plan = planAudio([stream(0, { languageTag: 'xyz' }), stream(1), stream(2, { title: 'Audio 2' })], undefined, bitrates, 0);
    const r = plan.tracks.map((t) => t.renditions[0]!);
    expect(r.map((x) => [x.language, x.name])).toEqual([
      ['und', 'Audio 1'],
      ['und', 'Audio 2'],
      ['und', 'Audio 2 (2)'],
    ]);
    expect(r.map((x) => x.isDefault)).toEqual([true, false, false]);
    expect(plan.warnings).toEqual([
      { code: 'VF_LANGUAGE_UNKNOWN', message: 'audio stream 0: "xyz" names no known language; labelled und (undetermined)' },
    ]);
  });

  it('names a single unlabelled stream Main, and plans nothing for a master without audio', () => {
    expect(planAudio([stream(0)], undefined, bitrates, 0).tracks[0]!.renditions[0]!.name).toBe('Main');
    expect(planAudio([], undefined, bitrates, 0).tracks).toEqual([]);
  });

  it('ships no stream whose sample rate and channels no packet gave, and says so; refuses one chosen', () => {
    // A satellite capture's AAC: declared in its programme map, no packet of it in the file.
    const empty = stream(1, { sampleRateHz: 0, channels: 0 });
    const plan = planAudio([stream(0), empty], undefined, bitrates, 0);
    expect(plan.tracks.map((t) => t.streamIndex)).toEqual([0]);
    expect(plan.warnings).toEqual([
      {
        code: 'VF_AUDIO_TRACK_EMPTY',
        message: 'audio stream 1 (aac) states no sample rate or channels: the master holds no packet of it that decodes; not shipped',
      },
    ]);
    expect(planAudio([empty], undefined, bitrates, 0).tracks).toEqual([]);
    expect(() => planAudio([stream(0), empty], [{ index: 1 }], bitrates, 0)).toThrow(
      expect.objectContaining({
        code: 'VF_AUDIO_SELECTION',
        message: expect.stringContaining('audio stream 1 (aac) states no sample rate'),
      }),
    );
  });

  it('refuses a choice of a stream the master does not have, naming the ones it has', () => {
    expect(() => planAudio([stream(0), stream(1)], [{ index: 3 }], bitrates, 0)).toThrow(
      expect.objectContaining({ code: 'VF_AUDIO_SELECTION', message: 'audio stream 3 was chosen, but the master has audio streams 0, 1' }),
    );
  });
  it('joins streams chosen with joinWith into one rendition, each stream aligned on its own, in channel order', () => {
    const mono = (index: number, startTimeS = 0) => stream(index, { channels: 1, codec: 'pcm_s24le', startTimeS });
    const plan = planAudio([mono(0), mono(1, 0.04), mono(2), mono(3)], [{ index: 0, joinWith: [1], language: 'en' }], bitrates, 0);
    expect(plan.tracks).toEqual([
      {
        streamIndex: 0,
        offsetS: 0,
        join: [
          { streamIndex: 0, offsetS: 0, channels: 1 },
          { streamIndex: 1, offsetS: 0.04, channels: 1 },
        ],
        renditions: [
          { id: 'a0', format: { codec: 'aac', channels: 2, bitrateKbps: 128 }, language: 'en', name: 'English', isDefault: true },
        ],
      },
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it('makes six joined mono streams a 5.1 rendition beside the stereo downmix', () => {
    const six = [0, 1, 2, 3, 4, 5].map((i) => stream(i, { channels: 1 }));
    const plan = planAudio(six, [{ index: 0, joinWith: [1, 2, 3, 4, 5] }], bitrates, 0);
    expect(plan.tracks[0]!.join?.map((j) => j.streamIndex)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(plan.tracks[0]!.renditions.map((r) => [r.id, r.format.codec, r.format.channels])).toEqual([
      ['a0', 'aac', 2],
      ['a0-51', 'ac3', 6],
    ]);
  });

  it('refuses joins that make neither stereo nor 5.1, or join a multichannel stream, or name a stream the master lacks', () => {
    const mono = [0, 1, 2].map((i) => stream(i, { channels: 1 }));
    expect(() => planAudio(mono, [{ index: 0, joinWith: [1, 2] }], bitrates, 0)).toThrow(
      expect.objectContaining({
        code: 'VF_AUDIO_SELECTION',
        message:
          'audio streams 0 (1 ch), 1 (1 ch), 2 (1 ch) were chosen to be joined into 3 channels: a mix is 2 (L R) or 6 (L R C LFE Ls Rs)',
      }),
    );
    expect(() => planAudio([stream(0, { channels: 6 }), ...mono.slice(1)], [{ index: 0, joinWith: [1] }], bitrates, 0)).toThrow(
      /only mono and stereo streams join/,
    );
    expect(() => planAudio(mono, [{ index: 0, joinWith: [7] }], bitrates, 0)).toThrow(
      /audio stream 7 was chosen, but the master has audio streams 0, 1, 2/,
    );
  });

  it('says how to join when every one of several streams is mono and nothing was chosen, and only then', () => {
    const mono = [0, 1].map((i) => stream(i, { channels: 1 }));
    expect(planAudio(mono, undefined, bitrates, 0).warnings.map((w) => w.code)).toEqual(['VF_AUDIO_DISCRETE_MONO']);
    expect(planAudio(mono, [{ index: 0 }], bitrates, 0).warnings).toEqual([]);
    expect(planAudio([mono[0]!], undefined, bitrates, 0).warnings).toEqual([]);
    expect(planAudio([mono[0]!, stream(1)], undefined, bitrates, 0).warnings).toEqual([]);
  });
  it('takes the chosen channels of a stream, in order, and a 5.1 beside the stereo only when six are chosen', () => {
    const eight = stream(0, { channels: 8, codec: 'pcm_s24le' });
    const stereo = planAudio([eight], [{ index: 0, channels: [0, 1] }], bitrates, 0).tracks[0]!;
    expect(stereo.sourceChannels).toEqual([0, 1]);
    expect(stereo.renditions.map((r) => r.id)).toEqual(['a0']);
    const surround = planAudio([eight], [{ index: 0, channels: [2, 3, 4, 5, 6, 7] }], bitrates, 0).tracks[0]!;
    expect(surround.renditions.map((r) => [r.id, r.format.channels])).toEqual([
      ['a0', 2],
      ['a0-51', 6],
    ]);
  });

  it('refuses channels the stream lacks, counts that make no mix, and channels with joinWith', () => {
    const s = [stream(0, { channels: 8 }), stream(1, { channels: 1 })];
    expect(() => planAudio(s, [{ index: 0, channels: [0, 8] }], bitrates, 0)).toThrow(
      'audio stream 0 has 8 channels (0 to 7), but channel 8 was chosen',
    );
    expect(() => planAudio(s, [{ index: 0, channels: [0, 1, 2] }], bitrates, 0)).toThrow(/channels \[0, 1, 2\] make 3; a mix is 1/);
    expect(() =>
      planAudio([stream(0, { channels: 1 }), stream(1, { channels: 1 })], [{ index: 0, joinWith: [1], channels: [0] }], bitrates, 0),
    ).toThrow(/give one or the other/);
  });

  it('says when a stream of more than two channels names none and is not six, and how to choose', () => {
    const warned = (more: Partial<AudioInfo>) => planAudio([stream(0, more)], undefined, bitrates, 0).warnings.map((w) => w.code);
    expect(warned({ channels: 8 })).toEqual(['VF_AUDIO_LAYOUT_ASSUMED']);
    expect(warned({ channels: 8, channelLayout: '7.1' })).toEqual([]);
    expect(warned({ channels: 6 })).toEqual([]);
    expect(warned({ channels: 2 })).toEqual([]);
    expect(planAudio([stream(0, { channels: 8 })], [{ index: 0, channels: [0, 1] }], bitrates, 0).warnings).toEqual([]);
  });
});
