import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Bytes hashed at each end of a file for its fingerprint. */
const END_BYTES = 1024 * 1024;

/**
 * What `ingest` remembers of an upload it has started, so that run again on the same file with
 * `--resume` it picks the same title and upload up where they stopped.
 */
export interface UploadState {
  readonly api: string;
  readonly titleId: string;
  readonly sizeBytes: number;
  /** The tus upload's URL, once it was created. */
  readonly uploadUrl?: string;
  readonly updatedAt: string;
}

/**
 * A file's fingerprint: its size and a SHA-256 of its first and last MiB, cheap on a 50 GiB
 * master. Two files that share both ends and the size share it: the SHA-256 of the whole
 * master, checked against the title's at the end, is what catches that.
 */
export async function fingerprintOf(file: string): Promise<{ sizeBytes: number; fingerprint: string }> {
  const fh = await open(file, 'r');
  try {
    const sizeBytes = (await fh.stat()).size;
    const h = createHash('sha256').update(`${sizeBytes}:`);
    const head = Buffer.alloc(Math.min(END_BYTES, sizeBytes));
    await fh.read(head, 0, head.length, 0);
    h.update(head);
    const tailStart = Math.max(head.length, sizeBytes - END_BYTES);
    const tail = Buffer.alloc(sizeBytes - tailStart);
    await fh.read(tail, 0, tail.length, tailStart);
    h.update(tail);
    return { sizeBytes, fingerprint: h.digest('hex') };
  } finally {
    await fh.close();
  }
}

/** `$XDG_CACHE_HOME/vodforge/uploads` (`~/.cache/vodforge/uploads`). */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(cache, 'vodforge', 'uploads');
}

/** One state file per file fingerprint and API. */
export class UploadStates {
  constructor(private readonly dir = stateDir()) {}

  private fileOf(api: string, fingerprint: string): string {
    const name = createHash('sha256')
      .update(`${new URL(api).origin}\n${fingerprint}`)
      .digest('hex')
      .slice(0, 32);
    return path.join(this.dir, `${name}.json`);
  }

  async load(api: string, fingerprint: string): Promise<UploadState | undefined> {
    try {
      const s = JSON.parse(await readFile(this.fileOf(api, fingerprint), 'utf8')) as UploadState;
      return typeof s.titleId === 'string' && typeof s.sizeBytes === 'number' ? s : undefined;
    } catch {
      return undefined;
    }
  }

  /** Written whole (a temporary file renamed), so a run killed mid-write leaves the previous state. */
  async save(fingerprint: string, state: UploadState): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(state.api, fingerprint);
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
    await rename(tmp, file);
  }

  async remove(api: string, fingerprint: string): Promise<void> {
    await rm(this.fileOf(api, fingerprint), { force: true });
  }
}
