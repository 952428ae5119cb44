import { describe, expect, it } from 'vitest';
import { WorkGate } from '../../../orchestrator/work-gate.ts';

/** A promise and its resolver, so a test decides when each piece of work ends. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('WorkGate', () => {
  it('runs `concurrency` at once, queues `maxWaiting` in arrival order, and refuses the rest with a 503 that says when to retry', async () => {
    const gate = new WorkGate({ name: 'crops', concurrency: 2, maxWaiting: 2, retryAfterS: 7 });
    const started: number[] = [];
    const latches = Array.from({ length: 4 }, () => latch());
    const runs = latches.map((l, i) =>
      gate.run(async () => {
        started.push(i);
        await l.promise;
        return i;
      }),
    );
    expect(started).toEqual([0, 1]);
    expect(gate.stats).toEqual({ running: 2, waiting: 2 });
    await expect(gate.run(async () => 99)).rejects.toMatchObject({
      code: 'VF_BUSY',
      statusCode: 503,
      retryAfterS: 7,
      message: expect.stringContaining('crops'),
    });
    latches[1]!.open();
    await runs[1];
    // The freed turn goes to the first waiter, and only to it.
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const l of latches) l.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(gate.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('passes the turn on when a piece of work throws', async () => {
    const gate = new WorkGate({ name: 'x', concurrency: 1, maxWaiting: 1, retryAfterS: 1 });
    const failing = gate.run(async () => {
      throw new Error('boom');
    });
    const next = gate.run(async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe('ran');
    expect(gate.stats).toEqual({ running: 0, waiting: 0 });
  });
});
