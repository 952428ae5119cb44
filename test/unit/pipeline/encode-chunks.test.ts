import { describe, expect, it } from 'vitest';
import { CHUNK_OVERHEAD_S, chunkRound, planChunks, titleChunkPlan, type Chunk, type ChunkPlanInput } from '../../../pipeline/chunks.ts';
import { DEFAULT_ENCODE_SETTINGS } from '../../../ffmpeg/encode-settings.ts';

const plan = (durationS: number, num: number, den = 1, segmentS = 6, chunkSegments = 5, slots = 1, gopS = 2): ChunkPlanInput => ({
  durationS,
  frameRate: { num, den },
  segmentS,
  gopS,
  chunkSegments,
  slots,
});

/** Frame count a source of this duration has (ffmpeg rounds the last frame up). */
const totalFrames = (p: ChunkPlanInput): number => Math.ceil((p.durationS * p.frameRate.num) / p.frameRate.den);

/** When the last chunk ends, each chunk costing its length plus the overhead, workers taking them in queue order as they free. */
function makespanS(lengthsS: readonly number[], slots: number): number {
  const free = new Array<number>(slots).fill(0);
  for (const len of lengthsS) {
    const i = free.indexOf(Math.min(...free));
    free[i]! += len + CHUNK_OVERHEAD_S;
  }
  return Math.max(...free);
}

/** Seconds of media in each chunk of a plan. */
function lengthsS(chunks: readonly Chunk[], p: ChunkPlanInput): number[] {
  const fps = p.frameRate.num / p.frameRate.den;
  return chunks.map((c) => (c.endFrame === undefined ? p.durationS : c.endFrame / fps) - c.startFrame / fps);
}

/** Checks the invariants every plan must hold and returns the plan. */
function checked(p: ChunkPlanInput): Chunk[] {
  const chunks = planChunks(p);
  const fps = p.frameRate.num / p.frameRate.den;
  const perSegment = p.segmentS / p.gopS;
  const units = Math.ceil(p.durationS / p.gopS - 1e-6);
  expect(chunks.length).toBeGreaterThan(0);
  expect(chunks[0]!.startFrame).toBe(0);
  expect(chunks.at(-1)!.endFrame).toBeUndefined();
  const seen = new Uint8Array(totalFrames(p));
  const starts: number[] = [];
  let segment = 0;
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    const next = chunks[i + 1];
    // Contiguous: each chunk ends exactly where the next begins; only the last is open-ended.
    if (next !== undefined) expect(c.endFrame).toBe(next.startFrame);
    // On a forced keyframe: a chunk starts on the first frame at or after a multiple of gopS,
    // because that is the frame the HLS muxer cuts at (it splits at the first keyframe whose
    // time is >= n × hls_time). A boundary frame even slightly earlier is not cut there.
    const unit = Math.round(c.startFrame / fps / p.gopS);
    expect(c.startFrame / fps, `chunk ${i} starts before ${unit * p.gopS} s`).toBeGreaterThanOrEqual(unit * p.gopS - 1e-9);
    if (i > 0) expect((c.startFrame - 1) / fps, `chunk ${i} starts a frame late`).toBeLessThan(unit * p.gopS);
    starts.push(unit);
    // Its segments are numbered after every earlier chunk's, each cut from its own start.
    expect(c.firstSegment).toBe(segment);
    const size = (chunks[i + 1] === undefined ? units : Math.round(chunks[i + 1]!.startFrame / fps / p.gopS)) - unit;
    segment += Math.ceil(size / perSegment);
    for (let f = c.startFrame; f < (c.endFrame ?? seen.length); f++) seen[f]! += 1;
  });
  expect(seen.every((n) => n === 1)).toBe(true);
  // Every chunk holds a frame, and there are never more chunks than segments.
  for (const c of chunks) expect((c.endFrame ?? seen.length) - c.startFrame, `chunk ${c.index}`).toBeGreaterThan(0);
  expect(chunks.length).toBeLessThanOrEqual(Math.ceil(units / perSegment));
  const sizes = starts.map((s, i) => (starts[i + 1] ?? units) - s);
  // None over chunkSegments; the chunks before the last round are near-equal whole segments,
  // longest first (the last round is sized by when the workers free).
  expect(Math.max(...sizes)).toBeLessThanOrEqual(p.chunkSegments * perSegment);
  const tail = Math.min(p.slots, chunks.length);
  const head = sizes.slice(0, chunks.length - tail);
  expect(head.every((n) => n % perSegment === 0)).toBe(true);
  if (head.length > 0) expect(Math.max(...head) - Math.min(...head)).toBeLessThanOrEqual(perSegment);
  expect([...head].sort((a, b) => b - a)).toEqual(head);
  // The last round's chunks but the last are a segment or more: a chunk never is a short segment.
  expect(sizes.slice(chunks.length - tail, -1).every((n) => n >= perSegment)).toBe(true);
  // At most slots - 1 chunks end off the segment grid: each adds one short segment.
  expect(starts.filter((s) => s % perSegment !== 0).length).toBeLessThanOrEqual(p.slots - 1);
  return chunks;
}

/** The plan of whole segments only (near-equal, longest first) with `count` chunks, in seconds of media. */
function wholeSegmentLengthsS(p: ChunkPlanInput, count: number): number[] {
  const segments = Math.ceil(p.durationS / p.segmentS - 1e-6);
  const sizes = Array.from({ length: count }, (_, i) => Math.floor(segments / count) + (i < segments % count ? 1 : 0));
  return sizes.map((n, i) => Math.min(n * p.segmentS, p.durationS - sizes.slice(0, i).reduce((s, m) => s + m, 0) * p.segmentS));
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
  // alone. Four chunks run in queue order end at 39 s against 46 s for three: 24 and 18 s
  // of whole segments, then 20 and 13 s, water-filled so that both workers end together.
  it('75 s on two slots: four chunks, so that neither worker finishes alone', () => {
    const p = plan(75, 25, 1, 6, 5, 2);
    const chunks = checked(p);
    expect(chunks.map((c) => c.startFrame)).toEqual([0, 600, 1050, 1550]);
    // Chunk 2 (42-62 s) ends off the grid with a 2 s segment, so chunk 3 starts segment 11.
    expect(chunks.map((c) => c.firstSegment)).toEqual([0, 4, 7, 11]);
    expect(makespanS(lengthsS(chunks, p), 2)).toBeCloseTo(39, 6);
  });

  // Issue 19's vtest: 79.5 s at 10 fps on two workers. Whole segments gave 24, 24, 18 and 13.5 s,
  // one worker 42 s of media and the other 37.5 s.
  it('79.5 s on two slots: the last round is shared so that both workers end within a keyframe interval', () => {
    const p = plan(79.5, 10, 1, 6, 5, 2);
    const lengths = lengthsS(checked(p), p);
    expect(lengths).toEqual([24, 24, 16, 15.5]);
    expect(makespanS(lengths, 2)).toBeLessThan(makespanS(wholeSegmentLengthsS(p, 4), 2) - 1);
  });

  it('a title ending just past a keyframe mark gets no chunk without frames (8.008 s at 29.97 fps, 3 slots)', () => {
    const p = plan(8.008, 30000, 1001, 6, 5, 3);
    expect(totalFrames(p)).toBe(240);
    expect(checked(p).at(-1)!.startFrame).toBeLessThan(240);
  });

  it('a short title on a large fleet keeps whole segments: 30 s on 16 slots is five 6 s chunks', () => {
    expect(checked(plan(30, 30, 1, 6, 5, 16)).map((c) => c.startFrame)).toEqual([0, 180, 360, 540, 720]);
  });

  it('never ends later than the plan of whole segments with as many chunks, over many titles and fleets', () => {
    for (const slots of [1, 2, 3, 4, 8, 16]) {
      for (let durationS = 1; durationS <= 400; durationS += 3.7) {
        const p = plan(durationS, 30000, 1001, 6, 5, slots);
        const chunks = checked(p);
        const whole = wholeSegmentLengthsS(p, chunks.length);
        // Within two frames: the plan's lengths are whole frames, these exact seconds.
        if (whole.every((l) => l > 0))
          expect(makespanS(lengthsS(chunks, p), slots), `${durationS} s on ${slots}`).toBeLessThanOrEqual(makespanS(whole, slots) + 0.067);
      }
    }
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

  it('a chunk is at most chunkSegments segments long (25 segments of 4 s, 8 at most: 7, 6, 6, 6)', () => {
    const chunks = checked(plan(100, 24, 1, 4, 8));
    expect(chunks.map((c) => c.startFrame)).toEqual([0, 672, 1248, 1824]);
  });

  it('refuses a fleet of no slots', () => {
    expect(() => planChunks(plan(60, 25, 1, 6, 5, 0))).toThrow(RangeError);
  });

  it('refuses a keyframe interval that does not divide the segment', () => {
    expect(() => planChunks(plan(60, 25, 1, 6, 5, 2, 4))).toThrow(/gopS to divide segmentS/);
  });
});

describe('titleChunkPlan of a master whose reads decode long stretches before their frames', () => {
  const fps = { num: 25, den: 1 };
  const settings = { ...DEFAULT_ENCODE_SETTINGS, fleetSlots: 2 };
  /** Media the chunks decode: each from the last keyframe (`gapS` apart, from 0) at or before its start to its end. */
  const decodedS = (chunks: readonly Chunk[], extentS: number, gapS: number): number =>
    chunks.reduce((s, c) => s + (c.endFrame === undefined ? extentS : c.endFrame / 25) - Math.floor(c.startFrame / 25 / gapS) * gapS, 0);

  it('cuts a 2-hour title read from its start into as many chunks as the fleet has slots, not 240 of 30 s', () => {
    const seekable = titleChunkPlan(7200, fps, settings);
    const fromStart = titleChunkPlan(7200, fps, settings, 7200);
    expect(seekable).toHaveLength(240);
    expect(fromStart.map((c) => [c.startFrame, c.endFrame])).toEqual([
      [0, 90_000],
      [90_000, undefined],
    ]);
    // Read from the start, the 240 chunks would decode 241 / 2 titles; two decode one and a half.
    expect(decodedS(seekable, 7200, 7200) / 7200).toBeCloseTo(120.5, 1);
    expect(decodedS(fromStart, 7200, 7200) / 7200).toBe(1.5);
    expect(titleChunkPlan(7200, fps, { ...settings, fleetSlots: 4 }, 7200)).toHaveLength(4);
  });

  it('gives a master with a keyframe every 100 s at most a chunk per keyframe interval, which decodes less', () => {
    const capped = titleChunkPlan(7200, fps, settings, 100);
    expect(capped).toHaveLength(72);
    expect(decodedS(capped, 7200, 100)).toBeLessThan(decodedS(titleChunkPlan(7200, fps, settings), 7200, 100));
  });

  it('changes nothing where keyframes are closer than a chunk, or the title has no more chunks than slots', () => {
    expect(titleChunkPlan(7200, fps, settings, 10)).toEqual(titleChunkPlan(7200, fps, settings));
    expect(titleChunkPlan(14, fps, settings, 14)).toEqual(titleChunkPlan(14, fps, settings));
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
