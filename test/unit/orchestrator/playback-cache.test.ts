import { describe, expect, it, vi } from 'vitest';
import { PlaybackCache, type PublishedTitle } from '../../../orchestrator/playback-cache.ts';

const v1: PublishedTitle = { prefix: 'titles/a/out/v1/', revision: 0 };

describe('PlaybackCache', () => {
  it("reuses a ready title's prefix within the TTL, with one lookup for concurrent misses", async () => {
    const cache = new PlaybackCache({ titleTtlMs: 60_000 });
    let loads = 0;
    const load = async (): Promise<PublishedTitle> => {
      loads += 1;
      return v1;
    };
    const [a, b] = await Promise.all([cache.publishedPrefix('a', load), cache.publishedPrefix('a', load)]);
    expect([a, b, await cache.publishedPrefix('a', load)]).toEqual([v1, v1, v1]);
    expect(loads).toBe(1);
  });

  it('asks again once the TTL has passed, so a deleted title stops answering', async () => {
    const cache = new PlaybackCache({ titleTtlMs: 0 });
    let exists = true;
    const load = async (): Promise<PublishedTitle> => {
      if (!exists) throw new Error('gone');
      return v1;
    };
    expect(await cache.publishedPrefix('a', load)).toEqual(v1);
    exists = false;
    // The clock moves on past the TTL (0 ms): no waiting, the test sets it.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 1 });
    try {
      await expect(cache.publishedPrefix('a', load)).rejects.toThrow('gone');
    } finally {
      vi.useRealTimers();
    }
  });

  it('never keeps a failed lookup: a title that turns ready is served at once', async () => {
    const cache = new PlaybackCache({ titleTtlMs: 60_000 });
    let ready = false;
    const load = async (): Promise<PublishedTitle> => {
      if (!ready) throw new Error('not ready');
      return v1;
    };
    await expect(cache.publishedPrefix('a', load)).rejects.toThrow('not ready');
    ready = true;
    expect(await cache.publishedPrefix('a', load)).toEqual(v1);
  });

  it('keeps manifest bodies by key with a strong quoted ETag over the body, and drops failed loads', async () => {
    const cache = new PlaybackCache({ maxManifests: 2 });
    let loads = 0;
    const body = (text: string) => async (): Promise<Buffer> => {
      loads += 1;
      return Buffer.from(text);
    };
    const m1 = await cache.manifest('k1', body('#EXTM3U\n'));
    const again = await cache.manifest('k1', body('other'));
    expect(again.body.toString()).toBe('#EXTM3U\n');
    expect(m1.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(loads).toBe(1);
    const m2 = await cache.manifest('k2', body('#EXTM3U\n#other\n'));
    expect(m2.etag).not.toBe(m1.etag);
    await expect(cache.manifest('k3', async () => Promise.reject(new Error('missing')))).rejects.toThrow('missing');
    expect((await cache.manifest('k3', body('late'))).body.toString()).toBe('late');
  });

  it('evicts the least recently used body past its limit', async () => {
    const cache = new PlaybackCache({ maxManifests: 2 });
    let loads = 0;
    const load = async (): Promise<Buffer> => {
      loads += 1;
      return Buffer.from(String(loads));
    };
    await cache.manifest('a', load);
    await cache.manifest('b', load);
    await cache.manifest('a', load); // a is now the most recent
    await cache.manifest('c', load); // evicts b
    expect(loads).toBe(3);
    await cache.manifest('a', load);
    expect(loads).toBe(3);
    await cache.manifest('b', load);
    expect(loads).toBe(4);
  });
});
