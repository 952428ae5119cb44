import type { Readable } from 'node:stream';

/** One object as a listing returns it. */
export interface ObjectInfo {
  readonly key: string;
  readonly sizeBytes: number;
}

export interface PutOptions {
  readonly contentType?: string;
  /** Bytes expected, when known; lets an adapter pick single-part vs multipart. */
  readonly sizeBytes?: number;
}

/**
 * The storage port: everything vodforge keeps outside Redis goes through it (masters,
 * chunk outputs, packaged segments, manifests, fill plans). Keys are `/`-separated, never
 * start with `/` and never contain `..` segments; adapters reject such keys.
 */
export interface ObjectStore {
  /** Human-readable location, for logs and `/health`. */
  readonly describe: string;
  put(key: string, body: Buffer | string | Readable, options?: PutOptions): Promise<void>;
  /** Whole object in memory: only for small objects (manifests, JSON). */
  get(key: string): Promise<Buffer>;
  /** Streams an object, optionally a byte range `[start, end]` inclusive as HTTP ranges are. */
  stream(key: string, range?: { readonly start: number; readonly end?: number }): Promise<Readable>;
  /** Size of an object, or `undefined` when it does not exist. */
  head(key: string): Promise<{ readonly sizeBytes: number } | undefined>;
  /** Every object under a prefix, following pagination to the end. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  delete(key: string): Promise<void>;
  /** Deletes every object under a prefix; returns how many were removed. */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * A location ffmpeg can read directly: a presigned HTTP(S) URL for S3, a file path for
   * the local adapter. Lets a chunk worker read just its time range of a master.
   */
  readableLocation(key: string, expiresInS?: number): Promise<string>;
  /** Cheap reachability probe for `/health`. */
  ping(): Promise<void>;
}

export class StorageKeyError extends Error {
  override readonly name = 'StorageKeyError';
  readonly code = 'VF_STORAGE_BAD_KEY';
  constructor(readonly key: string) {
    super(`Invalid storage key ${JSON.stringify(key)}: keys are relative, '/'-separated, without '.' or '..' segments`);
  }
}

export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
  readonly code = 'VF_STORAGE_NOT_FOUND';
  constructor(readonly key: string) {
    super(`No object at key ${JSON.stringify(key)}`);
  }
}

/** Rejects keys that could escape a prefix on a file system or confuse a listing. */
export function assertValidKey(key: string): void {
  const segments = key.split('/');
  const bad =
    key.length === 0 ||
    Buffer.byteLength(key) > 1024 ||
    key.startsWith('/') ||
    key.includes('\\') ||
    key.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new StorageKeyError(key);
}
