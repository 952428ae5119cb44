import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '../../orchestrator/runtime/children.ts';
import { connectedProducer, createFlowProducer, createQueue, QUEUE_NAME } from '../../pipeline/queue.ts';
import { chunkPriority, encodeFlow, unturnedPriority } from '../../pipeline/graph.ts';
import { shareTurns } from '../../pipeline/turns.ts';
import { readQueueOrder, titleOfJobId } from '../../pipeline/queue-place.ts';
import { encodeLayout, type EncodeChunkJobData, type PackageJobData } from '../../pipeline/types.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../ffmpeg/encode-settings.ts';

/**
 * Teams sharing a fleet take turns: on a real queue (redis-server, BullMQ; no worker, so the
 * order is the one a free worker would take), one team's many titles do not make another
 * team's one title wait for all of them, and each team's own titles still take turns by round.
 */
describe('teams take turns on the fleet', () => {
  let dir: string;
  let redis: RedisServer;
  let conn: Redis;
  let queue: Queue;
  let flow: FlowProducer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-turns-'));
    redis = await startRedisServer(dir);
    conn = await connectedProducer(redis.url);
    queue = createQueue(conn, 'vf-turns');
    flow = createFlowProducer(conn, 'vf-turns');
  }, 60_000);

  afterAll(async () => {
    await flow?.close();
    await queue?.close();
    conn?.disconnect();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Queues a title of `chunks` 30 s chunks (one round each) for `uploader`, as enqueue-encode does. */
  async function queueTitle(uploader: string, chunks: number): Promise<string> {
    const titleId = randomUUID();
    const layout = encodeLayout(titleId, `masters/${titleId}`, 'v1');
    const settings = DEFAULT_ENCODE_SETTINGS;
    const chunkData = Array.from(
      { length: chunks },
      (_, index): EncodeChunkJobData => ({
        layout,
        chunk: { index, startFrame: index * 750, endFrame: (index + 1) * 750, firstSegment: index },
        chunkCount: chunks,
        timeline: { frameRate: { num: 25, den: 1 }, videoStartS: 0, videoOffsetS: 0 },
        durationS: chunks * 30,
        rungs: [],
        settings,
        uploader,
      }),
    );
    const pkg = {
      layout,
      chunkCount: chunks,
      rungs: [],
      durationS: chunks * 30,
      audio: [],
      subtitles: [],
      settings,
    } as unknown as PackageJobData;
    await flow.add(encodeFlow(QUEUE_NAME, pkg, chunkData, { audio: [] }));
    await shareTurns(queue, uploader, 'normal', new Set([titleId]));
    return titleId;
  }

  it("puts one team's title second behind another team's ten, and keeps each team's titles in turns by round", async () => {
    const a: string[] = [];
    for (let k = 0; k < 10; k++) a.push(await queueTitle('team-a', k === 0 ? 4 : 1));
    const b = await queueTitle('team-b', 2);
    const order = (await readQueueOrder(queue)).filter((id) => id.startsWith('chunk-')).map((id) => titleOfJobId(id));
    expect(order).toHaveLength(4 + 9 + 2);
    // Team B's first chunk ties with team A's first turn: it runs second, not after A's ten titles.
    expect(order.indexOf(b)).toBe(1);
    // Team A's short titles still go before the later rounds of its own film.
    const filmLater = order.map((t, i) => (t === a[0] ? i : -1)).filter((i) => i >= 0);
    for (const short of a.slice(1)) expect(order.indexOf(short)).toBeLessThan(filmLater[1]!);
    // B's second chunk stands at B's second turn, beside A's second.
    expect(order.lastIndexOf(b)).toBe(3);
    // Every chunk has its turn, inside the class's band.
    const prioritized = await queue.getPrioritized(0, -1);
    for (const j of prioritized) {
      expect(j.priority).toBeGreaterThanOrEqual(chunkPriority(0));
      expect(j.priority).toBeLessThan(unturnedPriority());
    }
  });
});
