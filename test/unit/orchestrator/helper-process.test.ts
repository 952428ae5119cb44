import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperCrashedError, HelperProcess } from '../../../orchestrator/runtime/helper-process.ts';

/** Helpers as plain .mjs children (the real ones register tsx first; the protocol is the same). */
describe('HelperProcess', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-helper-'));
    await writeFile(
      path.join(dir, 'echo.mjs'),
      `import os from 'node:os';
process.on('message', (m) =>
  process.send({
    id: m.id,
    rssBytes: process.memoryUsage.rss(),
    result: { echoed: m.req, env: Object.keys(process.env).sort(), nice: os.getPriority() }
  }));
process.on('disconnect', () => process.exit(0));`,
    );
    await writeFile(path.join(dir, 'crash.mjs'), "process.on('message', () => process.abort());");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('answers requests in a child that gets no secrets and runs niced when in the background', async () => {
    process.env.VF_TEST_SECRET = 'do-not-pass';
    const helper = new HelperProcess<{ n: number }, { echoed: { n: number }; env: string[]; nice: number }>({
      name: 'echo',
      entry: pathToFileURL(path.join(dir, 'echo.mjs')),
      env: { EXTRA: '1' },
      background: true,
    });
    try {
      const r = await helper.request({ n: 7 });
      expect(r.echoed).toEqual({ n: 7 });
      expect(r.env).toContain('EXTRA');
      expect(r.env).not.toContain('VF_TEST_SECRET');
      expect(
        r.env.filter((k) => !['EXTRA', 'PATH', 'HOME', 'TMPDIR', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE'].includes(k)),
      ).toEqual([]);
      expect(r.nice).toBe(19);
    } finally {
      delete process.env.VF_TEST_SECRET;
      await helper.close();
    }
  });

  it('fails the request a crashing helper held with HelperCrashedError, and starts a new one for the next', async () => {
    const helper = new HelperProcess<object, unknown>({ name: 'crash', entry: pathToFileURL(path.join(dir, 'crash.mjs')) });
    try {
      const err = await helper.request({}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HelperCrashedError);
      expect((err as HelperCrashedError).signal).toBe('SIGABRT');
      await expect(helper.request({})).rejects.toBeInstanceOf(HelperCrashedError);
    } finally {
      await helper.close();
    }
  });
});
