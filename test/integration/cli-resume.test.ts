/**
 * `vodforge ingest` as content ops run it over a link that drops: the CLI as a child process,
 * talking to the API through a proxy that cuts its connections. It resumes by itself across cuts
 * and a restart of the API, picks an interrupted upload up again with `--resume` (same title,
 * from where it stopped), and refuses to call a master good when its SHA-256 is not the file's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type ApiHandle } from '../../orchestrator/runtime/services.ts';
import { getTitle } from '../support/api.ts';
import { randomCuts, startCuttingProxy } from '../support/cutting-proxy.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const BIN = path.resolve('bin/vodforge.mjs');
const MIB = 1024 * 1024;
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Run {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

describe('vodforge ingest over a link that drops', () => {
  let stack: TestStack;
  let base: string;
  let dir: string;
  let cache: string;

  const ingest = (api: string, file: string, ...extra: string[]): Run => {
    const child = spawn(process.execPath, [BIN, 'ingest', file, '--api', api, '--chunk-mib', '2', ...extra], {
      env: { ...process.env, VODFORGE_API_KEY: stack.adminKey, XDG_CACHE_HOME: cache },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    return { child, done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) };
  };
  const titleIdOf = (stdout: string): string => /^title (\S+): /m.exec(stdout)?.[1] ?? '';
  const master = async (name: string, bytes: number): Promise<{ file: string; data: Buffer }> => {
    const data = randomBytes(bytes);
    const file = path.join(dir, name);
    await writeFile(file, data);
    return { file, data };
  };
  /**
   * An ingest killed (SIGKILL) once the API holds at least half the file. The CLI sends one
   * 2 MiB chunk at a time, each once the one before is acknowledged, so bytes a chunk past the
   * half through the proxy mean the chunk that ends at the half was acknowledged. Bytes just
   * past the half alone may be the end of a chunk the API had not acknowledged when the CLI died.
   */
  const killedHalfway = async (proxy: { url: string; bytesUp(): number }, file: string, bytes: number): Promise<void> => {
    const first = ingest(proxy.url, file);
    await waitFor('half the master and a chunk to go up', () => proxy.bytesUp() > bytes / 2 + 2 * MIB, { intervalMs: 20 });
    first.child.kill('SIGKILL');
    await first.done;
  };
  const states = async (): Promise<string[]> => readdir(path.join(cache, 'vodforge', 'uploads')).catch(() => []);

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 0 });
    base = await stack.listen();
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-cli-resume-'));
    cache = path.join(dir, 'cache');
  });
  afterAll(async () => {
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('resumes by itself after its connection is cut three times, and the master is the file', async () => {
    const { file, data } = await master('cut.bin', 24 * MIB);
    const proxy = await startCuttingProxy(base, randomCuts(3, 0.15 * data.length, 0.9 * data.length, 3 * MIB));
    try {
      const r = await ingest(proxy.url, file).done;
      expect(r.stderr).toMatch(/resumed at/);
      expect(r.code, r.stderr).toBe(0);
      expect(proxy.cuts()).toBe(3);
      // At most the 2 MiB chunk in flight is sent again per cut.
      expect(proxy.bytesUp()).toBeLessThan(data.length + 3 * 2 * MIB + MIB);
      const title = await getTitle(stack.api.app, titleIdOf(r.stdout));
      expect(title).toMatchObject({ state: 'queued', source: { sizeBytes: data.length, sha256: sha256(data) } });
      expect(await states()).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('rides out a restart of the API mid-upload', async () => {
    const { file, data } = await master('restart.bin', 16 * MIB);
    let api: ApiHandle = await createApi(stack.config, stack.redis.url, false);
    const listen = async (a: ApiHandle): Promise<string> => {
      await a.app.listen({ port: 0, host: '127.0.0.1' });
      const address = a.app.server.address();
      return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    };
    const proxy = await startCuttingProxy(await listen(api));
    try {
      const run = ingest(proxy.url, file);
      await waitFor('a third of the master to go up', () => proxy.bytesUp() > data.length / 3, { intervalMs: 20 });
      // The API goes away (its connections with it) and comes back as a new process would: nothing in memory.
      proxy.dropAll();
      await api.close();
      api = await createApi(stack.config, stack.redis.url, false);
      proxy.retarget(await listen(api));
      const r = await run.done;
      expect(r.code, r.stderr).toBe(0);
      expect((await getTitle(stack.api.app, titleIdOf(r.stdout))).source?.sha256).toBe(sha256(data));
    } finally {
      await proxy.close();
      await api.close();
    }
  }, 120_000);

  it('picks an interrupted upload up again with --resume: same title, from where it stopped', async () => {
    const { file, data } = await master('resume.bin', 24 * MIB);
    const proxy = await startCuttingProxy(base);
    try {
      await killedHalfway(proxy, file, data.length);
      expect(await states()).toHaveLength(1);
      const sentBefore = proxy.bytesUp();
      const r = await ingest(proxy.url, file, '--resume').done;
      expect(r.code, r.stderr).toBe(0);
      const resumedAt = /resumed at ([\d.]+) MiB of 24.0 MiB/.exec(r.stderr);
      expect(Number(resumedAt?.[1])).toBeGreaterThanOrEqual(12);
      // The second run sent about the half left, not the whole file again.
      expect(proxy.bytesUp() - sentBefore).toBeLessThan(data.length * 0.6);
      const titles = (await stack.api.app.inject({ method: 'GET', url: '/v1/titles?limit=500' })).json<{ titles: { name: string }[] }>();
      expect(titles.titles.filter((t) => t.name === 'resume.bin')).toHaveLength(1);
      expect((await getTitle(stack.api.app, titleIdOf(r.stdout))).source?.sha256).toBe(sha256(data));
      expect(await states()).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('fails with VF_MASTER_CHECKSUM_MISMATCH when the master stored is not the file (it changed between runs)', async () => {
    const { file, data } = await master('changed.bin', 24 * MIB);
    const proxy = await startCuttingProxy(base);
    try {
      await killedHalfway(proxy, file, data.length);
      // Same size and same first and last MiB (the same fingerprint), one byte different in what was sent.
      const fh = await open(file, 'r+');
      await fh.write(Buffer.from([(data[4 * MIB] ?? 0) ^ 0xff]), 0, 1, 4 * MIB);
      await fh.close();
      const r = await ingest(proxy.url, file, '--resume', '--json').done;
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed', error: { code: 'VF_MASTER_CHECKSUM_MISMATCH' } });
    } finally {
      await proxy.close();
    }
  }, 120_000);
});
