import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../../storage/local.ts';
import { uploadFile } from '../../../storage/transfer.ts';
import { tempDir } from '../../support/temp-dirs.ts';

describe('uploadFile', () => {
  it('uploads a file, and a missing one rejects instead of erroring on a stream nobody listens to', async () => {
    const dir = await tempDir('vf-upload-');
    const store = new LocalObjectStore(path.join(dir, 'store'));
    const file = path.join(dir, 'a0.m4a');
    await writeFile(file, 'sound');
    await uploadFile(store, file, 'titles/t/a0.m4a');
    expect((await store.get('titles/t/a0.m4a')).toString()).toBe('sound');
    // As when a test stack's teardown removed a job's scratch: before, an uncaught ENOENT.
    await expect(uploadFile(store, path.join(dir, 'gone', 'a0.m4a'), 'titles/t/a1.m4a')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await store.head('titles/t/a1.m4a')).toBeUndefined();
  });

  it('uploads a file whose directory is removed once it is open', async () => {
    const dir = await tempDir('vf-upload-');
    const scratch = path.join(dir, 'scratch');
    await mkdir(scratch);
    const file = path.join(scratch, 'a0.m4a');
    await writeFile(file, 'sound');
    const store = new LocalObjectStore(path.join(dir, 'store'));
    const uploading = uploadFile(store, file, 'titles/t/a0.m4a');
    await rm(scratch, { recursive: true, force: true });
    await uploading;
    expect((await store.get('titles/t/a0.m4a')).toString()).toBe('sound');
  });
});

describe('LocalObjectStore.list', () => {
  it('lists what is left while objects are deleted beside it, without failing on one gone mid-listing', async () => {
    const dir = await tempDir('vf-list-');
    const store = new LocalObjectStore(path.join(dir, 'store'));
    const keys = Array.from({ length: 400 }, (_, i) => `titles/t/source/part-${String(i).padStart(4, '0')}`);
    await Promise.all(keys.map((k) => store.put(k, 'x')));
    const listing = (async () => {
      const listed: string[] = [];
      for await (const o of store.list('titles/t/source/')) listed.push(o.key);
      return listed;
    })();
    await Promise.all(keys.map((k) => store.delete(k)));
    const listed = await listing;
    expect(listed.every((k) => keys.includes(k))).toBe(true);
  });
});
