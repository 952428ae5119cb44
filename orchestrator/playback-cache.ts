import { createHash } from 'node:crypto';

/**
 * What the manifest hot path keeps in memory, so a playlist request costs neither a Redis
 * round trip nor a storage read.
 *
 * Why this is safe: a ready title never changes. Its output sits under a versioned prefix
 * (source hash + settings), manifests are written before the title turns ready, and a ready
 * title never moves again (the state machine refuses). So a manifest body keyed by its full
 * storage key is immutable and can be kept until evicted. What can change is whether the
 * title still exists: the title → prefix lookup is reused only for `titleTtlMs`, which bounds
 * how long a deleted title keeps answering from one API process (and each replica has its
 * own cache, so no cross-process invalidation is needed).
 */
export interface PlaybackCacheOptions {
  /** How long a ready title's published prefix is reused before asking Redis again, in ms. @defaultValue 1000 */
  readonly titleTtlMs?: number;
  /** Ready titles remembered at once. @defaultValue 10000 */
  readonly maxTitles?: number;
  /** Manifest bodies kept (multivariant, MPD, media playlists). @defaultValue 5000 */
  readonly maxManifests?: number;
  /** Bodies larger than this, in bytes, are served without being kept. @defaultValue 1 MiB */
  readonly maxManifestBytes?: number;
}

/** Where a ready title's files are, and which revision of its manifests is current. */
export interface PublishedTitle {
  readonly prefix: string;
  readonly revision: number;
}

export interface CachedManifest {
  readonly body: Buffer;
  /** Strong validator over the body, quoted as the header wants it. */
  readonly etag: string;
}

/** A Map used as an LRU: a hit moves the key to the back, inserts past the limit drop the front. */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }
}

export class PlaybackCache {
  private readonly titleTtlMs: number;
  private readonly maxManifestBytes: number;
  /** Promises, so concurrent misses for one title share one lookup. */
  private readonly prefixes: Lru<string, { prefix: Promise<PublishedTitle>; at: number }>;
  private readonly manifests: Lru<string, Promise<CachedManifest>>;

  constructor(options: PlaybackCacheOptions = {}) {
    this.titleTtlMs = options.titleTtlMs ?? 1000;
    this.maxManifestBytes = options.maxManifestBytes ?? 1024 * 1024;
    this.prefixes = new Lru(options.maxTitles ?? 10_000);
    this.manifests = new Lru(options.maxManifests ?? 5000);
  }

  /**
   * The published prefix of a ready title. `load` asks the title store and throws for a
   * missing or unready title; failures are never kept, so a title that turns ready is
   * served at once.
   */
  publishedPrefix(id: string, load: () => Promise<PublishedTitle>): Promise<PublishedTitle> {
    const hit = this.prefixes.get(id);
    if (hit !== undefined && performance.now() - hit.at < this.titleTtlMs) return hit.prefix;
    const prefix = load();
    this.prefixes.set(id, { prefix, at: performance.now() });
    prefix.catch(() => this.prefixes.delete(id));
    return prefix;
  }

  /** A manifest body by its full storage key (which includes the title's version). */
  manifest(key: string, load: () => Promise<Buffer>): Promise<CachedManifest> {
    const hit = this.manifests.get(key);
    if (hit !== undefined) return hit;
    const entry = load().then((body) => {
      if (body.length > this.maxManifestBytes) this.manifests.delete(key);
      return { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
    });
    this.manifests.set(key, entry);
    entry.catch(() => this.manifests.delete(key));
    return entry;
  }
}
