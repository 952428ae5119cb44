/**
 * Custom artwork as an attack on the API's memory, on a real `vodforge up` process (its own
 * heap and resident set, read from /proc by the kernel's count, not the test's): twenty
 * concurrent uploads of a 24-megapixel image keep its peak RSS bounded, and past the gate's
 * queue the API answers 503 with Retry-After instead of holding every body in memory.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../orchestrator/runtime/children.ts';
import { spawnUp, upListening, type UpProcess } from '../support/up.ts';
import { makeMaster } from '../support/media.ts';
import { waitFor } from '../support/wait.ts';

const RSS_BOUND_MB = 400;

/** VmHWM: the process's peak resident set since start, or since `clear_refs` reset it. */
function peakRssMB(pid: number): number {
  const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return (kib * 1024) / 1e6;
}

/** A PUT whose body is sent in two halves: the second only when `finish` is called. */
function slowPut(
  url: URL,
  key: string,
  body: Buffer,
): { response: Promise<{ status: number; retryAfter?: string; code?: string }>; finish: () => void } {
  const req = http.request({
    method: 'PUT',
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    headers: { 'x-api-key': key, 'content-type': 'image/png', 'content-length': String(body.length) },
  });
  // The server may close a refused request's socket while the rest of its body is unsent.
  req.on('error', () => undefined);
  const response = new Promise<{ status: number; retryAfter?: string; code?: string }>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers['retry-after'] === undefined ? {} : { retryAfter: String(res.headers['retry-after']) }),
          code: (JSON.parse(text) as { code?: string }).code,
        }),
      );
    });
  });
  req.write(body.subarray(0, body.length >> 1));
  return { response, finish: () => req.end(body.subarray(body.length >> 1)) };
}

describe('custom artwork under load, on a real API process', () => {
  let dir: string;
  let up: UpProcess;
  let api: string;
  let key: string;
  let id: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-artload-'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    up = spawnUp({ port, dataDir: path.join(dir, 'data'), workers: 1, env: { VF_LADDER_POLICY: 'fixed' } });
    await upListening(up, port);
    key = (await readFile(path.join(dir, 'data', 'admin.key'), 'utf8')).trim();
    const master = path.join(dir, 'master.mp4');
    await makeMaster(master, { width: 320, height: 180, fps: 25, durationS: 4 });
    id = (
      (await (
        await fetch(`${api}/v1/titles`, {
          method: 'POST',
          headers: { 'x-api-key': key, 'content-type': 'application/json' },
          body: '{"name":"art"}',
        })
      ).json()) as { id: string }
    ).id;
    const put = await fetch(`${api}/v1/titles/${id}/master`, {
      method: 'PUT',
      headers: { 'x-api-key': key, 'content-type': 'application/octet-stream' },
      body: await readFile(master),
    });
    expect(put.status).toBe(202);
    // Custom uploads need the title's artwork entry: the artwork job writes it.
    await waitFor(
      `the artwork entry of ${id}`,
      async () => {
        const res = await fetch(`${api}/v1/titles/${id}/artwork`, { headers: { 'x-api-key': key } });
        if (res.status !== 200 && res.status !== 202) throw new Error(`artwork: ${res.status} ${await res.text()}`);
        return res.status === 200;
      },
      { intervalMs: 200 },
    );
  }, 180_000);

  afterAll(async () => {
    if (up !== undefined && up.child.exitCode === null) {
      const exited = new Promise((r) => up.child.once('exit', r));
      up.child.kill('SIGINT');
      await exited;
    }
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it(`keeps the API's peak RSS under ${RSS_BOUND_MB} MB through 20 concurrent 24-megapixel uploads, every one accepted`, async () => {
    const image = await sharp({
      create: { width: 6000, height: 4000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
    })
      .jpeg({ quality: 85 })
      .toBuffer();
    expect(image.length).toBeGreaterThan(4 * 1024 * 1024);
    const pid = up.child.pid!;
    // The peak from here on (start-up compiles the sources and peaks on its own); where the
    // kernel refuses the reset, the mark since start is still an upper bound.
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    } catch {
      // keep the since-start mark
    }
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const res = await fetch(`${api}/v1/titles/${id}/artwork/custom`, {
          method: 'PUT',
          headers: { 'x-api-key': key, 'content-type': 'image/jpeg' },
          body: image,
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    expect(statuses).toEqual(Array(20).fill(200));
    const peak = peakRssMB(pid);
    expect(peak, `API peak RSS ${peak.toFixed(0)} MB`).toBeLessThan(RSS_BOUND_MB);
    const view = (await (await fetch(`${api}/v1/titles/${id}/artwork`, { headers: { 'x-api-key': key } })).json()) as {
      custom?: { widthPx: number; heightPx: number };
    };
    expect(view.custom).toMatchObject({ widthPx: 6000, heightPx: 4000 });
  }, 300_000);

  it('answers 503 VF_BUSY with Retry-After past one running and 32 waiting, then serves every accepted upload', async () => {
    const png = await sharp({ create: { width: 320, height: 320, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const url = new URL(`${api}/v1/titles/${id}/artwork/custom`);
    // Forty uploads that stall half-way: whichever arrives first holds the one turn reading
    // its body, 32 wait, and the other 7 are refused at once, whatever the arrival order.
    const puts = Array.from({ length: 40 }, () => slowPut(url, key, png));
    const refused: { status: number; retryAfter?: string; code?: string }[] = [];
    await new Promise<void>((resolve) => {
      for (const p of puts)
        void p.response.then((r) => {
          if (r.status === 503) refused.push(r);
          if (refused.length === 7) resolve();
        });
    });
    expect(refused.every((r) => r.code === 'VF_BUSY' && Number(r.retryAfter) > 0)).toBe(true);
    for (const p of puts) p.finish();
    const all = await Promise.all(puts.map((p) => p.response));
    expect(all.filter((r) => r.status === 200)).toHaveLength(33);
    expect(all.filter((r) => r.status === 503)).toHaveLength(7);
    // The API kept answering throughout.
    expect((await fetch(`${api}/health`)).status).toBe(200);
  }, 300_000);
});
