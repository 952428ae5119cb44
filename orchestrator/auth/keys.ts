import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ROLES, type Role } from './roles.ts';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
}

/**
 * A key's SHA-256. Keys are 256 random bits, so a fast hash is enough to make a leaked Redis
 * dump useless (there is nothing to brute-force); a password KDF would only slow requests.
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

const KEY_PATTERN = /^vf_[A-Za-z0-9_-]{43}$/;

/** API keys in Redis, stored by hash only: the key itself is shown once, when it is made. */
export class ApiKeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get hashKeyName(): string {
    return `${this.prefix}:apikeys`;
  }

  async create(role: Role, name: string): Promise<{ key: string; record: ApiKeyRecord }> {
    if (!ROLES.includes(role)) throw new RangeError(`Expected role to be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`);
    const key = `vf_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = { id: randomUUID(), name, role, createdAt: new Date().toISOString() };
    await this.redis.hset(this.hashKeyName, hashKey(key), JSON.stringify(record));
    return { key, record };
  }

  /** The record of a presented key, or `undefined` for an unknown or malformed one. */
  async verify(key: string): Promise<ApiKeyRecord | undefined> {
    if (!KEY_PATTERN.test(key)) return undefined;
    const digest = hashKey(key);
    const raw = await this.redis.hget(this.hashKeyName, digest);
    if (raw === null) return undefined;
    // The lookup is by hash already; compare again in constant time for good measure.
    return timingSafeEqual(Buffer.from(digest), Buffer.from(hashKey(key))) ? (JSON.parse(raw) as ApiKeyRecord) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const all = await this.redis.hvals(this.hashKeyName);
    return all.map((r) => JSON.parse(r) as ApiKeyRecord).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async count(): Promise<number> {
    return this.redis.hlen(this.hashKeyName);
  }

  async revoke(id: string): Promise<boolean> {
    const entries = await this.redis.hgetall(this.hashKeyName);
    for (const [digest, raw] of Object.entries(entries)) {
      if ((JSON.parse(raw) as ApiKeyRecord).id === id) return (await this.redis.hdel(this.hashKeyName, digest)) === 1;
    }
    return false;
  }
}
