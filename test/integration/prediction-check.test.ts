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

  /** Ingests `master`, waits for its rungs' figures, and returns the title and its prediction warning. */
  async function measuredPerTitle(master: string) {
    const id = await ingest(stack.api.app, master);
    expect((await waitForFinal(stack.api.app, id)).state).toBe('ready');
    const t = await waitForRungQuality(stack.api.app, id);
    expect(t.rungQuality?.status).toBe('measured');
    expect(t.ladderAnalysis?.policy).toBe('per-title');
    return { t, warning: t.warnings?.find((w) => w.code === 'VF_LADDER_UNREPRESENTATIVE') };
  }

  /** How much of the worst miss the warning puts on the rung's encode, on the frames its samples measured. */
  const encodeShare = (message: string | undefined): number => {
    const m = /it gave [\d.]+ dB: (-?[\d.]+) dB of the miss is its encode's, -?[\d.]+ dB the rest of the title's/.exec(message ?? '');
    expect(m, message).not.toBeNull();
    return Number(m?.[1]);
  };

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
      // One thread: x264's VBV on frame threads codes the same frames differently run to run.
      '-threads',
      '1',
      '-preset',
      'ultrafast',
      ...['-b:v', '8M', '-minrate', '8M', '-maxrate', '8M', '-bufsize', '2M', '-x264-params', 'nal-hrd=cbr'],
      '-g',
      '50',
      master,
    ]);
    // The windows saw only bars, whose samples are near the analysis' 16 kbit/s floor: still a
    // per-title ladder, not the fixed fallback, which predicts nothing to check.
    const { t, warning } = await measuredPerTitle(master);
    expect(warning?.message).toMatch(/dB PSNR-Y away from the sample windows against [\d.]+ dB predicted/);
    // Its one window is the bars just after the grain (15-17 s), which had drained the rung's
    // VBV buffer: on those very frames the rung measured far under its samples, its encode's doing.
    expect(encodeShare(warning?.message)).toBeGreaterThan(3);
    // The recorded figures include the grain: the top rung measures well under its prediction.
    const top = t.renditions?.filter((r) => r.kind === 'video').at(-1);
    const predicted = t.ladder?.at(-1)?.predictedPsnrDb ?? 0;
    expect(top?.measuredPsnrDb).toBeLessThan(predicted - 3);
  }, 600_000);

  it('a title whose busiest segment needs more than its peak cap is told how that segment and the rest measured', async () => {
    // 36 s: a slow pattern but for one 6 s segment of heavy grain, which costs many times the
    // rest at one CRF: six times the title's average and more, where the cap lets a segment
    // spend about twice it. The windows predict the title; the cap starves the grain.
    const master = path.join(dir, 'calm-grain-segment.mp4');
    const calm = (s: number): string[] => ['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=25:duration=${s}`];
    await runFfmpeg([
      ...calm(18),
      ...calm(6),
      ...calm(12),
      '-filter_complex',
      '[1:v]noise=alls=60:allf=t+u[g];[0:v][g][2:v]concat=n=3:v=1:a=0,format=yuv420p[v]',
      ...['-map', '[v]', '-c:v', 'libx264', '-threads', '1', '-preset', 'ultrafast', '-crf', '10', '-g', '50', master],
    ]);
    const { t, warning } = await measuredPerTitle(master);
    const shape = [
      String.raw`(\d+)x(\d+) ([\d.]+) dB PSNR-Y away .* against ([\d.]+) dB predicted\..* Its 1 of 6 segments that spent more than`,
      String.raw` its peak cap \(1\.5x its average rate; the busiest ([\d.]+)x\) measure ([\d.]+) dB, the rest ([\d.]+) dB\.`,
    ];
    const m = new RegExp(shape.join('')).exec(warning?.message ?? '');
    expect(m, warning?.message ?? JSON.stringify(t.warnings)).not.toBeNull();
    const [checked, predicted, peak, over, rest] = [3, 4, 5, 6, 7].map((k) => Number(m?.[k])) as [number, number, number, number, number];
    // The busiest segment spent more than the cap, and at most what the cap and buffer allow it
    // (2x over 6 s), its fragment headers aside.
    expect(peak).toBeGreaterThan(1.5);
    expect(peak).toBeLessThanOrEqual(2.2);
    // The grain measured far under the rest, which met the prediction; the whole missed it.
    expect(over).toBeLessThan(rest - 3);
    expect(rest).toBeGreaterThan(predicted - 3);
    expect(checked).toBeLessThan(predicted - 3);
    expect(warning?.message).toContain('or its busiest stretches need more than the cap lets a segment spend at that quality');
    // Its window is calm, and the rung met its samples there: the miss lies in the grain.
    expect(encodeShare(warning?.message)).toBeLessThan(1);
    expect(warning?.message).toContain('mostly away from the windows');
  }, 600_000);
});
