import { describe, expect, it } from 'vitest';
import { newestWins } from '../../../orchestrator/runtime/newest-wins.ts';

/** A promise the test resolves when it chooses: the order of events is the test's, not the clock's. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('newestWins', () => {
  it('writes the newer snapshot when the older one is read last (regression: a worker left out of the lock)', async () => {
    const reads = [deferred<string[]>(), deferred<string[]>()];
    let n = 0;
    const written: string[][] = [];
    const record = newestWins(
      () => reads[n++]!.promise,
      async (s) => {
        written.push(s);
      },
    );
    const first = record();
    const second = record();
    reads[1]!.resolve(['w1', 'w2']);
    await second;
    reads[0]!.resolve(['w1']);
    await first;
    expect(written).toEqual([['w1', 'w2']]);
  });

  it('writes every snapshot of calls that do not overlap, in order', async () => {
    const written: number[] = [];
    let n = 0;
    const record = newestWins(
      async () => ++n,
      async (s) => {
        written.push(s);
      },
    );
    await record();
    await record();
    expect(written).toEqual([1, 2]);
  });
});
