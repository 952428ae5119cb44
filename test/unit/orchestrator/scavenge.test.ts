import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { scavengeYoungGeneration } from '../../../orchestrator/runtime/scavenge.ts';

/**
 * What the upload path needs of `scavengeYoungGeneration` is that it runs a young-generation
 * collection there and then (regression: +32 MB RSS per upload, from dead body chunks V8 left
 * until its own threshold). Node reports every collection as a `gc` performance entry with its
 * kind and start time: the test waits for that event. How much a scavenge frees is V8's
 * business and bench:api's figure (the API's RSS across uploads), not a unit test's.
 */
describe('scavengeYoungGeneration', () => {
  it('runs a minor collection synchronously, inside the call', async () => {
    const minorStarts: number[] = [];
    let notify: () => void = () => {};
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR)
          minorStarts.push(entry.startTime);
      }
      notify();
    });
    observer.observe({ entryTypes: ['gc'] });
    try {
      const before = performance.now();
      scavengeYoungGeneration();
      const after = performance.now();
      const inCall = (): boolean => minorStarts.some((t) => t >= before && t <= after);
      // Entries are delivered after the fact: wait for the one that started inside the call.
      await new Promise<void>((resolve) => {
        notify = () => inCall() && resolve();
        notify();
      });
      expect(inCall()).toBe(true);
    } finally {
      observer.disconnect();
    }
  });
});
