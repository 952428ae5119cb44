import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presentationTracks, trackFiles } from '../../orchestrator/fill-plans/catalog.ts';
import { readPresentation } from '../../pipeline/publish.ts';
import { createApi } from '../../orchestrator/runtime/services.ts';
import { ingest, waitForFinal } from '../support/api.ts';
import { makeMaster } from '../support/media.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

/**
 * Player steering end to end: two real titles encoded on ffmpeg, a plan computed from the
 * catalog exported from storage, approved, and the manifests a player of the region gets:
 * the title an appliance holds points at that appliance, the title whose fill has not run
 * yet points at the origin.
 */
describe('player steering by the approved fill plan', () => {
  let stack: TestStack;
  let dir: string;
  let filled: string;
  let unfilled: string;
  let filledPrefix: string;
  let filledKeys: string[];
  const inject = (method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = {}) =>
    stack.api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  const lines = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const mapUri = (text: string) => /#EXT-X-MAP:URI="([^"]+)"/.exec(text)?.[1];

  beforeAll(async () => {
    stack = await startTestStack({
      storage: 'local',
      workers: 2,
      applianceOrigins: ['https://edge-1.example', 'https://edge-2.example'],
      publicUrl: 'https://vod.example',
    });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-steer-'));
    const master = path.join(dir, 'master.mp4');
    await makeMaster(master, { width: 320, height: 180, fps: 25, durationS: 13 });
    [filled, unfilled] = await Promise.all([ingest(stack.api.app, master, 'filled'), ingest(stack.api.app, master, 'unfilled')]);
    for (const id of [filled, unfilled]) expect((await waitForFinal(stack.api.app, id)).state).toBe('ready');
    for await (const o of stack.api.store.list(`titles/${filled}/`))
      if (o.key.endsWith('/presentation.json')) filledPrefix = o.key.slice(0, -'presentation.json'.length);
    const p = await readPresentation(stack.api.store, filledPrefix);
    filledKeys = presentationTracks(p).flatMap((t) => trackFiles(filledPrefix, t).map((f) => f.key));
  }, 600_000);

  afterAll(async () => {
    await stack?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('points media at the appliance that holds the files, and at the origin for a title not filled yet', async () => {
    // Before any plan is approved, a region's player gets origin URLs.
    const before = await inject('GET', `/v1/titles/${filled}/v0/playlist.m3u8?region=eu`);
    expect(before.statusCode).toBe(200);
    expect(lines(before.body).every((u) => u.startsWith(`https://vod.example/v1/titles/${filled}/v0/`))).toBe(true);

    // A plan for three days ahead (the titles were released seconds ago, so the history it
    // learns from has to come after that): no fill of this plan has run yet.
    const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const fillWindow = { start: '02:00', end: '06:00', tz: 'UTC' };
    const appliances = [
      {
        id: 'edge-1',
        cluster: 'eu-1',
        region: 'eu',
        capacityBytes: 3e9,
        fillGbps: 1,
        fillWindow,
        state: 'active',
        baseUrl: 'https://edge-1.example',
      },
      {
        id: 'edge-2',
        cluster: 'eu-1',
        region: 'eu',
        capacityBytes: 1e9,
        fillGbps: 1,
        fillWindow,
        state: 'active',
        baseUrl: 'https://edge-2.example/',
      },
    ];
    const views = Array.from({ length: 3 }, (_, d) => ({
      ts: new Date(Date.now() + d * 86_400_000 + 3_600_000).toISOString(),
      titleId: filled,
      region: 'eu',
      bytes: 5_000_000,
    }));
    // No serveGbps: one copy per file, so a holder and a non-holder can be told apart.
    const created = await inject('POST', '/v1/fill-plans', { appliances, views, at, holdings: { 'edge-1': filledKeys } });
    expect(created.statusCode).toBe(201);
    const { id, catalog } = created.json<{ id: string; catalog: { titles: number; files: number; source: string } }>();
    expect(catalog).toMatchObject({ titles: 2, source: 'storage' });
    expect(catalog.files).toBe(2 * filledKeys.length);

    const plan = (await inject('GET', `/v1/fill-plans/${id}`)).json<{
      plan: { placements: Record<string, string[]>; fills: { key: string; applianceId: string; startAt: string }[] };
    }>().plan;
    // edge-1 keeps what it holds (nothing of the filled title moves), the other title is to be filled later.
    expect(plan.placements['edge-1']).toEqual(expect.arrayContaining(filledKeys));
    expect(plan.placements['edge-2']!.filter((k) => filledKeys.includes(k))).toEqual([]);
    expect(plan.fills.filter((f) => filledKeys.includes(f.key))).toEqual([]);
    const unfilledFills = plan.fills.filter((f) => f.key.startsWith(`titles/${unfilled}/`));
    expect(unfilledFills.length).toBeGreaterThan(0);
    expect(unfilledFills.every((f) => Date.parse(f.startAt) > Date.now())).toBe(true);

    expect((await inject('POST', `/v1/fill-plans/${id}/approve`)).statusCode).toBe(200);

    // The filled title: every init and segment URL at edge-1, under the title's published prefix.
    const media = await inject('GET', `/v1/titles/${filled}/v0/playlist.m3u8?region=eu`);
    expect(media.statusCode).toBe(200);
    expect(media.headers['content-type']).toContain('mpegurl');
    const edgeBase = `https://edge-1.example/${filledPrefix}v0/`;
    expect(mapUri(media.body)).toBe(`${edgeBase}init.mp4`);
    const segs = lines(media.body);
    expect(segs.length).toBeGreaterThan(1);
    for (const u of segs) expect(u).toMatch(new RegExp(`^${edgeBase.replace(/[.?]/g, '\\$&')}seg_\\d+\\.m4s$`));
    expect(segs.map((u) => u.slice('https://edge-1.example/'.length)).every((k) => filledKeys.includes(k))).toBe(true);

    // The multivariant playlist carries the region onto the media playlists it names.
    const master = await inject('GET', `/v1/titles/${filled}/master.m3u8?region=eu`);
    expect(master.statusCode).toBe(200);
    expect(lines(master.body).every((u) => u.endsWith('/playlist.m3u8?region=eu'))).toBe(true);
    expect(master.body).toContain('URI="a0/playlist.m3u8?region=eu"');

    // DASH: each representation's templates are absolute at the one appliance holding all its files.
    const mpd = await inject('GET', `/v1/titles/${filled}/manifest.mpd?region=eu`);
    expect(mpd.statusCode).toBe(200);
    const inits = [...mpd.body.matchAll(/initialization="([^"]+)"/g)].map((m) => m[1]);
    expect(inits.length).toBeGreaterThanOrEqual(2);
    for (const u of inits) expect(u!.startsWith(`https://edge-1.example/${filledPrefix}`)).toBe(true);

    // The unfilled title: its fill has not run, so the origin (the API's own media URLs), which serves them.
    // The origin is the configured public URL, whatever Host the player claims.
    const other = await inject('GET', `/v1/titles/${unfilled}/v0/playlist.m3u8?region=eu`, undefined, { host: 'evil.example' });
    expect(other.statusCode).toBe(200);
    const originBase = `https://vod.example/v1/titles/${unfilled}/v0/`;
    expect(mapUri(other.body)).toBe(`${originBase}init.mp4`);
    expect(lines(other.body).every((u) => u.startsWith(originBase))).toBe(true);
    const seg = await inject('GET', lines(other.body)[0]!.slice('https://vod.example'.length));
    expect(seg.statusCode).toBe(200);
    expect(seg.rawPayload.length).toBeGreaterThan(0);
    const otherMpd = await inject('GET', `/v1/titles/${unfilled}/manifest.mpd?region=eu`);
    expect(
      [...otherMpd.body.matchAll(/initialization="([^"]+)"/g)].every((m) => m[1]!.startsWith(`https://vod.example/v1/titles/${unfilled}/`)),
    ).toBe(true);

    // A region without appliances gets the origin; no region gets the stored, relative playlist.
    const mars = await inject('GET', `/v1/titles/${filled}/v0/playlist.m3u8?region=mars`);
    expect(lines(mars.body).every((u) => u.startsWith(`https://vod.example/v1/titles/${filled}/v0/`))).toBe(true);
    const plain = await inject('GET', `/v1/titles/${filled}/v0/playlist.m3u8`);
    expect(mapUri(plain.body)).toBe('init.mp4');

    // An API whose allowlist no longer has edge-1 stops steering to it, though the plan stays approved.
    const narrowed = await createApi({ ...stack.config, applianceOrigins: ['https://edge-2.example'] }, stack.redis.url, false);
    try {
      const res = await narrowed.app.inject({ method: 'GET', url: `/v1/titles/${filled}/v0/playlist.m3u8?region=eu` });
      expect(res.statusCode).toBe(200);
      expect(lines(res.body).length).toBeGreaterThan(1);
      expect(lines(res.body).every((u) => u.startsWith(`https://vod.example/v1/titles/${filled}/v0/`))).toBe(true);
    } finally {
      await narrowed.close();
    }
  }, 300_000);

  it('rejects a region that is not a region name', async () => {
    const res = await inject('GET', `/v1/titles/${filled}/master.m3u8?region=${encodeURIComponent('eu/../x')}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VF_INVALID_REQUEST' });
  });
});
