import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { ebur128, makeBrokenAudioMaster, makeMultiTrackMaster, probeJson, probePackets, subtitleCues } from '../support/media.ts';
import { waitUntil } from '../support/wait.ts';
import { downloadTrack, getTitle, ingest, parseAttrs, uploadMaster, waitForFinal } from '../support/api.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * A studio-shaped master (two audio languages, one in 5.1, two subtitle tracks) through the
 * whole pipeline: every track comes out labelled, normalised and listed in both manifests, and
 * the figures vodforge reports are checked with instruments of their own (ffprobe, ebur128).
 */
describe('a master with two audio languages, 5.1 and two subtitle tracks', () => {
  let stack: TestStack;
  let dir: string;
  let titleId: string;
  let title: TitleViewT;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2 });
    dir = await tempDir('vf-tracks-');
    const master = path.join(dir, 'master.mkv');
    await makeMultiTrackMaster(master);
    titleId = await ingest(stack.api.app, master);
    title = await waitForFinal(stack.api.app, titleId);
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('ships a stereo rendition per language and a 5.1 one for the French, labelled from the stream tags', () => {
    expect(title.error).toBeUndefined();
    expect(title.state).toBe('ready');
    const audio = (title.renditions ?? []).filter((r) => r.kind === 'audio');
    expect(audio.map((r) => [r.id, r.language, r.name, r.channels, r.codecs, r.isDefault])).toEqual([
      ['a0', 'en', 'English', 2, 'mp4a.40.2', true],
      ['a1', 'fr', 'French', 2, 'mp4a.40.2', false],
      ['a1-51', 'fr', 'French 5.1', 6, 'ac-3', false],
    ]);
    expect(title.warnings?.filter((w) => w.code !== 'VF_LOUDNESS_OFF_TARGET') ?? []).toEqual([]);
  });

  it('lists both languages in each HLS audio group and the 5.1 in its own group', async () => {
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/master.m3u8` });
    const media = res.body
      .split('\n')
      .filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=AUDIO'))
      .map((l) => parseAttrs(l.slice(13)));
    expect(media.map((m) => [m['GROUP-ID'], m.LANGUAGE, m.CHANNELS, m.DEFAULT])).toEqual([
      ['aac', 'en', '2', 'YES'],
      ['aac', 'fr', '2', 'NO'],
      ['ac3', 'en', '2', 'YES'],
      ['ac3', 'fr', '6', 'NO'],
    ]);
  });

  it('normalises every rendition to -23 LUFS (one gain, or the limiter when a gain would clip), as ebur128 measures the published segments', async () => {
    for (const r of (title.renditions ?? []).filter((x) => x.kind === 'audio')) {
      const track = await downloadTrack(stack.api.app, titleId, `${r.id}/playlist.m3u8`, dir);
      const measured = await ebur128(track.joinedFile);
      // What vodforge reports is what an instrument of its own measures on the published segments.
      expect(Math.abs(measured.integratedLufs - (r.loudness?.outputLufs ?? NaN)), r.id).toBeLessThan(1);
      if (r.loudness?.normalization === 'linear') {
        expect(Math.abs(measured.integratedLufs + 23), r.id).toBeLessThan(1);
        expect(measured.truePeakDbtp, r.id).toBeLessThanOrEqual(-1);
      } else {
        // Nearer the target than the source was, and said so on the title when more than 1 LU off.
        // (Its true peak is loudnorm's -1 dBTP before the AAC encoder, whose ringing around the
        // synthetic clicks adds about a decibel: not asserted after encoding.)
        expect(Math.abs(measured.integratedLufs + 23), r.id).toBeLessThan(Math.abs((r.loudness?.inputLufs ?? NaN) + 23));
        const off = Math.abs((r.loudness?.outputLufs ?? NaN) + 23) > 1;
        expect(title.warnings?.some((w) => w.code === 'VF_LOUDNESS_OFF_TARGET' && w.message.startsWith(`${r.id}:`)) ?? false, r.id).toBe(
          off,
        );
      }
      const streams = (await probeJson(track.joinedFile)).streams ?? [];
      expect(
        streams.map((s) => [s.codec_name, s.channels, s.sample_rate]),
        r.id,
      ).toEqual([[r.codecs === 'ac-3' ? 'ac3' : 'aac', r.channels, '48000']]);
    }
    const [en, fr, fr51] = (title.renditions ?? []).filter((x) => x.kind === 'audio');
    // The sources were 20 LU apart. English comes down by one gain; the quiet French, whose
    // clicks would clip under the gain it needs, goes through loudnorm's limiter.
    expect((en?.loudness?.inputLufs ?? NaN) - (fr?.loudness?.inputLufs ?? NaN)).toBeGreaterThan(10);
    expect([en, fr, fr51].map((r) => r?.loudness?.normalization)).toEqual(['linear', 'dynamic', 'dynamic']);
    for (const r of [en, fr, fr51]) expect(r?.loudness?.outputTruePeakDbtp, r?.id).toBeLessThanOrEqual(-0.5);
  });

  it('converts both subtitle streams to WebVTT renditions, cut at the video segments, cues at their times', async () => {
    const master = (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/master.m3u8` })).body;
    const subs = master
      .split('\n')
      .filter((l) => l.startsWith('#EXT-X-MEDIA:TYPE=SUBTITLES'))
      .map((l) => parseAttrs(l.slice(13)));
    expect(subs.map((m) => [m.LANGUAGE, m.NAME, m.URI])).toEqual([
      ['en', 'English', 's0/playlist.m3u8'],
      ['de', 'German', 's1/playlist.m3u8'],
    ]);
    expect(
      master
        .split('\n')
        .filter((l) => l.startsWith('#EXT-X-STREAM-INF'))
        .every((l) => l.includes('SUBTITLES="subs"')),
    ).toBe(true);
    const playlist = (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/s1/playlist.m3u8` })).body;
    const video = (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/v0/playlist.m3u8` })).body;
    const extinf = (text: string) => text.split('\n').filter((l) => l.startsWith('#EXTINF'));
    expect(extinf(playlist)).toEqual(extinf(video));
    // The whole file, read by ffprobe (an instrument apart from our reader): German cues every 2 s from 0.5 s.
    const vtt = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/s1/subtitles.vtt` });
    expect(vtt.headers['content-type']).toContain('text/vtt');
    const file = path.join(dir, 'de.vtt');
    await writeFile(file, vtt.rawPayload);
    const packets = await probePackets(file);
    expect(packets.map((p) => [Number(p.pts_time).toFixed(3), Number(p.duration_time).toFixed(3)])).toEqual(
      subtitleCues('ger', 8).map((c) => [c.startS.toFixed(3), (c.endS - c.startS).toFixed(3)]),
    );
    expect(vtt.body).toContain('Hallo 3');
  });

  it('lists the subtitles in the MPD as text/vtt adaptation sets', async () => {
    const mpd = (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/manifest.mpd` })).body;
    expect([...mpd.matchAll(/<AdaptationSet[^>]*contentType="text"[^>]*lang="([^"]+)"/g)].map((m) => m[1])).toEqual(['en', 'de']);
    expect(mpd).toContain('<BaseURL>s1/subtitles.vtt</BaseURL>');
  });

  it('adds a French SRT uploaded after ready: a new manifest revision lists it, the old one is unchanged', async () => {
    const before = (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/master.m3u8` })).body;
    const srt =
      '\uFEFF1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Bonjour</i> à tous\r\n\r\n2\r\n00:00:04,000 --> 00:00:05,000\r\nAu revoir\r\n';
    const put = await stack.api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${titleId}/subtitles/fr`,
      headers: { 'content-type': 'application/x-subrip' },
      payload: srt,
    });
    expect(put.statusCode, put.body).toBe(201);
    expect(put.json()).toMatchObject({ language: 'fr', name: 'French', cueCount: 2, published: true, isForced: false });
    // The API rereads a title's revision within a second (playback-cache.ts): the new manifest follows.
    const after = await waitUntil('the manifest listing French subtitles', async () => {
      const body = (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/master.m3u8` })).body;
      return body.includes('LANGUAGE="fr",DEFAULT=NO,AUTOSELECT=YES,FORCED') ? body : undefined;
    });
    expect(after.replace(/^#EXT-X-MEDIA:TYPE=SUBTITLES.*LANGUAGE="fr".*\n/m, '')).toBe(before);
    const fr = after.split('\n').find((l) => l.includes('TYPE=SUBTITLES') && l.includes('LANGUAGE="fr"'));
    expect(fr).toBeDefined();
    const uri = parseAttrs(fr!.slice(13)).URI!;
    const segment0 = (
      await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/${uri.replace('playlist.m3u8', 'seg_00000.vtt')}` })
    ).body;
    expect(segment0).toContain('00:00:01.000 --> 00:00:02.500\n<i>Bonjour</i> à tous');
    const t = await getTitle(stack.api.app, titleId);
    expect(t.renditions?.filter((r) => r.kind === 'subtitles').map((r) => r.language)).toEqual(['en', 'de', 'fr']);
    const mpd = (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/manifest.mpd` })).body;
    expect(mpd).toContain('lang="fr"');
  });

  it('refuses a subtitle file that is not text, has a malformed timing, or is too large, naming the line', async () => {
    const put = (payload: string | Buffer, type = 'text/plain') =>
      stack.api.app.inject({ method: 'PUT', url: `/v1/titles/${titleId}/subtitles/de`, headers: { 'content-type': type }, payload });
    const binary = await put(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]));
    expect(binary.statusCode).toBe(400);
    expect(binary.json()).toMatchObject({ code: 'VF_SUBTITLE_INVALID' });
    const timing = await put('1\n00:00:05,000 --> 00:00:04,000\nHallo\n', 'application/x-subrip');
    expect(timing.statusCode).toBe(400);
    expect(timing.json().message).toMatch(/line 2: .*ends before it starts/);
    const large = await put(`WEBVTT\n\n${'00:00:01.000 --> 00:00:02.000\nx\n\n'.repeat(80_000)}`, 'text/vtt');
    expect(large.statusCode).toBe(413);
    const valid = await put('1\n00:00:01,000 --> 00:00:02,000\nx\n'.replace('x', 'y'));
    expect(valid.statusCode).toBe(201);
    const bad = await stack.api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${titleId}/subtitles/xq`,
      headers: { 'content-type': 'text/plain' },
      payload: 'x',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/names no known language/);
  });
});

/**
 * What a user chose and what could not be read: audio streams picked and relabelled at
 * upload, one of them broken, and a subtitle file uploaded before the master.
 */
describe('a master with a broken audio stream, streams chosen at upload and a subtitle file sent before the master', () => {
  let stack: TestStack;
  let titleId: string;
  let title: TitleViewT;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 's3', workers: 2 });
    const dir = await tempDir('vf-broken-');
    const master = path.join(dir, 'master.mkv');
    await makeBrokenAudioMaster(master);
    const created = await stack.api.app.inject({
      method: 'POST',
      url: '/v1/titles',
      payload: {
        name: 'broken',
        audio: [
          { index: 1, language: 'es' },
          { index: 0, name: 'Original', isDefault: true },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    titleId = created.json<TitleViewT>().id;
    const sidecar = await stack.api.app.inject({
      method: 'PUT',
      url: `/v1/titles/${titleId}/subtitles/it?name=Italiano`,
      headers: { 'content-type': 'text/vtt' },
      payload: 'WEBVTT\n\n00:00.500 --> 00:01.500\nCiao\n',
    });
    expect(sidecar.statusCode, sidecar.body).toBe(201);
    expect(sidecar.json()).toMatchObject({ published: false, language: 'it', name: 'Italiano' });
    expect((await uploadMaster(stack.api.app, titleId, master)).statusCode).toBe(202);
    title = await waitForFinal(stack.api.app, titleId);
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('ships the stream that decodes, as content ops labelled it, and names the one that does not', () => {
    expect(title.state).toBe('ready');
    expect((title.renditions ?? []).filter((r) => r.kind === 'audio').map((r) => [r.id, r.name, r.language, r.isDefault])).toEqual([
      ['a0', 'Original', 'und', true],
    ]);
    const failed = title.warnings?.filter((w) => w.code === 'VF_AUDIO_TRACK_FAILED') ?? [];
    expect(failed).toHaveLength(1);
    expect(failed[0]?.message).toMatch(/^audio stream 1: the stream does not decode/);
  });

  it('publishes the subtitle file sent before the master, and unlists it when deleted', async () => {
    const listed = async () => (await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${titleId}/master.m3u8` })).body;
    expect(await listed()).toMatch(/TYPE=SUBTITLES,GROUP-ID="subs",NAME="Italiano",LANGUAGE="it"/);
    const del = await stack.api.app.inject({ method: 'DELETE', url: `/v1/titles/${titleId}/subtitles/it` });
    expect(del.statusCode).toBe(204);
    await waitUntil('the manifest without Italian subtitles', async () => ((await listed()).includes('TYPE=SUBTITLES') ? undefined : true));
    const again = await stack.api.app.inject({ method: 'DELETE', url: `/v1/titles/${titleId}/subtitles/it` });
    expect(again.json()).toMatchObject({ code: 'VF_SUBTITLES_NOT_FOUND' });
  });

  it('refuses a choice of an audio stream twice or a language that is not a tag', async () => {
    const post = (audio: unknown) => stack.api.app.inject({ method: 'POST', url: '/v1/titles', payload: { name: 'x', audio } });
    expect((await post([{ index: 0 }, { index: 0 }])).json().message).toMatch(/stream 0 is listed twice/);
    expect((await post([{ index: 0, language: 'not a tag' }])).json().message).toMatch(/is not a BCP-47 language tag/);
  });
});
