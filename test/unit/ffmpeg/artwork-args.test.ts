import { describe, expect, it } from 'vitest';
import {
  buildArtworkArgs,
  candidateSelectExpr,
  quoteFilterValue,
  segmentSeekLeadS,
  type ArtworkCandidatesCommand,
} from '../../../ffmpeg/artwork-args.ts';
import { parseFrameLog } from '../../../ffmpeg/artwork-frame-log.ts';
import { artworkSegments, InvalidSamplingOptionError, planArtworkSampling } from '../../../ffmpeg/artwork-plan.ts';
import { framesWithNeighboursBothSides } from '../../../stills/bursts.ts';
import type { AnalysedCandidate } from '../../../artwork/index.ts';

const plan60 = planArtworkSampling({ durationS: 60, displayWidth: 1280, displayHeight: 720 });
/** The candidate pass over the whole of a 60 s title. */
const CANDIDATES: ArtworkCandidatesCommand = {
  kind: 'artwork-candidates',
  input: 'https://s3.test/master?sig=x',
  videoStartS: 0,
  plan: plan60,
  seekLeadS: 0,
  rawOutput: '/tmp/a/candidates.rgb',
  frameLog: '/tmp/a/candidates.log',
  cutLog: '/tmp/a/cuts.log',
};

// File snapshots of the argv arrays (one argument per line), so argument boundaries show in review.
describe('artwork ffmpeg argument snapshots', () => {
  it('candidates: one decode, select → frame log → 480 px rgb24, cut frames logged to their own file', () => {
    expect(buildArtworkArgs(CANDIDATES)).toMatchSnapshot();
  });

  it('candidates, a later stretch: seeks by timestamp half a frame before it, and trims once its last cut burst is complete', () => {
    expect(segmentSeekLeadS({ num: 30, den: 1 })).toBeCloseTo(1 / 60, 12);
    expect(segmentSeekLeadS({ num: 30000, den: 1001 })).toBeCloseTo(1001 / 60000, 12);
    const args = buildArtworkArgs({
      kind: 'artwork-candidates',
      input: '/m/master.ts',
      videoStartS: 1.4,
      plan: plan60,
      segment: { startS: 30, endS: 45 },
      seekLeadS: segmentSeekLeadS({ num: 30, den: 1 }),
      rawOutput: '/tmp/a/segment-1.rgb',
      frameLog: '/tmp/a/segment-1.log',
      cutLog: '/tmp/a/segment-1-cuts.log',
    });
    expect(args).toMatchSnapshot();
    expect(args[args.indexOf('-ss') + 1]).toBe('31.383333');
    // 1.4 + 45 + afterCut 0.6 + δ 0.25 + 1
    expect(args[args.indexOf('-filter_complex') + 1]).toMatch(/^\[0:v:0\]trim=end=48\.25,select=/);
    const wider = buildArtworkArgs({
      kind: 'artwork-candidates',
      input: '/m/master.ts',
      videoStartS: 1.4,
      plan: plan60,
      segment: { startS: 30, endS: 45 },
      seekLeadS: 10,
      rawOutput: '/tmp/a/s.rgb',
      frameLog: '/tmp/a/s.log',
      cutLog: '/tmp/a/c.log',
    });
    expect(wider[wider.indexOf('-ss') + 1]).toBe('21.400000');
    const fromStart = buildArtworkArgs({
      kind: 'artwork-candidates',
      input: '/m/master.ts',
      videoStartS: 1.4,
      plan: plan60,
      segment: { startS: 30 },
      seekLeadS: 31.4,
      rawOutput: '/tmp/a/s.rgb',
      frameLog: '/tmp/a/s.log',
      cutLog: '/tmp/a/c.log',
    });
    expect(fromStart).not.toContain('-ss');
    expect(fromStart[fromStart.indexOf('-filter_complex') + 1]).not.toContain('trim');
  });

  it('candidates with capture: a third select output, logged, then at analysis size and at display size, each its own raw file', () => {
    const args = buildArtworkArgs({
      kind: 'artwork-candidates',
      input: '/m/master.mp4',
      videoStartS: 0,
      plan: plan60,
      seekLeadS: 0,
      rawOutput: '/tmp/a/c.rgb',
      frameLog: '/tmp/a/c.log',
      cutLog: '/tmp/a/cuts.log',
      capture: {
        maxFrames: 40,
        neighbourWindowS: 1,
        widthPx: 1280,
        heightPx: 720,
        output: '/tmp/a/full.rgb',
        analysisOutput: '/tmp/a/cap.rgb',
        frameLog: '/tmp/a/cap.log',
      },
    });
    expect(args).toMatchSnapshot();
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toMatch(/select=outputs=3:expr='.*'\[cand\]\[cut\]\[cap\];/);
    expect(graph).toContain("[cap]metadata=mode=print:key=lavfi.scene_score:file='/tmp/a/cap.log',split[capsmall][capfull]");
    // The stills' own scale (buildArtworkStillsArgs), so the pixels are the same.
    expect(graph).toContain('[capfull]scale=1280:720,setsar=1,format=rgb24[outfull]');
    const outputs = args.flatMap((a, i) => (a === '-map' ? [[args[i + 1], args[i + 11]]] : []));
    expect(outputs).toEqual([
      ['[out]', '/tmp/a/c.rgb'],
      ['[outsmall]', '/tmp/a/cap.rgb'],
      ['[outfull]', '/tmp/a/full.rgb'],
    ]);
    // Every output keeps the frames as they come (no duplicates to fill the gaps).
    expect(args.filter((a) => a === 'passthrough')).toHaveLength(3);
    expect(() =>
      buildArtworkArgs({
        kind: 'artwork-candidates',
        input: '/m/master.mp4',
        videoStartS: 0,
        plan: plan60,
        seekLeadS: 0,
        rawOutput: 'a',
        frameLog: 'b',
        cutLog: 'c',
        capture: { maxFrames: 0, neighbourWindowS: 1, widthPx: 2, heightPx: 2, output: 'd', analysisOutput: 'e', frameLog: 'f' },
      }),
    ).toThrow(RangeError);
  });

  // Split, not shortened: the name keys the snapshot.
  const stills =
    'stills: one ffmpeg, each still its own input seeking exactly to it (decode from its keyframe), ' +
    'then the first frame at or after atS − half a frame, at display size';
  it(stills, () => {
    expect(
      buildArtworkArgs({
        kind: 'artwork-stills',
        input: '/m/master.mov',
        videoStartS: 1.4,
        frameDurationS: 1 / 25,
        widthPx: 1920,
        heightPx: 1080,
        stills: [
          { atS: 12.5, output: '/tmp/a/s12500.rgb' },
          { atS: 0.25, output: '/tmp/a/s250.rgb' },
        ],
      }),
    ).toMatchSnapshot();
  });

  it('stills: seeks ten seconds early when asked (the retry for containers with imprecise seeks), by timestamp, never trimming', () => {
    const args = buildArtworkArgs({
      kind: 'artwork-stills',
      input: '/m/master.mov',
      videoStartS: 1.4,
      frameDurationS: 1 / 25,
      widthPx: 1920,
      heightPx: 1080,
      stills: [{ atS: 12.5, output: '/tmp/a/s12500.rgb' }],
      seek: 'early',
    });
    expect(args[args.indexOf('-ss') + 1]).toBe('3.900000');
    expect(args).toContain('-noaccurate_seek');
    expect(args[args.indexOf('-seek_timestamp') + 1]).toBe('1');
    const exact = buildArtworkArgs({
      kind: 'artwork-stills',
      input: '/m/master.mov',
      videoStartS: 1.4,
      frameDurationS: 1 / 25,
      widthPx: 1920,
      heightPx: 1080,
      stills: [{ atS: 12.5, output: '/tmp/a/s12500.rgb' }],
    });
    expect(exact[exact.indexOf('-ss') + 1]).toBe('13.900002');
  });

  it("fits every frame into the master's size first, and keeps the graph when the size changes", () => {
    const frameSize = { width: 1280, height: 720 };
    const candidates = buildArtworkArgs({ ...CANDIDATES, frameSize });
    const stills = buildArtworkArgs({
      kind: 'artwork-stills',
      input: '/m/rec.webm',
      videoStartS: 0,
      frameDurationS: 1 / 25,
      widthPx: 1280,
      heightPx: 720,
      stills: [{ atS: 12.5, output: '/tmp/a/s12500.rgb' }],
      frameSize,
    });
    const fit = 'scale=w=1280:h=720:force_original_aspect_ratio=decrease:eval=frame,pad=w=1280:h=720:x=(ow-iw)/2:y=(oh-ih)/2:eval=frame,';
    for (const args of [candidates, stills]) {
      // An input option: before the master's -i.
      expect(args.indexOf('-reinit_filter')).toBeLessThan(args.indexOf('-i'));
      expect(args[args.indexOf('-reinit_filter') + 1]).toBe('0');
      expect(args[args.indexOf('-filter_complex') + 1]).toMatch(new RegExp(`^\\[0:v:0\\]${fit.replace(/[()]/g, '\\$&')}`));
    }
  });

  it('stills: refuses an empty batch', () => {
    expect(() =>
      buildArtworkArgs({
        kind: 'artwork-stills',
        input: '/m/master.mov',
        videoStartS: 0,
        frameDurationS: 1 / 25,
        widthPx: 1920,
        heightPx: 1080,
        stills: [],
      }),
    ).toThrow(RangeError);
  });
});

describe('planArtworkSampling', () => {
  it('samples every 2 s on short titles and keeps the display aspect at 480 px wide (even height)', () => {
    expect(plan60).toMatchObject({ widthPx: 480, heightPx: 270, sampleIntervalS: 2, samplePhaseS: 1, neighbourOffsetS: 0.25 });
    expect(planArtworkSampling({ durationS: 10, displayWidth: 1024, displayHeight: 576 }).heightPx).toBe(270);
    expect(planArtworkSampling({ durationS: 10, displayWidth: 1080, displayHeight: 1920 }).heightPx).toBe(854);
  });

  it('bounds the bursts of a two-hour title to maxBursts (one every 2 minutes)', () => {
    const plan = planArtworkSampling({ durationS: 7200, displayWidth: 1920, displayHeight: 1080 });
    expect(plan.sampleIntervalS).toBe(120);
    expect(plan.minCutGapS).toBe(120);
  });

  it('cuts no more stretches than the gaps between entry points: one for a master with one keyframe', () => {
    const video = { durationS: 7200, displayWidth: 640, displayHeight: 360 };
    expect(planArtworkSampling({ ...video, keyframeGapS: 7200 }).segmentStartsS).toEqual([0]);
    expect(planArtworkSampling({ ...video, keyframeGapS: 3000 }).segmentStartsS).toEqual([0, 3600]);
    // Keyframes closer than a stretch change nothing.
    expect(planArtworkSampling({ ...video, keyframeGapS: 10 }).segmentStartsS).toEqual([0, 1800, 3600, 5400]);
  });

  it('cuts the candidate pass into stretches of at least 30 s, at most 4, from the length alone', () => {
    expect(planArtworkSampling({ durationS: 14, displayWidth: 640, displayHeight: 360 }).segmentStartsS).toEqual([0]);
    expect(plan60.segmentStartsS).toEqual([0, 30]);
    expect(planArtworkSampling({ durationS: 100, displayWidth: 640, displayHeight: 360 }).segmentStartsS).toEqual([0, 33.333, 66.667]);
    expect(planArtworkSampling({ durationS: 7200, displayWidth: 640, displayHeight: 360 }).segmentStartsS).toEqual([0, 1800, 3600, 5400]);
    expect(artworkSegments(plan60)).toEqual([{ startS: 0, endS: 30 }, { startS: 30 }]);
    expect(() => planArtworkSampling({ durationS: 10, displayWidth: 640, displayHeight: 360 }, { maxSegments: 0 })).toThrow(
      /`maxSegments`/,
    );
    expect(() => planArtworkSampling({ durationS: 10, displayWidth: 640, displayHeight: 360 }, { minSegmentS: -1 })).toThrow(
      /`minSegmentS`/,
    );
  });

  it('puts the only burst of a 2 s title in its middle', () => {
    expect(planArtworkSampling({ durationS: 2, displayWidth: 320, displayHeight: 180 }).samplePhaseS).toBe(1);
  });

  it('names the field and value of a bad option', () => {
    expect(() => planArtworkSampling({ durationS: 10, displayWidth: 640, displayHeight: 360 }, { maxBursts: 0 })).toThrow(
      InvalidSamplingOptionError,
    );
    expect(() => planArtworkSampling({ durationS: 10, displayWidth: 640, displayHeight: 360 }, { cutThreshold: 2 })).toThrow(
      /`cutThreshold`.*got 2/,
    );
    expect(() => planArtworkSampling({ durationS: 0, displayWidth: 640, displayHeight: 360 })).toThrow(/`durationS`/);
  });
});

describe('candidateSelectExpr', () => {
  it('addresses times relative to the first video frame and contains no option separator', () => {
    const expr = candidateSelectExpr(1.4, plan60);
    expect(expr.startsWith('st(2,t-1.4)')).toBe(true);
    expect(expr).not.toContain(':');
    expect(expr).not.toContain("'");
  });

  it('lets only the frames of a stretch start cuts and regular bursts, while its cut bursts may run past its end', () => {
    const whole = candidateSelectExpr(0, plan60);
    expect(whole).not.toContain('lt(ld(2),');
    const middle = candidateSelectExpr(0, plan60, { startS: 30, endS: 45 });
    expect(middle).toContain('st(3,gte(scene,0.3)*gte(ld(2),30)*lt(ld(2),45)*(');
    // The after-cut terms carry no stretch bound: a burst after a cut at 44.9 s is this stretch's.
    expect(middle).toMatch(/\*gte\(ld\(2\),30\)\*lt\(ld\(2\),45\)\+gt\(ld\(1\),0\)\*\(gte\(ld\(2\),ld\(0\)\+0\.35\)/);
    // The first frame decoded is logged, so the caller sees where the seek landed.
    expect(middle.endsWith('if(ld(4),1,2*gt(gte(scene,0.3)*gte(ld(2),30)*lt(ld(2),45)+eq(n,0),0))')).toBe(true);
  });

  it('captures a kept frame with a kept frame within the window before it and a burst target within it after, up to maxFrames', () => {
    const expr = candidateSelectExpr(0, plan60, { startS: 30, endS: 45 }, { maxFrames: 12, neighbourWindowS: 1 });
    // Not the first frame decoded; the window a microsecond wider (times compared at 6 decimals).
    expect(expr).toContain('st(5,ld(4)*gt(n,0)*lte(ld(2)-ld(7),1.000001)*lte(min(');
    expect(expr).toContain(',1.000001)*lt(ld(6),12))');
    // The last kept (or regular-grid) time, "long ago" until there is one.
    expect(expr).toContain('st(7,if(ld(8),ld(2),if(eq(n,0),-1000000000,ld(7))))');
    expect(expr).toContain('*lt(ld(6),12))');
    // The next regular target after t (grid middle: 1 + 2k) and the cut burst's, if still ahead.
    expect(expr).toContain('1+2*(floor((ld(2)-1)/2)+1)');
    expect(expr).toContain('if(gt(ld(1),0),if(gt(ld(0)+0.6,ld(2)),ld(0)+0.6,1000000000),1000000000)');
    expect(expr.endsWith('if(ld(4),1+2*ld(5),2*gt(gte(scene,0.3)*gte(ld(2),30)*lt(ld(2),45)+eq(n,0),0))')).toBe(true);
    expect(candidateSelectExpr(0, plan60)).not.toContain('ld(5)');
  });

  it('refuses a filter value that cannot be quoted', () => {
    expect(quoteFilterValue('/tmp/a b/c.log')).toBe("'/tmp/a b/c.log'");
    expect(() => quoteFilterValue("/tmp/it's")).toThrow(RangeError);
  });
});

describe('parseFrameLog', () => {
  it('reads pts_time and scene score per frame, skipping frames without a time', () => {
    const log = [
      'frame:0    pts:9600    pts_time:0.76',
      'lavfi.scene_score=0.001234',
      'frame:1    pts:12800   pts_time:1',
      'lavfi.scene_score=0.512000',
      'frame:2    pts:NOPTS   pts_time:NOPTS',
      'lavfi.scene_score=0.000000',
      'frame:3    pts:16384   pts_time:1.28',
      '',
    ].join('\n');
    expect(parseFrameLog(log)).toEqual([
      { ptsTimeS: 0.76, sceneScore: 0.001234 },
      { ptsTimeS: 1, sceneScore: 0.512 },
      { ptsTimeS: 1.28, sceneScore: 0 },
    ]);
    expect(parseFrameLog('')).toEqual([]);
  });
});

describe('framesWithNeighboursBothSides', () => {
  const frame = (index: number, atS: number, sceneIndex: number): AnalysedCandidate => ({
    index,
    atS,
    sceneIndex,
    analysis: { undecodable: 'not needed here' },
  });

  it('offers only burst middles whose both neighbours are in the same shot and within the window', () => {
    const frames = [
      frame(0, 0.75, 0),
      frame(1, 1, 0),
      frame(2, 1.25, 0), // a whole burst: its middle is offered
      frame(3, 2.75, 0),
      frame(4, 3, 1),
      frame(5, 3.25, 1), // a cut at 3 s splits this burst
      frame(6, 3.35, 1),
      frame(7, 3.6, 1),
      frame(8, 3.85, 1),
    ];
    // Neighbours must be decodable to count as evidence.
    const decodable = frames.map((f) => ({ ...f, analysis: {} as never }));
    expect([...framesWithNeighboursBothSides(decodable, 1)]).toEqual([1, 5, 6, 7]);
    expect([...framesWithNeighboursBothSides(frames, 1)]).toEqual([]);
  });
});
