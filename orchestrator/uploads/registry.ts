import type { Redis } from 'ioredis';

/**
 * Unfinished uploads, by when they last moved, in Redis so every API process sees the same:
 * what expires an upload is how long it has been left alone, not how old it is (a 50 GiB master
 * over a slow link may take a day and never stop moving). An expired upload leaves a tombstone
 * for a week, so a client that comes back to it is told 410 Gone rather than 404.
 * Members are `tus:<storage key>` or `direct:<title>:<upload id>`.
 */
export class UploadRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get activityKey(): string {
    return `${this.prefix}:uploads:activity`;
  }
  private tombstoneKey(member: string): string {
    return `${this.prefix}:uploads:expired:${member}`;
  }

  /** Records that the upload moved (was created, or stored bytes) at `atMs`. */
  async touch(member: string, atMs = Date.now()): Promise<void> {
    await this.redis.zadd(this.activityKey, atMs, member);
  }

  /** When the upload last moved, in ms since the epoch; `undefined` once it is finished or forgotten. */
  async lastActivity(member: string): Promise<number | undefined> {
    const s = await this.redis.zscore(this.activityKey, member);
    return s === null ? undefined : Number(s);
  }

  /** The upload is finished (or removed): it no longer expires. Whether it was listed. */
  async forget(member: string): Promise<boolean> {
    return (await this.redis.zrem(this.activityKey, member)) === 1;
  }

  /** Unfinished uploads that have not moved since `cutoffMs`, oldest first. */
  async idleSince(cutoffMs: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.activityKey, '-inf', cutoffMs, 'LIMIT', 0, limit);
  }

  /** Unfinished uploads whose member starts with `start` (a title's, on its deletion). */
  async startingWith(start: string): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.zscan(
        this.activityKey,
        cursor,
        'MATCH',
        `${start.replace(/[*?[\]\\]/g, '\\$&')}*`,
        'COUNT',
        200,
      );
      cursor = next;
      for (let i = 0; i < batch.length; i += 2) out.push(batch[i]!);
    } while (cursor !== '0');
    return out;
  }

  /** Takes an idle upload off the list and leaves its tombstone; false when another process took it first. */
  async expire(member: string, tombstoneS = 7 * 86_400): Promise<boolean> {
    const [[, removed]] = ((await this.redis
      .multi()
      .zrem(this.activityKey, member)
      .set(this.tombstoneKey(member), '1', 'EX', tombstoneS)
      .exec()) ?? [[null, 0]]) as [[unknown, number]];
    return removed === 1;
  }

  async isExpired(member: string): Promise<boolean> {
    return (await this.redis.exists(this.tombstoneKey(member))) === 1;
  }
}
