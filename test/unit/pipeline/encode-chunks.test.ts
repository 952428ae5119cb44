import { describe, expect, it } from 'vitest';
import { planChunks, type Chunk, type ChunkPlanInput } from '../../../pipeline/chunks.ts';

const plan = (durationS: number, num: number, den = 1, segmentS = 6, chunkSegments = 5): ChunkPlanInput => ({
  durationS,
  frameRate: { num, den },
  segmentS,
  chunkSegments,
});

/** Frame count a source of this duration has (ffmpeg rounds the last frame up). */
const totalFrames = (p: ChunkPlanInput): number => Math.ceil((p.durationS * p.frameRate.num) / p.frameRate.den);

/** Checks the invariants every plan must hold and returns the plan. */
function checked(p: ChunkPlanInput): Chunk[] {
  const chunks = planChunks(p);
  const fps = p.frameRate.num / p.frameRate.den;
  expect(chunks.length).toBeGreaterThan(0);
  expect(chunks[0]!.startFrame).toBe(0);
  expect(chunks.at(-1)!.endFrame).toBeUndefined();
  const seen = new Uint8Array(totalFrames(p));
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    const next = chunks[i + 1];
    // Contiguous: each chunk ends exactly where the next begins; only the last is open-ended.
    if (next !== undefined) expect(c.endFrame).toBe(next.startFrame);
    // Whole segments: a chunk starts on the first frame at or after its segment boundary,
    // because that is the frame the HLS muxer cuts at (it splits at the first keyframe whose
    // time is >= n × hls_time). A boundary frame even slightly earlier is not cut there.
    const boundaryS = i * p.segmentS * p.chunkSegments;
    expect(c.startFrame / fps, `chunk ${i} starts before ${boundaryS} s`).toBeGreaterThanOrEqual(boundaryS - 1e-9);
    if (i > 0) expect((c.startFrame - 1) / fps, `chunk ${i} starts a frame late`).toBeLessThan(boundaryS);
    for (let f = c.startFrame; f < (c.endFrame ?? seen.length); f++) seen[f]! += 1;
  });
  expect(seen.every((n) => n === 1)).toBe(true);
  return chunks;
}

describe('planChunks', () => {
  it('47.3 s at 25 fps: one 30 s chunk, then the 17.3 s tail as its own chunk', () => {
    expect(checked(plan(47.3, 25))).toEqual([
      { index: 0, startFrame: 0, endFrame: 750 },
      { index: 1, startFrame: 750, endFrame: undefined },
    ]);
  });

  it('folds a tail under half a chunk into the chunk before it (65 s → 2 chunks, the last 35 s)', () => {
    expect(checked(plan(65, 25))).toEqual([
      { index: 0, startFrame: 0, endFrame: 750 },
      { index: 1, startFrame: 750, endFrame: undefined },
    ]);
  });

  it('keeps a tail of exactly half a chunk as its own chunk (75 s → 3 chunks)', () => {
    expect(checked(plan(75, 25)).map((c) => c.startFrame)).toEqual([0, 750, 1500]);
  });

  // Regression: boundaries were rounded to the nearest frame, so chunk 1 began at frame 899
  // (29.997 s). The HLS muxer does not cut before 30 s, so it cut at the next forced keyframe
  // (frame 959) and produced a 7.97 s segment, over target + 0.5 s (checked with ffmpeg 5.1).
  it('29.97 fps (30000/1001): each chunk starts on the first frame at or after its 30 s mark', () => {
    const chunks = checked(plan(3600, 30000, 1001));
    expect(chunks.slice(0, 3).map((c) => c.startFrame)).toEqual([0, 900, 1799]);
    expect(chunks).toHaveLength(120);
  });

  it('23.976 fps (24000/1001): chunk 1 starts at frame 720 (30.030 s), not 719 (29.988 s)', () => {
    expect(checked(plan(90, 24000, 1001))[1]!.startFrame).toBe(720);
  });

  it('a 2-second title gives one open-ended chunk', () => {
    expect(checked(plan(2, 30))).toEqual([{ index: 0, startFrame: 0, endFrame: undefined }]);
  });

  it('a chunk is chunkSegments whole segments long (4 s segments × 8 = 32 s at 24 fps)', () => {
    const chunks = checked(plan(100, 24, 1, 4, 8));
    expect(chunks.map((c) => c.startFrame)).toEqual([0, 768, 1536]);
  });
});
