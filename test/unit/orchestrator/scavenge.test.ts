import { describe, expect, it } from 'vitest';
import { scavengeYoungGeneration } from '../../../orchestrator/runtime/scavenge.ts';

const MiB = 1024 * 1024;

/** Makes `count` 64 KiB buffers (an HTTP body chunk's size) and drops them, as an upload does. */
function dropChunks(count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i += 1) sum += Buffer.allocUnsafeSlow(64 * 1024).fill(i).length;
  return sum;
}

describe('scavengeYoungGeneration', () => {
  it('frees dead upload chunks that V8 alone leaves in memory (regression: +32 MB RSS per upload)', async () => {
    // 16 MiB: under the 32 MiB of young ArrayBuffers at which V8 would scavenge by itself.
    expect(dropChunks(256)).toBe(16 * MiB);
    const before = process.memoryUsage().arrayBuffers;
    scavengeYoungGeneration();
    // Dead backing stores may be released by V8's sweeper just after the scavenge returns.
    let after = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 50 && before - after < 12 * MiB; i += 1) {
      await new Promise((r) => setTimeout(r, 10));
      after = process.memoryUsage().arrayBuffers;
    }
    expect(before - after).toBeGreaterThanOrEqual(12 * MiB);
  });
});
