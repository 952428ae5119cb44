import { createHash, type Hash } from 'node:crypto';

interface State {
  /** Bytes of the upload the hash has taken in: it is the SHA-256 of [0, offset). */
  readonly offset: number;
  readonly hash: Hash;
  readonly touchedMs: number;
}

/**
 * The SHA-256 of each resumable upload, taken as its bytes pass through this process, so a
 * completed upload is hashed without reading it back. A hash is only ever continued at the
 * offset it stopped at: bytes the store did not keep, a request served by another API process,
 * or a restart leave it behind, and it is dropped; the master is then read back from storage
 * once, at completion (see `sha256At`). Node's hashes cannot be saved, so this lives in memory.
 */
export class UploadHashes {
  private readonly states = new Map<string, State>();

  /** The hash to continue for bytes written at `offset`: the upload's own, a new one at 0, else none. */
  take(id: string, offset: number): Hash | undefined {
    const s = this.states.get(id);
    this.states.delete(id);
    if (s !== undefined && s.offset === offset) return s.hash;
    return offset === 0 ? createHash('sha256') : undefined;
  }

  /** Keeps a hash that has taken in exactly [0, offset). */
  keep(id: string, offset: number, hash: Hash): void {
    this.states.set(id, { offset, hash, touchedMs: Date.now() });
  }

  drop(id: string): void {
    this.states.delete(id);
  }

  /** The hex digest if this process saw every byte up to `size`, else `undefined`; the state stays until dropped. */
  digestAt(id: string, size: number): string | undefined {
    const s = this.states.get(id);
    return s !== undefined && s.offset === size ? s.hash.copy().digest('hex') : undefined;
  }

  /** Forgets hashes of uploads not written to since `cutoffMs` (abandoned, or moved to another process). */
  pruneIdle(cutoffMs: number): void {
    for (const [id, s] of this.states) if (s.touchedMs < cutoffMs) this.states.delete(id);
  }

  get size(): number {
    return this.states.size;
  }
}
