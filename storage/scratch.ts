import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';

/** A private scratch directory for one job run, removed afterwards whatever happens. */
export async function withScratch<T>(root: string, label: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(root, `vf-${label.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
