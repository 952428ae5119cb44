import { describe, expect, it } from 'vitest';
import { chunkRound, planChunks, type Chunk, type ChunkPlanInput } from '../../../pipeline/chunks.ts';

const plan = (durationS: number, num: number, den = 1, segmentS = 6, chunkSegments = 5, slots = 1): ChunkPlanInput => ({
  durationS,
  frameRate: { num, den },
  segmentS,
  chunkSegments,
  slots,
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
  const segments: number[] = [];
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    const next = chunks[i + 1];
    // Contiguous: each chunk ends exactly where the next begins; only the last is open-ended.
    if (next !== undefined) expect(c.endFrame).toBe(next.startFrame);
    // Whole segments: a chunk starts on the first frame at or after a segment boundary,
    // because that is the frame the HLS muxer cuts at (it splits at the first keyframe whose
    // time is >= n × hls_time). A boundary frame even slightly earlier is not cut there.
    const boundaryS = Math.round(c.startFrame / fps / p.segmentS) * p.segmentS;
    expect(c.startFrame / fps, `chunk ${i} starts before ${boundaryS} s`).toBeGreaterThanOrEqual(boundaryS - 1e-9);
    if (i > 0) expect((c.startFrame - 1) / fps, `chunk ${i} starts a frame late`).toBeLessThan(boundaryS);
    segments.push(boundaryS / p.segmentS);
    // Its segments are numbered from the segment it starts.
    expect(c.firstSegment).toBe(boundaryS / p.segmentS);
    for (let f = c.startFrame; f < (c.endFrame ?? seen.length); f++) seen[f]! += 1;
  });
  expect(seen.every((n) => n === 1)).toBe(true);
  // Near-equal, longest first, none over chunkSegments (the last may end inside its last segment).
  const sizes = segments.map((s, i) => (segments[i + 1] ?? Math.ceil(p.durationS / p.segmentS - 1e-6)) - s);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(p.chunkSegments);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
  return chunks;
}

describe('planChunks', () => {
  it('47.3 s at 25 fps on one slot: 8 segments as two chunks of 4', () => {
    expect(checked(plan(47.3, 25))).toEqual([
      { index: 0, startFrame: 0, endFrame: 600, firstSegment: 0 },
      { index: 1, startFrame: 600, endFrame: undefined, firstSegment: 4 },
    ]);
  });

  it('75 s on one slot: the fewest chunks (5, 4 and 4 segments), no 15 s tail alone', () => {
    expect(checked(plan(75, 25)).map((c) => c.startFrame)).toEqual([0, 750, 1350]);
  });

  // Issue 19's timeline: 30 + 30 + 15 s on two workers left one idle while a 30 s chunk ended
  // alone. Four chunks (24, 18, 18, 15 s) run longest first end at 40 s against 46 s for three.
  it('75 s on two slots: four chunks, so that neither worker finishes alone', () => {
    expect(checked(plan(75, 25, 1, 6, 5, 2)).map((c) => c.startFrame)).toEqual([0, 600, 1050, 1500]);
  });

  it('a 12 s title on two slots is split in two: a chunk per worker', () => {
    expect(checked(plan(12, 30, 1, 6, 5, 2))).toHaveLength(2);
  });

  it('a 2-hour title on 100 slots gets a multiple of 100 chunks: every round of the fleet is full', () => {
    const chunks = checked(plan(7200, 24000, 1001, 6, 5, 100));
    expect(chunks.length % 100).toBe(0);
    expect(chunks.length).toBeGreaterThanOrEqual(240);
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

  it('a 2-second title gives one open-ended chunk, whatever the fleet', () => {
    expect(checked(plan(2, 30, 1, 6, 5, 8))).toEqual([{ index: 0, startFrame: 0, endFrame: undefined, firstSegment: 0 }]);
  });

  it('a chunk is at most chunkSegments whole segments long (25 segments of 4 s, 8 at most: 7, 6, 6, 6)', () => {
    const chunks = checked(plan(100, 24, 1, 4, 8));
    expect(chunks.map((c) => c.startFrame)).toEqual([0, 672, 1248, 1824]);
  });

  it('refuses a fleet of no slots', () => {
    expect(() => planChunks(plan(60, 25, 1, 6, 5, 0))).toThrow(RangeError);
  });
});

describe('chunkRound', () => {
  it('is the 30 s stretch of its title a chunk starts in, whatever the chunk sizes', () => {
    const round = (startFrame: number) => chunkRound(startFrame, { num: 25, den: 1 }, 6, 5);
    expect([0, 150, 749, 750, 1499, 1500].map(round)).toEqual([0, 0, 0, 1, 1, 2]);
    // 29.97 fps: the first frame at or after 30 s (frame 900) starts round 1.
    expect(chunkRound(900, { num: 30000, den: 1001 }, 6, 5)).toBe(1);
    expect(chunkRound(899, { num: 30000, den: 1001 }, 6, 5)).toBe(0);
  });
});
