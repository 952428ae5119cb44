import { describe, expect, it } from 'vitest';
import { chunkCostModel, chunkLengthsS, fitLine, projectTitle, scaledCosts, type JobCosts } from '../../../bench/fleet-projection.ts';
import { lptMakespanS, queueMakespanS } from '../../../pipeline/chunks.ts';

const SHAPE = { durationS: 120, frameRate: { num: 30, den: 1 }, segmentS: 6, gopS: 2, chunkSegments: 5 };
const COSTS: JobCosts = {
  probeS: 4,
  sampleS: 5,
  samples: 3,
  buildLadderS: 1,
  audioS: 10,
  packageS: 6,
  chunkOverheadS: 2,
  chunkSPerMediaS: 3,
  betweenJobsS: 0.5,
};

describe('fleet projection', () => {
  it('schedules longest first: 1, 1, 2 on two workers end at 2, not 3 as in arrival order', () => {
    expect(lptMakespanS([1, 1, 2], 2)).toBe(2);
    expect(lptMakespanS([3, 3, 2, 2, 2], 2)).toBe(7);
    expect(lptMakespanS([5], 100)).toBe(5);
  });

  it('runs a queue in its order: 1, 1, 2 on two workers end at 3, as the chunks of a title run', () => {
    expect(queueMakespanS([1, 1, 2], 2)).toBe(3);
    expect(queueMakespanS([2, 1, 1], 2)).toBe(2);
    expect(() => queueMakespanS([1], 0)).toThrow(RangeError);
  });

  it('matches a hand computation of a 120 s title on 1, 2 and 4 workers', () => {
    // 20 segments of 6 s in 4 chunks of 30 s (more chunks end no sooner on 4 slots), each
    // 2 + 3 × 30 = 92 s; 3 sample jobs of 5 s; the audio (10 s) from the probe's end on a
    // worker of its own, when there are two or more.
    // 1 worker: 4 + 15 + 1 + (4 × 92 + 10) + 6 + 0.5 = 404.5
    // 2 workers: 4 + 15 (samples on one) + 1 + 2 × 92 (the audio ended in the analysis) + 6 + 0.5 = 210.5
    // 4 workers: 4 + 5 (on three) + 1 + (92 + 4 left of the audio) + 6 + 0.5 = 112.5
    expect([1, 2, 4].map((n) => projectTitle(SHAPE, COSTS, n))).toEqual([
      { workers: 1, chunks: 4, longestChunkMediaS: 30, analysisS: 15, encodeS: 378, totalS: 404.5 },
      { workers: 2, chunks: 4, longestChunkMediaS: 30, analysisS: 15, encodeS: 184, totalS: 210.5 },
      { workers: 4, chunks: 4, longestChunkMediaS: 30, analysisS: 5, encodeS: 96, totalS: 112.5 },
    ]);
  });

  it('plans a 2-hour title in 300 chunks of 24 s for 100 slots: three rounds, not three of 30 s', () => {
    const lengths = chunkLengthsS({ ...SHAPE, durationS: 7200 }, 100);
    expect(lengths).toHaveLength(300);
    expect(Math.min(...lengths)).toBeCloseTo(24, 9);
    expect(Math.max(...lengths)).toBeCloseTo(24, 9);
  });

  it('fits a per-chunk overhead and a rate, and refuses to fit chunks of one length', () => {
    const fit = fitLine([
      { x: 12, y: 38 },
      { x: 18, y: 56 },
      { x: 12, y: 38 },
    ]);
    expect(fit?.a).toBeCloseTo(2, 9);
    expect(fit?.b).toBeCloseTo(3, 9);
    expect(
      fitLine([
        { x: 30, y: 90 },
        { x: 30, y: 95 },
      ]),
    ).toBeUndefined();
  });

  it('takes the overhead from a fit through the chunks, and the rest of the worst rate per media second', () => {
    // Chunks of 12, 18, 12 s took 38, 56, 38 s: run = 2 + 3 x length; the rate is 132 / 42.
    const m = chunkCostModel(
      [
        [
          { lengthS: 12, runS: 38 },
          { lengthS: 18, runS: 56 },
          { lengthS: 12, runS: 38 },
        ],
      ],
      0.5,
    );
    expect(m.overheadFrom).toBe('fit');
    expect(m.chunkOverheadS).toBeCloseTo(2, 9);
    expect(m.chunkSPerMediaS).toBeCloseTo(132 / 42 - 2 / 14, 9);
  });

  it('refuses a fit that slopes down: a 20 s chunk that ran faster than a 12 s one on a shared machine', () => {
    const m = chunkCostModel(
      [
        [{ lengthS: 20, runS: 93.4 }],
        [
          { lengthS: 12, runS: 134.9 },
          { lengthS: 8, runS: 87.7 },
        ],
      ],
      0.5,
    );
    expect(m.fit?.b).toBeLessThan(0);
    expect(m.overheadFrom).toBe('assumed');
    expect(m.chunkOverheadS).toBeCloseTo(0.5 * m.rate, 9);
  });

  it('assumes the overhead when every chunk has one length, from the worst fleet: 96 s per 30 s, not 90', () => {
    const m = chunkCostModel(
      [
        [{ lengthS: 30, runS: 90 }],
        [
          { lengthS: 30, runS: 96 },
          { lengthS: 30, runS: 96 },
        ],
      ],
      0.5,
    );
    expect(m).toMatchObject({ overheadFrom: 'assumed', fit: undefined, rate: 3.2 });
    expect(m.chunkOverheadS).toBeCloseTo(1.6, 9);
    expect(m.chunkSPerMediaS).toBeCloseTo(3.2 - 1.6 / 30, 9);
  });

  it('grows what ffmpeg computed (the probe by its scan) and keeps the rest; or grows all by the duration', () => {
    const measured = { ...COSTS, durationS: 60, scannedS: 15, sampleWindowS: 2, probeCpuS: 2, audioCpuS: 4, packageCpuS: 1 };
    const to = { durationS: 7200, scannedS: 360, samples: 20, sampleWindowS: 3 };
    // probe 4 - 2 + 2 x 360/15; audio 10 - 4 + 4 x 120; package 6 - 1 + 1 x 120; a sample 5 x 3/2.
    expect(scaledCosts(measured, to, 'cpu')).toEqual({ ...COSTS, probeS: 50, sampleS: 7.5, samples: 20, audioS: 486, packageS: 125 });
    expect(scaledCosts(measured, to, 'linear')).toEqual({ ...COSTS, probeS: 480, sampleS: 7.5, samples: 20, audioS: 1200, packageS: 720 });
  });
});
