import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { ebur128 } from '../support/media.ts';
import {
  CHANNEL_TONES_HZ,
  channelTonePowers,
  makeDiscreteMonoMaster,
  makeEightChannelMaster,
  TRACK_TONES_HZ,
} from '../support/channel-tones.ts';
import { downloadTrack, ingest, parseAttrs, uploadMaster, waitForFinal } from '../support/api.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * A broadcast delivery carries its stereo mix as two mono tracks (and leaves others unused).
 * Joined at upload, the two become one stereo rendition with left and right where the master
 * had them, as a plain ffmpeg decode of the published segments shows; left alone, the title
 * says how to join them.
 */
describe('a master whose stereo mix is on two mono tracks of four (MXF, PCM)', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;
  let joined: TitleViewT;
  let asIs: TitleViewT;

  const create = async (name: string, audio: unknown): Promise<string> => {
    const res = await stack.api.app.inject({ method: 'POST', url: '/v1/titles', payload: { name, audio } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<TitleViewT>().id;
  };

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2 });
    dir = await tempDir('vf-mono-');
    master = path.join(dir, 'master.mxf');
    await makeDiscreteMonoMaster(master);
    const joinedId = await create('joined', [{ index: 0, joinWith: [1], language: 'en', name: 'English' }]);
    expect((await uploadMaster(stack.api.app, joinedId, master)).statusCode).toBe(202);
    const asIsId = await ingest(stack.api.app, master);
    [joined, asIs] = await Promise.all([waitForFinal(stack.api.app, joinedId), waitForFinal(stack.api.app, asIsId)]);
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('ships the two chosen tracks as one stereo rendition, and nothing of the unused ones', () => {
    expect(joined.state, joined.error?.message).toBe('ready');
    const audio = (joined.renditions ?? []).filter((r) => r.kind === 'audio');
    expect(audio.map((r) => [r.id, r.language, r.name, r.channels, r.codecs])).toEqual([['a0', 'en', 'English', 2, 'mp4a.40.2']]);
    expect(joined.warnings ?? []).toEqual([]);
  });

  it('puts track 1 on the left and track 2 on the right, as a plain decode of the published segments hears them', async () => {
    const track = await downloadTrack(stack.api.app, joined.id, 'a0/playlist.m3u8', path.join(dir, 'joined'));
    const [left, right] = await channelTonePowers(track.joinedFile, TRACK_TONES_HZ.slice(0, 2));
    // Each tone at least 40 dB above the other in its own channel: nothing leaked or swapped.
    expect(left![0]! / left![1]!).toBeGreaterThan(1e4);
    expect(right![1]! / right![0]!).toBeGreaterThan(1e4);
  });

  it('normalises the joined mix, as ebur128 measures it on the published segments', async () => {
    const track = await downloadTrack(stack.api.app, joined.id, 'a0/playlist.m3u8', path.join(dir, 'loudness'));
    const measured = await ebur128(track.joinedFile);
    const reported = joined.renditions?.find((r) => r.id === 'a0')?.loudness;
    expect(reported?.normalization).toBe('linear');
    expect(Math.abs(measured.integratedLufs - (reported?.outputLufs ?? NaN))).toBeLessThan(1);
    expect(Math.abs(measured.integratedLufs + 23)).toBeLessThan(1);
  });

  it('lists one stereo audio rendition in the HLS master playlist', async () => {
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${joined.id}/master.m3u8` });
    const media = res.body
      .split('\n')
      .filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=AUDIO'))
      .map((l) => parseAttrs(l.slice(13)));
    expect(media.map((m) => [m['GROUP-ID'], m.LANGUAGE, m.CHANNELS])).toEqual([['aac', 'en', '2']]);
  });

  it('left alone, ships each mono track on its own and says how to join them', () => {
    expect(asIs.state, asIs.error?.message).toBe('ready');
    expect((asIs.renditions ?? []).filter((r) => r.kind === 'audio').map((r) => r.id)).toEqual(['a0', 'a1', 'a2', 'a3']);
    const warning = asIs.warnings?.find((w) => w.code === 'VF_AUDIO_DISCRETE_MONO');
    expect(warning?.message).toMatch(/4 audio streams are all mono/);
    expect(warning?.message).toContain('"index": 0, "joinWith": [1]');
  });

  it('fails a title whose chosen tracks do not make a stereo or 5.1 mix, naming them', async () => {
    const id = await create('three', [{ index: 0, joinWith: [1, 2] }]);
    expect((await uploadMaster(stack.api.app, id, master)).statusCode).toBe(202);
    const title = await waitForFinal(stack.api.app, id);
    expect(title.state).toBe('failed');
    expect(title.error?.code).toBe('VF_AUDIO_SELECTION');
    expect(title.error?.message).toMatch(/audio streams 0 \(1 ch\), 1 \(1 ch\), 2 \(1 ch\) were chosen to be joined into 3 channels/);
  });

  it('refuses at creation a stream listed twice, in a choice or across choices', async () => {
    const post = (audio: unknown) => stack.api.app.inject({ method: 'POST', url: '/v1/titles', payload: { name: 'x', audio } });
    expect((await post([{ index: 0, joinWith: [0] }])).json().message).toMatch(/audio\[0\]\.joinWith\[0\]: stream 0 is listed twice/);
    expect((await post([{ index: 0, joinWith: [1] }, { index: 1 }])).json().message).toMatch(/audio\[1\]\.index: stream 1 is listed twice/);
    expect((await post([{ index: 0, joinWith: [] }])).statusCode).toBe(400);
    expect((await post([{ index: 0, joinWith: [1], channels: [0] }])).json().message).toMatch(/give one or the other/);
    expect((await post([{ index: 0, channels: [0, 1, 2] }])).json().message).toMatch(/audio\[0\]\.channels: 3 channels; a mix is 1/);
  });
});

/**
 * A D-10-shaped master: one eight-channel stream naming no layout, its stereo mix on the first
 * two channels and another mix on the third. Chosen by channel, the stereo rendition carries
 * the first two and nothing of the third; left alone, the title says what ffmpeg assumed.
 */
describe('a master whose stereo mix is the first two channels of an eight-channel stream', () => {
  let stack: TestStack;
  let dir: string;
  let picked: TitleViewT;
  let asIs: TitleViewT;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2 });
    dir = await tempDir('vf-eight-');
    const master = path.join(dir, 'master.mxf');
    await makeEightChannelMaster(master);
    const res = await stack.api.app.inject({
      method: 'POST',
      url: '/v1/titles',
      payload: { name: 'picked', audio: [{ index: 0, channels: [0, 1] }] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const pickedId = res.json<TitleViewT>().id;
    expect((await uploadMaster(stack.api.app, pickedId, master)).statusCode).toBe(202);
    const asIsId = await ingest(stack.api.app, master);
    [picked, asIs] = await Promise.all([waitForFinal(stack.api.app, pickedId), waitForFinal(stack.api.app, asIsId)]);
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('ships channels 0 and 1 as left and right, with nothing of the other mix, as a plain decode hears them', async () => {
    expect(picked.state, picked.error?.message).toBe('ready');
    expect((picked.renditions ?? []).filter((r) => r.kind === 'audio').map((r) => [r.id, r.channels])).toEqual([['a0', 2]]);
    expect(picked.warnings ?? []).toEqual([]);
    const track = await downloadTrack(stack.api.app, picked.id, 'a0/playlist.m3u8', path.join(dir, 'picked'));
    const [left, right] = await channelTonePowers(track.joinedFile, CHANNEL_TONES_HZ.slice(0, 3));
    const [l440, l1000, l660] = left!;
    const [r440, r1000, r660] = right!;
    // Own tone 40 dB over the other channel's, and over the third channel's mix.
    expect(l440! / Math.max(l1000!, l660!)).toBeGreaterThan(1e4);
    expect(r1000! / Math.max(r440!, r660!)).toBeGreaterThan(1e4);
  });

  it('left alone, says the layout was assumed and how to choose the channels', () => {
    expect(asIs.state, asIs.error?.message).toBe('ready');
    const warning = asIs.warnings?.find((w) => w.code === 'VF_AUDIO_LAYOUT_ASSUMED');
    expect(warning?.message).toMatch(/audio stream 0 has 8 channels and names none of them/);
    expect(warning?.message).toContain('"channels": [0, 1]');
  });
});
