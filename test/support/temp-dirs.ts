import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const made = new Set<string>();

/**
 * A new directory under the system's temp directory, removed with everything in it after the
 * test file that made it (`removeTempDirs`, run by the suite's setup file). Masters, downloaded
 * renditions and local buckets are up to hundreds of MB a file: left behind, each run of the
 * suite kept 28 directories in /tmp, two of them 170 MB each.
 */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every directory `tempDir` made in this process. */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made];
  made.clear();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}
