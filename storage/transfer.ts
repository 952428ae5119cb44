import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from './port.ts';

/** Copies an object to a local file, streaming. */
export async function downloadToFile(store: ObjectStore, key: string, file: string): Promise<void> {
  await pipeline(await store.stream(key), createWriteStream(file));
}

export async function uploadFile(store: ObjectStore, file: string, key: string, contentType?: string): Promise<void> {
  // Opened before the store reads it. A stream opening the file itself emitted ENOENT while the
  // store was still making its directory, with no listener yet: an uncaught exception in the
  // worker (seen in CI when a test stack's teardown removed a job's scratch). Now a missing file
  // rejects here, and once open the descriptor holds it whatever happens to its directory.
  const handle = await open(file, 'r');
  const body = handle.createReadStream();
  try {
    await store.put(key, body, contentType === undefined ? {} : { contentType });
  } finally {
    body.destroy();
  }
}

/**
 * Runs `fn` over items with at most `limit` in flight. On the first failure no further item is
 * started, and the promise rejects with that failure once the calls in flight have settled: a
 * caller that cleans up after it (a scratch directory its ffmpegs write to) never races them.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && failure === undefined) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(lanes);
  if (failure !== undefined) throw failure.error;
  return results;
}

export const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  m4s: 'video/iso.segment',
  vtt: 'text/vtt; charset=utf-8',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  json: 'application/json',
};

export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}

/** Hex SHA-256 of an object, streamed (never held in memory). */
export async function sha256OfObject(store: ObjectStore, key: string): Promise<string> {
  const h = createHash('sha256');
  for await (const part of await store.stream(key)) h.update(part as Buffer);
  return h.digest('hex');
}
