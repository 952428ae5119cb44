/**
 * The data dir lock on the real file system and real processes: a live owner is obeyed, a
 * dead one (or a recycled pid) is taken over, and of several takers at once exactly one wins.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirBusyError, DataDirLock, DataDirLockUnreadableError, type LockRecord } from '../../../orchestrator/runtime/data-dir-lock.ts';
import { processId, waitForExit } from '../../../orchestrator/runtime/processes.ts';

describe('DataDirLock', () => {
  let dir: string;
  const lockFile = (): string => path.join(dir, 'vodforge.lock');
  const write = async (r: LockRecord): Promise<void> => writeFile(lockFile(), JSON.stringify(r));

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-lock-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a free data dir, refuses a live owner by name, and is free again once released', async () => {
    const { lock, stale } = await DataDirLock.acquire(dir);
    expect(stale).toBeUndefined();
    const held = JSON.parse(await readFile(lockFile(), 'utf8')) as LockRecord;
    expect(held.owner.pid).toBe(process.pid);
    // This process is alive: a second taker (here, the same process again) is refused.
    await expect(DataDirLock.acquire(dir)).rejects.toBeInstanceOf(DataDirBusyError);
    await expect(DataDirLock.acquire(dir)).rejects.toThrow(`in use by vodforge pid ${process.pid}`);
    lock.release();
    const again = await DataDirLock.acquire(dir);
    again.lock.release();
  });

  it('takes over the lock of a dead owner and hands back its record, children included', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const dead = await processId(child.pid ?? 0);
    await waitForExit(dead, 10_000);
    await write({ owner: dead, host: os.hostname(), since: '2026-01-01T00:00:00.000Z', workers: [{ pid: 1, startTicks: 1 }] });
    const { lock, stale } = await DataDirLock.acquire(dir);
    expect(stale?.owner.pid).toBe(dead.pid);
    expect(stale?.workers).toEqual([{ pid: 1, startTicks: 1 }]);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (a recycled pid)', async () => {
    const me = await processId(process.pid);
    expect(me.startTicks).toBeDefined();
    await write({
      owner: { pid: process.pid, startTicks: (me.startTicks ?? 0) - 1 },
      host: os.hostname(),
      since: '2026-01-01T00:00:00.000Z',
      workers: [],
    });
    const { lock, stale } = await DataDirLock.acquire(dir);
    expect(stale?.owner.pid).toBe(process.pid);
    lock.release();
  });

  it('refuses a lock it cannot read, naming the file', async () => {
    await writeFile(lockFile(), 'not json');
    await expect(DataDirLock.acquire(dir)).rejects.toBeInstanceOf(DataDirLockUnreadableError);
    await expect(DataDirLock.acquire(dir)).rejects.toThrow(lockFile());
  });

  it("lets exactly one of several takers at once have a dead owner's lock", async () => {
    await write({ owner: { pid: 2 ** 22 + 7, startTicks: 1 }, host: os.hostname(), since: '2026-01-01T00:00:00.000Z', workers: [] });
    // Takers start one event-loop turn apart, so later ones make their first exclusive create
    // while earlier ones are inside the takeover.
    const takers: Promise<{ lock: DataDirLock }>[] = [];
    for (let i = 0; i < 40; i++) {
      const taker = DataDirLock.acquire(dir);
      // Handled now: a refusal can come before allSettled below is reached.
      taker.catch(() => undefined);
      takers.push(taker);
      await new Promise((r) => setImmediate(r));
    }
    const results = await Promise.allSettled(takers);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DataDirBusyError);
    (won[0] as PromiseFulfilledResult<{ lock: DataDirLock }>).value.lock.release();
  });
});
