import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectNotFoundError, StorageKeyError } from '../../storage/port.ts';
import { storeKinds, type TestStore } from '../support/stores.ts';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.each(Object.keys(storeKinds) as Array<keyof typeof storeKinds>)('ObjectStore conformance: %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await storeKinds[kind]();
  });
  afterAll(async () => {
    await t.close();
  });

  it('round-trips a streamed multi-part body byte for byte', async () => {
    // 19 MiB crosses lib-storage's 8 MiB part size, so the S3 adapter goes multipart.
    const data = randomBytes(19 * 1024 * 1024);
    const chunks = Array.from({ length: 19 }, (_, i) => data.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
    await t.store.put('roundtrip/big.bin', Readable.from(chunks));
    expect((await t.store.head('roundtrip/big.bin'))?.sizeBytes).toBe(data.length);
    const back: Buffer[] = [];
    for await (const c of await t.store.stream('roundtrip/big.bin')) back.push(c as Buffer);
    expect(sha256(Buffer.concat(back))).toBe(sha256(data));
  });

  it('serves byte ranges', async () => {
    await t.store.put('roundtrip/small.txt', 'hello, vodforge');
    const parts: Buffer[] = [];
    for await (const c of await t.store.stream('roundtrip/small.txt', { start: 7, end: 14 })) parts.push(c as Buffer);
    expect(Buffer.concat(parts).toString()).toBe('vodforge');
  });

  it('pages through a listing of more than 1,000 keys', async () => {
    const n = 1105;
    const keys = Array.from({ length: n }, (_, i) => `many/k${String(i).padStart(5, '0')}`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(keys.slice(i, i + 50).map((k) => t.store.put(k, Buffer.from(k))));
    }
    const listed: string[] = [];
    for await (const o of t.store.list('many/')) listed.push(o.key);
    expect(listed).toEqual(keys);
    expect(await t.store.deletePrefix('many/')).toBe(n);
    const after: string[] = [];
    for await (const o of t.store.list('many/')) after.push(o.key);
    expect(after).toEqual([]);
  });

  it('reports missing objects with a typed error and rejects traversal keys', async () => {
    await expect(t.store.get('nope/missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    expect(await t.store.head('nope/missing')).toBeUndefined();
    await expect(t.store.put('../escape', 'x')).rejects.toBeInstanceOf(StorageKeyError);
    await expect(t.store.put('a/../../b', 'x')).rejects.toBeInstanceOf(StorageKeyError);
  });

  it('gives ffmpeg a readable location for an object', async () => {
    await t.store.put('loc/a.txt', 'abc');
    const loc = await t.store.readableLocation('loc/a.txt');
    if (loc.startsWith('http')) {
      const res = await fetch(loc);
      expect(await res.text()).toBe('abc');
    } else {
      const { readFile } = await import('node:fs/promises');
      expect(await readFile(loc, 'utf8')).toBe('abc');
    }
  });
});
