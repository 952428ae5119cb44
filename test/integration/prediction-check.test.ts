import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { ingest, waitForFinal, waitForRungQuality } from '../support/api.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { tempDir } from '../support/temp-dirs.ts';

/**
 * A per-title ladder is predicted from a few sample windows. Where they do not represent the
 * title (here: 15 s of still colour bars around 5 s of grain, in a constant-rate master like a
 * broadcast one, whose packet sizes do not show the grain either), the ladder fits the calm part
 * and starves the rest; the published rungs are then measured where the samples did not look
 * as well, and the title says that its prediction missed instead of showing it as fact.
 */
describe('the per-title prediction is checked away from the sample windows', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, ladderPolicy: 'per-title', settings: { preset: 'veryfast' } });
    dir = await tempDir('vf-check-');
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('a title whose windows saw only its calm part gets VF_LADDER_UNREPRESENTATIVE, and the figures cover the rest', async () => {
    const master = path.join(dir, 'calm-grain-calm.mp4');
    const bars = (s: number): string[] => ['-f', 'lavfi', '-i', `smptebars=size=640x360:rate=25:duration=${s}`];
    await runFfmpeg([
      ...bars(10),
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=640x360:rate=25:duration=5',
      ...bars(5),
      '-filter_complex',
      '[1:v]noise=alls=80:allf=t+u[g];[0:v][g][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]',
      '-map',
      '[v]',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      ...['-b:v', '8M', '-minrate', '8M', '-maxrate', '8M', '-bufsize', '2M', '-x264-params', 'nal-hrd=cbr'],
      '-g',
      '50',
      master,
    ]);
    const id = await ingest(stack.api.app, master);
    expect((await waitForFinal(stack.api.app, id)).state).toBe('ready');
    const t = await waitForRungQuality(stack.api.app, id);
    expect(t.rungQuality?.status).toBe('measured');
    // The windows saw only bars, whose samples are near the analysis' 16 kbit/s floor: still a
    // per-title ladder, not the fixed fallback, which predicts nothing to check.
    expect(t.ladderAnalysis?.policy).toBe('per-title');
    const warning = t.warnings?.find((w) => w.code === 'VF_LADDER_UNREPRESENTATIVE');
    expect(warning?.message).toMatch(/dB PSNR-Y away from the sample windows against [\d.]+ dB predicted/);
    // The recorded figures include the grain: the top rung measures well under its prediction.
    const top = t.renditions?.filter((r) => r.kind === 'video').at(-1);
    const predicted = t.ladder?.at(-1)?.predictedPsnrDb ?? 0;
    expect(top?.measuredPsnrDb).toBeLessThan(predicted - 3);
  }, 600_000);
});
