/**
 * Fair to every title: a short title's time to ready when it is uploaded just after a long
 * one, against its time alone on the same stack (issue 19's target: within 1.5x).
 */
import path from 'node:path';
import type { App } from '../orchestrator/deps.ts';
import { ingest, waitForFinalEvent } from '../test/support/api.ts';
import { makeMaster } from '../test/support/media.ts';

async function timeToReady(app: App, file: string): Promise<number> {
  const t0 = performance.now();
  const t = await waitForFinalEvent(app, await ingest(app, file));
  if (t.state !== 'ready') throw new Error(`fairness bench title failed: ${JSON.stringify(t.error)}`);
  return (performance.now() - t0) / 1000;
}

export async function benchFairness(app: App, long: string, dir: string, shortS: number): Promise<void> {
  const short = path.join(dir, 'short.mp4');
  await makeMaster(short, { width: 1280, height: 720, fps: 30, durationS: shortS });
  const alone = await timeToReady(app, short);
  const longId = await ingest(app, long);
  const behind = await timeToReady(app, short);
  const longReady = await waitForFinalEvent(app, longId);
  if (longReady.state !== 'ready') throw new Error('the long title failed');
  console.log(
    `fairness: a ${shortS} s title uploaded just after the long one was ready in ${behind.toFixed(1)} s against ${alone.toFixed(1)} s alone: ` +
      `ratio ${(behind / alone).toFixed(3)} (target <= 1.5)`,
  );
}
