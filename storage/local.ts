import { createReadStream, createWriteStream, type Dirent } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import type { DataStore } from '@tus/utils';
import { assertValidKey, ObjectNotFoundError, type ObjectInfo, type ObjectStore } from './port.ts';

const TMP_SUFFIX = '.vf-partial';

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'ENOENT';
}

/**
 * Storage in a local directory: the embedded default for one machine. Writes go to a
 * temporary sibling and are renamed into place, so a reader never sees half an object,
 * the same guarantee S3 gives for a PUT.
 */
export class LocalObjectStore implements ObjectStore {
  readonly describe: string;
  constructor(private readonly root: string) {
    this.describe = `file://${path.resolve(root)}`;
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Buffer | string | Readable): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${randomUUID()}${TMP_SUFFIX}`;
    try {
      const source = body instanceof Readable ? body : Readable.from([typeof body === 'string' ? Buffer.from(body) : body]);
      await pipeline(source, createWriteStream(tmp));
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async stream(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const file = this.pathOf(key);
    if ((await this.head(key)) === undefined) throw new ObjectNotFoundError(key);
    return createReadStream(
      file,
      range === undefined ? {} : { start: range.start, ...(range.end === undefined ? {} : { end: range.end }) },
    );
  }

  async head(key: string): Promise<{ sizeBytes: number } | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { sizeBytes: s.size } : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    // Walk the deepest directory the prefix fully names, then filter by the full prefix, so
    // prefixes that end mid-name ("titles/ab") behave as S3's do.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (dirPart !== '') assertValidKey(dirPart);
    const start = path.join(this.root, ...dirPart.split('/').filter(Boolean));
    const keys: ObjectInfo[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      for (const e of entries) {
        const key = keyPrefix === '' ? e.name : `${keyPrefix}/${e.name}`;
        if (e.isDirectory()) await walk(path.join(dir, e.name), key);
        else if (e.isFile() && !e.name.endsWith(TMP_SUFFIX) && key.startsWith(prefix)) {
          // Deleted since the directory was read (a sweep of expired upload parts running beside
          // the listing): gone, as S3 lists it, not an error.
          const size = await stat(path.join(dir, e.name)).then(
            (st) => st.size,
            (err: unknown) => {
              if (isNotFound(err)) return undefined;
              throw err;
            },
          );
          if (size !== undefined) keys.push({ key, sizeBytes: size });
        }
      }
    };
    await walk(start, dirPart);
    // S3 lists in UTF-8 binary key order; keep the same order so callers can rely on it.
    keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    yield* keys;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    let n = 0;
    for await (const o of this.list(prefix)) {
      await this.delete(o.key);
      n += 1;
    }
    return n;
  }

  async readableLocation(key: string): Promise<string> {
    const file = this.pathOf(key);
    if ((await this.head(key)) === undefined) throw new ObjectNotFoundError(key);
    return path.resolve(file);
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await stat(this.root);
  }

  /**
   * tus's FileStore on the storage directory: an upload's bytes are appended in place at its
   * key (the reader-never-sees-half guarantee of `put` does not hold there, which is why the
   * API publishes that key as a master only once the upload is complete), its record beside
   * them as `<key>.json`.
   */
  async resumableUploads(): Promise<DataStore> {
    const { FileStore } = await import('@tus/file-store');
    await mkdir(this.root, { recursive: true });
    return new FileStore({ directory: this.root });
  }
}
