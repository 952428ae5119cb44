import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';

/** Extends the lease while this lock holds it. KEYS[1] lock; ARGV[1] token; ARGV[2] lease ms. */
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface RedisLockerOptions {
  /** Key prefix (`<VF_PREFIX>:upload-lock:`). */
  readonly prefix: string;
  /** How long a lock lives unless renewed, so one held by a process that died frees itself. @defaultValue 10000 */
  readonly leaseMs?: number;
  /** How long a request waits for a lock held by another before it is refused with 423. @defaultValue 1000 */
  readonly waitMs?: number;
}

/** What a request that finds the upload locked gets: 423 Locked, which tus clients retry. */
export const LOCKED = { status_code: 423, body: 'The upload is locked by another request; retry shortly\n' } as const;

/**
 * tus's lock on an upload, in Redis so that it holds across API processes. Unlike the library's
 * MemoryLocker, a request that finds the lock taken does not ask the holder to stop: it waits a
 * moment and is refused with 423. With preemption, two clients resuming one upload take turns
 * cutting each other off and neither finishes; refused, the second retries once the first is
 * done, and its stale offset then gets 409. A holder that is really gone frees the lock anyway:
 * a closed connection ends its request at once, a half-open one after the upload route's idle
 * timeout, and a dead process's lease runs out.
 */
export class RedisLocker implements Locker {
  /** Locks this process holds: released when it shuts down, so clients need not wait for their leases. */
  private readonly held = new Set<RedisLock>();

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisLockerOptions,
  ) {}

  newLock(id: string): Lock {
    return new RedisLock(this.redis, `${this.options.prefix}${id}`, this.options.leaseMs ?? 10_000, this.options.waitMs ?? 1000, this.held);
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.held].map((l) => l.unlock()));
  }
}

class RedisLock implements Lock {
  private readonly token = randomUUID();
  private renewal: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly leaseMs: number,
    private readonly waitMs: number,
    private readonly held: Set<RedisLock>,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    for (let pauseMs = 20; ; pauseMs = Math.min(200, pauseMs * 2)) {
      if (signal.aborted) throw ERRORS.ABORTED;
      if ((await this.redis.set(this.key, this.token, 'PX', this.leaseMs, 'NX')) === 'OK') break;
      if (Date.now() >= deadline) throw LOCKED;
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    this.held.add(this);
    // Renewed while the request runs; a lease lost (Redis lost the key) stops the request, keeping what it stored.
    this.renewal = setInterval(() => {
      this.redis.eval(RENEW_LUA, 1, this.key, this.token, String(this.leaseMs)).then(
        (held) => {
          if (held !== 1) void requestRelease();
        },
        // Redis away for a moment: the lease has two more renewals before it runs out.
        () => undefined,
      );
    }, this.leaseMs / 3);
  }

  async unlock(): Promise<void> {
    clearInterval(this.renewal);
    this.held.delete(this);
    // Redis away: the lease frees the lock when it runs out.
    await this.redis.eval(RELEASE_LUA, 1, this.key, this.token).catch(() => undefined);
  }
}
