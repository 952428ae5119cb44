/**
 * The cost of a supervisor crash: `vodforge up` (the real CLI: its own redis-server, worker
 * processes, a local data dir) ingests a master to `ready` once uninterrupted, then again on a
 * fresh data dir with the supervisor `kill -9`ed at the uninterrupted run's midpoint and
 * restarted at once. Part of `npm run bench:pipeline`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, waitForPort } from '../orchestrator/runtime/children.ts';

const BIN = path.resolve('bin/vodforge.mjs');

export interface CrashRun {
  /** Upload start to `ready`, seconds, with no crash. */
  readonly uninterruptedS: number;
  /** The same, with the supervisor killed at the midpoint and restarted at once. */
  readonly crashedS: number;
}

function startUp(dataDir: string, port: number, workers: number): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', VF_LADDER_POLICY: 'fixed' };
  delete env.REDIS_URL;
  delete env.S3_BUCKET;
  delete env.VF_TMP_DIR;
  return spawn(process.execPath, [BIN, 'up', '--port', String(port), '--workers', String(workers), '--data-dir', dataDir], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function stop(up: ChildProcess): Promise<void> {
  if (up.exitCode !== null || up.signalCode !== null) return;
  const exited = new Promise((resolve) => up.once('exit', resolve));
  up.kill('SIGINT');
  up.kill('SIGINT');
  await exited;
}

/** Ingests `master` on a stack on `dataDir`; `crashAtS` kills the supervisor that long after the upload started, and starts another. */
async function ingestToReady(master: string, dataDir: string, workers: number, crashAtS?: number): Promise<number> {
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  let up = startUp(dataDir, port, workers);
  await waitForPort(port, 30_000, up);
  const key = (await readFile(path.join(dataDir, 'admin.key'), 'utf8')).trim();
  const headers = { 'x-api-key': key };
  const t0 = performance.now();
  const created = (await (
    await fetch(`${api}/v1/titles`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'crash bench' }),
    })
  ).json()) as { id: string };
  const put = await fetch(`${api}/v1/titles/${created.id}/master`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: await readFile(master),
  });
  if (put.status !== 202) throw new Error(`upload refused: ${put.status} ${await put.text()}`);
  let crashed = crashAtS === undefined;
  for (;;) {
    if (!crashed && (performance.now() - t0) / 1000 >= (crashAtS ?? 0)) {
      up.kill('SIGKILL');
      await new Promise((resolve) => up.once('exit', resolve));
      up = startUp(dataDir, port, workers);
      await waitForPort(port, 60_000, up);
      crashed = true;
    }
    const t = (await (await fetch(`${api}/v1/titles/${created.id}`, { headers })).json()) as { state: string; error?: unknown };
    if (t.state === 'ready') break;
    if (t.state === 'failed') throw new Error(`title failed: ${JSON.stringify(t.error)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const s = (performance.now() - t0) / 1000;
  await stop(up);
  return s;
}

export async function benchSupervisorCrash(master: string, workDir: string, workers: number): Promise<CrashRun> {
  const uninterruptedS = await ingestToReady(master, path.join(workDir, 'crash-a'), workers);
  const crashedS = await ingestToReady(master, path.join(workDir, 'crash-b'), workers, uninterruptedS / 2);
  return { uninterruptedS, crashedS };
}
