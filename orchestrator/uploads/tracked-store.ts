import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataStore, ERRORS, Upload, type Locker } from '@tus/utils';
import { assertValidKey } from '../../storage/port.ts';
import { checksumHash, type ExpectedChecksum } from './checksum.ts';
import type { UploadHashes } from './hashes.ts';
import type { UploadRegistry } from './registry.ts';
import { CHECKSUM_MISMATCH } from './tus-errors.ts';

/** The `Upload-Checksum` of the request being served, set by the route around the tus server's handling of it. */
export const requestChecksum = new AsyncLocalStorage<ExpectedChecksum>();

/** A resumable upload's member in the registry. */
export const tusMember = (key: string): string => `tus:${key}`;

export interface TrackedStoreOptions {
  /** How long an unfinished upload may be left alone before it expires, in ms. */
  readonly expiryMs: number;
  /** Where a request's body waits while its checksum is verified (the API's scratch directory). */
  readonly spoolDir: string;
  /** Takes an expired upload's lock before deleting it, so no request is writing to it meanwhile. */
  readonly locker: Locker;
  /** Told the new offset each time bytes are stored. */
  readonly onStored?: (key: string, offset: number) => void;
}

/**
 * The adapter's tus DataStore (see ObjectStore.resumableUploads) with what vodforge adds around
 * it: the checksum extension (a body with `Upload-Checksum` is spooled and verified before any
 * of it is stored: parts that reach the store are whole and right, so a 460 has nothing to undo),
 * the SHA-256 of the master taken as its bytes pass (hashes.ts), and expiry by idle time in
 * Redis (registry.ts) instead of the library's age since creation.
 */
export class TrackedStore extends DataStore {
  constructor(
    private readonly inner: DataStore,
    private readonly registry: UploadRegistry,
    private readonly hashes: UploadHashes,
    private readonly options: TrackedStoreOptions,
  ) {
    super();
    // Upload-Defer-Length is left out: a master's size is known, and the size limit needs it up front.
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration', 'checksum'];
  }

  override async create(upload: Upload): Promise<Upload> {
    assertValidKey(upload.id);
    const created = await this.inner.create(upload);
    await this.registry.touch(tusMember(upload.id));
    return created;
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const expected = requestChecksum.getStore();
    return expected === undefined ? this.writeCounted(readable, id, offset) : this.writeVerified(readable, id, offset, expected);
  }

  /** Hands the bytes to the store, hashing them on the way; the hash is kept only if the store kept exactly them. */
  private async writeCounted(readable: Readable, id: string, offset: number): Promise<number> {
    const hash = this.hashes.take(id, offset);
    let counted = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        counted += chunk.length;
        hash?.update(chunk);
        cb(null, chunk);
      },
    });
    readable.once('error', (err) => meter.destroy(err));
    readable.pipe(meter);
    try {
      const stored = await this.inner.write(meter, id, offset);
      if (hash !== undefined && counted === stored - offset) this.hashes.keep(id, stored, hash);
      this.options.onStored?.(id, stored);
      return stored;
    } finally {
      // Even a failed write may have stored bytes: the upload moved.
      await this.registry.touch(tusMember(id)).catch(() => undefined);
    }
  }

  private async writeVerified(readable: Readable, id: string, offset: number, expected: ExpectedChecksum): Promise<number> {
    const spool = path.join(this.options.spoolDir, `tus-${randomUUID()}.part`);
    const hash = checksumHash(expected);
    try {
      const digest = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      await pipeline(readable, digest, createWriteStream(spool, { flags: 'wx', mode: 0o600 }));
      // A body cut short lands here too: it cannot match, and none of it is kept.
      if (!hash.digest().equals(expected.digest)) throw CHECKSUM_MISMATCH;
      return await this.writeCounted(createReadStream(spool), id, offset);
    } finally {
      await rm(spool, { force: true });
    }
  }

  /**
   * The library expires an upload `getExpiration()` after its `creation_date`: handing it the
   * time the upload last moved instead makes that an idle time. A completed upload never expires.
   */
  override async getUpload(id: string): Promise<Upload> {
    if (await this.registry.isExpired(tusMember(id))) throw ERRORS.FILE_NO_LONGER_EXISTS;
    const u = await this.inner.getUpload(id);
    const complete = u.size !== undefined && u.offset === u.size;
    const lastMs = complete ? Date.now() : await this.registry.lastActivity(tusMember(id));
    return new Upload({
      id: u.id,
      offset: u.offset,
      ...(u.size === undefined ? {} : { size: u.size }),
      ...(u.metadata === undefined ? {} : { metadata: u.metadata }),
      ...(u.storage === undefined ? {} : { storage: u.storage }),
      ...(lastMs !== undefined
        ? { creation_date: new Date(lastMs).toISOString() }
        : u.creation_date === undefined
          ? {}
          : { creation_date: u.creation_date }),
    });
  }

  override async remove(id: string): Promise<void> {
    this.hashes.drop(id);
    await this.inner.remove(id);
    await this.registry.forget(tusMember(id));
  }

  override getExpiration(): number {
    return this.options.expiryMs;
  }

  /**
   * Deletes the parts of every unfinished upload idle past the expiry, each under its lock and
   * after a second look (it may have moved since it was listed), leaving a tombstone so a
   * client that comes back is told 410. A complete upload is never deleted here: it is, or is
   * about to be, a title's master.
   */
  override async deleteExpired(): Promise<number> {
    const cutoff = Date.now() - this.options.expiryMs;
    this.hashes.pruneIdle(cutoff);
    let deleted = 0;
    for (const member of await this.registry.idleSince(cutoff)) {
      if (!member.startsWith('tus:')) continue;
      const key = member.slice(4);
      const lock = this.options.locker.newLock(key);
      try {
        await lock.lock(new AbortController().signal, () => undefined);
      } catch {
        continue; // being written to: not idle
      }
      try {
        if (((await this.registry.lastActivity(member)) ?? Number.POSITIVE_INFINITY) > cutoff) continue;
        const u = await this.inner.getUpload(key).catch(() => undefined);
        if (u !== undefined && u.size !== undefined && u.offset === u.size) {
          await this.registry.forget(member);
          continue;
        }
        if (!(await this.registry.expire(member))) continue;
        this.hashes.drop(key);
        await this.inner.remove(key).catch(() => undefined);
        deleted += 1;
      } finally {
        await lock.unlock();
      }
    }
    return deleted;
  }
}
