import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startRedisServer, type RedisServer } from '../../orchestrator/runtime/children.ts';
import { TitleStore } from '../../titles/store.ts';

/**
 * The titles list, newest first, on a real redis-server: titles created within one
 * millisecond (or after the clock was set back) still list in the order they were created,
 * not by their random ids.
 */
describe('the index of titles', () => {
  let dir: string;
  let redis: RedisServer;
  let conn: Redis;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-index-'));
    redis = await startRedisServer(dir);
    conn = new Redis(redis.url);
  }, 60_000);
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    conn?.disconnect();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists titles created in one millisecond newest first', async () => {
    const store = new TitleStore(conn, `vf-${randomUUID()}`);
    // Only Date is frozen: every create reads the same millisecond; Redis I/O runs as usual.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-03T12:00:00.000Z') });
    const ids = Array.from({ length: 12 }, () => randomUUID());
    for (const [i, id] of ids.entries()) await store.create(id, `t${i}`, 'uploading');
    const { titles, total } = await store.list(0, 20);
    expect(total).toBe(12);
    expect(titles.map((t) => t.id)).toEqual([...ids].reverse());
  });

  it('lists a title created after the clock was set back as the newest', async () => {
    const store = new TitleStore(conn, `vf-${randomUUID()}`);
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-03T12:00:00.000Z') });
    await store.create('before', 'before', 'uploading');
    vi.setSystemTime(new Date('2026-12-03T11:00:00.000Z'));
    await store.create('after', 'after', 'uploading');
    expect((await store.list(0, 10)).titles.map((t) => t.id)).toEqual(['after', 'before']);
  });
});
