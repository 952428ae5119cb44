import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rmdir, stat, writeFile } from 'node:fs/promises';
import { unlinkSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRunning, processId, type ProcessId } from './processes.ts';

/** What a data dir's lock file says: who owns the data dir, and the processes it started. */
export interface LockRecord {
  readonly owner: ProcessId;
  readonly host: string;
  /** When the owner took the lock (ISO 8601). */
  readonly since: string;
  /** Worker processes the owner supervises, as last started. */
  readonly workers: readonly ProcessId[];
  /** The owner's embedded redis-server, when it started one. */
  readonly redis?: ProcessId;
}

export class DataDirBusyError extends Error {
  readonly code = 'VF_DATA_DIR_BUSY';
  constructor(dataDir: string, owner: LockRecord) {
    super(
      `data dir ${dataDir} is in use by vodforge pid ${owner.owner.pid} on ${owner.host}, since ${owner.since}; stop it first (or use another --data-dir)`,
    );
    this.name = 'DataDirBusyError';
  }
}

export class DataDirLockUnreadableError extends Error {
  readonly code = 'VF_DATA_DIR_LOCK_UNREADABLE';
  constructor(file: string, reason: string) {
    super(`cannot read the data dir lock ${file} (${reason}); if no vodforge runs on this data dir, remove the file`);
    this.name = 'DataDirLockUnreadableError';
  }
}

const LOCK_FILE = 'vodforge.lock';

function parseRecord(file: string, raw: string): LockRecord {
  let r: unknown;
  try {
    r = JSON.parse(raw);
  } catch (err) {
    throw new DataDirLockUnreadableError(file, (err as Error).message);
  }
  const rec = r as Partial<LockRecord> | null;
  if (
    rec === null ||
    typeof rec !== 'object' ||
    typeof rec.owner?.pid !== 'number' ||
    typeof rec.host !== 'string' ||
    !Array.isArray(rec.workers)
  ) {
    throw new DataDirLockUnreadableError(file, 'not a vodforge lock record');
  }
  return rec as LockRecord;
}

/**
 * The exclusive claim of one `vodforge up` on its data dir. Two supervisors on one data dir
 * would run two brains over one Redis and one storage root: the second one's recovery
 * deletes what the first publishes. The lock is a file created exclusively (O_EXCL) holding
 * the owner's pid and start time, so a dead owner's lock (a `kill -9`, a power loss) is
 * recognised, even after its pid was reused, and taken over instead of obeyed.
 */
export class DataDirLock {
  private released = false;
  private writing: Promise<void> = Promise.resolve();
  private constructor(
    readonly file: string,
    private record: LockRecord,
  ) {}

  /**
   * Takes the data dir's lock. `stale` is the record of a dead owner taken over: the processes
   * it lists may still run (orphans) and are the caller's to stop.
   */
  static async acquire(dataDir: string): Promise<{ lock: DataDirLock; stale?: LockRecord }> {
    // 0700: the data dir holds the admin key, Redis' data (API key hashes) and the masters.
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, LOCK_FILE);
    const mine: LockRecord = { owner: await processId(process.pid), host: os.hostname(), since: new Date().toISOString(), workers: [] };
    const own = (): DataDirLock => {
      const lock = new DataDirLock(file, mine);
      process.once('exit', () => lock.release());
      return lock;
    };
    const create = async (): Promise<DataDirLock> => {
      const fh = await open(file, 'wx', 0o644);
      await fh.writeFile(JSON.stringify(mine));
      await fh.close();
      return own();
    };
    for (let attempt = 0; attempt < 100; attempt++) {
      try {
        return { lock: await create() };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const raw = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw new DataDirLockUnreadableError(file, err.message);
      });
      if (raw === undefined) continue;
      const held = parseRecord(file, raw);
      // Another machine's process cannot be checked from here: its lock is obeyed.
      if (held.host !== os.hostname() || (await isRunning(held.owner))) throw new DataDirBusyError(dataDir, held);
      // Dead owner. Takers of a stale lock go one at a time (mkdir is atomic): inside, the lock
      // is read again, and only the very record judged stale is replaced by ours. It is replaced
      // by a rename over it, never removed and created again: the lock file exists throughout,
      // so a taker on its first exclusive create meanwhile cannot slip into the gap. A taker
      // that came second finds the winner's live lock on its next round and is refused.
      const lock = await takeoverTurn(file, async () => {
        if ((await readFile(file, 'utf8').catch(() => undefined)) !== raw) return undefined;
        const tmp = `${file}.${randomUUID()}.tmp`;
        await writeFile(tmp, JSON.stringify(mine), { mode: 0o644 });
        await rename(tmp, file);
        return own();
      });
      if (lock !== undefined) return { lock, stale: held };
    }
    throw new DataDirLockUnreadableError(file, 'the lock kept changing while it was being taken');
  }

  /** Records the processes this owner started, so a successor can stop them if this owner dies. */
  recordChildren(children: { readonly workers: readonly ProcessId[]; readonly redis?: ProcessId }): Promise<void> {
    this.record = { ...this.record, ...children };
    // One write at a time, the latest record last; each written aside and renamed over, so a
    // reader never sees half a record.
    this.writing = this.writing.then(async () => {
      if (this.released) return;
      const tmp = `${this.file}.${randomUUID()}.tmp`;
      await writeFile(tmp, JSON.stringify(this.record));
      await rename(tmp, this.file);
    });
    return this.writing;
  }

  /** Gives the data dir up (also done at exit); only a lock still ours is removed. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      const held = JSON.parse(readFileSync(this.file, 'utf8')) as LockRecord;
      if (held.owner.pid === this.record.owner.pid && held.owner.startTicks === this.record.owner.startTicks) unlinkSync(this.file);
    } catch {
      // Already gone or replaced: nothing of ours to remove.
    }
  }
}

/** A takeover whose taker died half-way (milliseconds of work) is abandoned after this long. */
const TAKEOVER_STALE_MS = 10_000;

/**
 * Runs `fn` while holding the takeover mutex of a lock file (a directory beside it); when
 * another taker holds it, waits a moment and returns undefined, so the caller reads the lock again.
 */
async function takeoverTurn<T>(file: string, fn: () => Promise<T | undefined>): Promise<T | undefined> {
  const mutex = `${file}.takeover`;
  try {
    await mkdir(mutex);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = await stat(mutex).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > TAKEOVER_STALE_MS) await rmdir(mutex).catch(() => undefined);
    else await new Promise((r) => setTimeout(r, 20));
    return undefined;
  }
  try {
    return await fn();
  } finally {
    await rmdir(mutex).catch(() => undefined);
  }
}
