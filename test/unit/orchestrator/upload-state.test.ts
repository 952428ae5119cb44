import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../orchestrator/config.ts';
import { fingerprintOf, stateDir, UploadStates } from '../../../orchestrator/cli/upload-state.ts';

const MIB = 1024 * 1024;

describe('the CLI upload state', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-state-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fingerprints a file by its size and both ends, not its middle', async () => {
    const a = Buffer.alloc(3 * MIB, 1);
    const b = Buffer.from(a);
    b[Math.floor(1.5 * MIB)] = 2;
    const c = Buffer.from(a);
    c[a.length - 1] = 2;
    const files = await Promise.all(
      [a, b, c, a.subarray(1), Buffer.from('tiny')].map(async (data, i) => {
        const f = path.join(dir, `f${i}`);
        await writeFile(f, data);
        return f;
      }),
    );
    const [fa, fb, fc, fd, fe] = await Promise.all(files.map((f) => fingerprintOf(f)));
    expect(fa?.sizeBytes).toBe(3 * MIB);
    expect(fb?.fingerprint).toBe(fa?.fingerprint);
    expect(fc?.fingerprint).not.toBe(fa?.fingerprint);
    expect(fd?.fingerprint).not.toBe(fa?.fingerprint);
    expect(fe?.sizeBytes).toBe(4);
  });

  it('keeps one state per file and API, under the cache dir', async () => {
    expect(stateDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/vodforge/uploads');
    const states = new UploadStates(path.join(dir, 'states'));
    const state = { api: 'http://a:1', titleId: 't1', sizeBytes: 5, uploadUrl: 'http://a:1/v1/uploads/x', updatedAt: 'now' };
    await states.save('fp', state);
    expect(await states.load('http://a:1/', 'fp')).toEqual(state);
    expect(await states.load('http://b:1', 'fp')).toBeUndefined();
    await states.remove('http://a:1', 'fp');
    expect(await states.load('http://a:1', 'fp')).toBeUndefined();
  });

  it('reads VF_UPLOAD_EXPIRY_S where it enters, naming the value it refuses', () => {
    expect(loadConfig({}).uploadExpiryS).toBeUndefined();
    expect(loadConfig({ VF_UPLOAD_EXPIRY_S: '3600' }).uploadExpiryS).toBe(3600);
    expect(() => loadConfig({ VF_UPLOAD_EXPIRY_S: '-1' })).toThrow('Expected VF_UPLOAD_EXPIRY_S to be a positive integer, got "-1"');
  });
});
