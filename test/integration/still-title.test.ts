import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { ingest, waitForFinal } from '../support/api.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * A still (a title card, a slide) measures every sample point under the analysis' 16 kbit/s
 * rate floor. It fell back to Apple's fixed ladder (145 and 365 kbit/s for a 360p still); it
 * now gets a per-title ladder from those points, and says the floor gave way.
 */
describe('a still title', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title', settings: { preset: 'veryfast' } });
    dir = await tempDir('vf-still-');
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('gets a per-title ladder under the rate floor, not the fixed fallback', async () => {
    const master = path.join(dir, 'still.mp4');
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'color=c=0x406080:size=640x360:rate=25:duration=6',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      master,
    ]);
    const id = await ingest(stack.api.app, master);
    const t = await waitForFinal(stack.api.app, id);
    expect(t.state).toBe('ready');
    expect(t.ladderAnalysis?.policy).toBe('per-title');
    expect(t.ladderAnalysis?.fallbackReason).toBeUndefined();
    expect(t.ladderAnalysis?.notes?.some((n) => n.startsWith('BITRATE_FLOOR_RELAXED'))).toBe(true);
    const ladder = t.ladder ?? [];
    expect(ladder.length).toBeGreaterThan(0);
    // Every rung is far cheaper than the fixed ladder's 145 kbit/s bottom, and under the floor.
    for (const rung of ladder) expect(rung.bitrateKbps).toBeLessThan(16);
  }, 300_000);
});
