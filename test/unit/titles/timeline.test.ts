import { describe, expect, it } from 'vitest';
import { timelineOf, type JobSpan } from '../../../titles/timeline.ts';

const span = (job: string, startS: number, endS: number): JobSpan => ({
  job,
  startMs: 1_000_000 + startS * 1000,
  endMs: 1_000_000 + endS * 1000,
});

describe('timelineOf', () => {
  const spans = [
    span('probe', 0.5, 2.5),
    span('sample', 2.6, 6.0),
    span('sample', 2.6, 5.0),
    span('build-ladder', 8.0, 8.2),
    span('encode-chunk', 8.3, 38.3),
    span('encode-audio', 8.3, 10.3),
    span('encode-chunk', 8.3, 30.3),
    span('encode-chunk', 38.4, 53.4),
    span('package', 53.5, 54.2),
  ];

  it('sums the longest run of each step along the path: probe, sample, ladder, chunk, package', () => {
    // 2 + 3.4 + 0.2 + 30 + 0.7: what unlimited workers would take.
    expect(timelineOf(spans, 1_000_000).criticalPathS).toBeCloseTo(36.3, 6);
  });

  it('lists each step with its runs, first start and last end from the title creation, in start order', () => {
    expect(timelineOf(spans, 1_000_000).phases).toEqual([
      { job: 'probe', runs: 1, firstStartS: 0.5, lastEndS: 2.5, longestS: 2 },
      { job: 'sample', runs: 2, firstStartS: 2.6, lastEndS: 6, longestS: 3.4 },
      { job: 'build-ladder', runs: 1, firstStartS: 8, lastEndS: 8.2, longestS: 0.2 },
      { job: 'encode-audio', runs: 1, firstStartS: 8.3, lastEndS: 10.3, longestS: 2 },
      { job: 'encode-chunk', runs: 3, firstStartS: 8.3, lastEndS: 53.4, longestS: 30 },
      { job: 'package', runs: 1, firstStartS: 53.5, lastEndS: 54.2, longestS: 0.7 },
    ]);
  });

  it('runs the sound beside the analysis and the chunks: the longer of the two is on the path', () => {
    const film = [
      span('probe', 0, 2),
      span('encode-audio', 2, 62),
      span('sample', 2, 6),
      span('build-ladder', 6, 6.5),
      span('encode-chunk', 6.5, 36.5),
      span('package', 62, 63),
    ];
    // 2 + max(4 + 0.5 + 30, 60) + 1: the sound is the path.
    expect(timelineOf(film, 1_000_000).criticalPathS).toBeCloseTo(63, 6);
    const short = film.map((s) => (s.job === 'encode-audio' ? span('encode-audio', 2, 12) : s));
    // 2 + max(34.5, 10) + 1: the video is.
    expect(timelineOf(short, 1_000_000).criticalPathS).toBeCloseTo(37.5, 6);
  });

  it('is empty before any job ran', () => {
    expect(timelineOf([], 0)).toEqual({ phases: [], criticalPathS: 0 });
  });
});
