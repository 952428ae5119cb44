import type { Readable } from 'node:stream';
import type { DataStore, KvStore } from '@tus/utils';

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
  /**
   * The tus DataStore that keeps resumable uploads in this store (orchestrator/uploads/ serves
   * the protocol). A tus upload's id is the storage key its bytes end at, so a completed upload
   * is the master itself, with no copy. Loaded on demand: only the API needs it.
   */
  resumableUploads(options?: ResumableStoreOptions): Promise<DataStore>;
  /** Multipart uploads a client makes straight to the bucket; absent where there is no bucket (local). */
  readonly directUploads?: DirectUploads;
}

export interface ResumableStoreOptions {
  /**
   * Where an adapter that reads upload records from the bucket (S3's `.info` objects) caches
   * them: one cache for every API process, so an upload removed by one is gone for all.
   * @defaultValue a cache in this process's memory
   */
  readonly metadataCache?: <T>() => KvStore<T>;
}

/** One part of a direct multipart upload, as the client reports it at completion. */
export interface UploadedPart {
  /** 1 to 10,000. */
  readonly partNumber: number;
  /** The ETag the service answered the part's PUT with. */
  readonly etag: string;
}

/**
 * Multipart uploads a client makes straight to the bucket with presigned part URLs: the process
 * that hands the URLs out never carries the bytes.
 */
export interface DirectUploads {
  /** Starts a multipart upload of `key`; returns the service's upload id. */
  create(key: string, contentType?: string): Promise<string>;
  /** A presigned URL the client PUTs part `partNumber` (from 1) to. */
  partUrl(key: string, uploadId: string, partNumber: number, expiresInS: number): Promise<string>;
  /** Assembles the parts, in part-number order, into the object at `key`. */
  complete(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void>;
  /** Drops an unfinished upload and the parts it holds. */
  abort(key: string, uploadId: string): Promise<void>;
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
