import { activeCodedSize, activeDisplaySize, videoExtentS, type ProbeResult } from '../../ffmpeg/probe.ts';
import { picturedS, timelineOf } from '../../ffmpeg/source-frames.ts';
import { chooseSampleWindows, gopWindowS, type SampleWindow, type SampleWindowOptions } from '../../ladder/sample-windows.ts';
import type { EncodeSettings } from '../../ffmpeg/encode-settings.ts';
import { sampleSizes, splitSampleWork } from '../../ladder/sample-sizes.ts';
import { perTitleLadder } from '../../ladder/per-title.ts';
import { viewerMinimums } from '../../ladder/per-title-options.ts';
import { aggregateWindows, densifyCrf, fixedLadderCurve, monotoneCurve, type WindowPoints } from '../../ladder/aggregate.ts';
import { bdRateAgainst } from '../../ladder/bd-rate.ts';
import type { Rung } from '../../ladder/types.ts';
import type { LadderAnalysis } from '../../titles/model.ts';
import { ladderFlow } from '../../pipeline/graph.ts';
import { enqueueEncode } from './enqueue-encode.ts';
import type { BuildLadderJobData, SampledWindow, SampleJobData, SourceRef } from '../../pipeline/types.ts';
import type { Handler, WorkerDeps } from './context.ts';
import { windowKeyframes, type AnalysisReads } from './analysis-reads.ts';
import { readsFromStart } from '../measure/keyframes.ts';
import type { SampleFailure } from './sample.ts';
import type { SampleResult } from './sample-window.ts';

/**
 * CRFs each sample is encoded at: three points per size span the useful range of x264 (near
 * transparent to heavily compressed), and the CRFs between are interpolated (`densifyCrf`).
 * Two points (20, 34) saved a third of the sample cost but draw a straight chord where the
 * rate-quality curve bends: on grainy content the chord put the 540p/720p crossover at the
 * wrong rate, and bench:ladder's noisy title went from -11.5% BD-rate to +12.9% (worse than
 * the fixed ladder). The middle point is what sees the bend.
 */
export const SAMPLE_CRFS: readonly number[] = [20, 27, 34];

/**
 * Rungs come from the whole Pareto front (the best quality measured at each rate), not only
 * from the hull's vertices or points near it. The upper convex hull assumes a player can
 * time-share between its vertices; a rung cannot. On synthetic, very clean or still content
 * the rate-quality curve bends upward and the hull collapses to its two ends: a still's
 * full-size encode at CRF 34 is the best picture available at its rate, yet lies 4 dB under
 * the chord from a tiny encode to a huge one, and a 3 dB tolerance threw it away and left the
 * title one 480 kbit/s rung. A tolerance of the whole PSNR range (100 dB) keeps every
 * Pareto-optimal point. A per-title ladder may also go below Apple's 145 kbit/s bottom rung:
 * that is where simple titles save most.
 */
const PER_TITLE_OPTIONS = { hullToleranceDb: 100, minBitrateKbps: 16 } as const;

/** Share of the title sample-encoded, at most: keeps the analysis near a tenth of the encode. */
export const SAMPLE_SHARE = { maxShare: 0.05, maxTotalS: 60 } as const;

/**
 * What a second of the master decoded before a window costs, in seconds of sample window
 * (`SampleWindowOptions.preRollCost`), per read. A window read on its own is read twice (its
 * encode's and its reference's), each from its entry point; on a master read from its start,
 * or with one keyframe (a browser's recording), that is half the title per read on average.
 * Unpriced, a 636 s one-keyframe VP8 master spent 139 s of CPU on 30 s of windows, 114 s of it
 * decoding pre-roll: more than its whole chunk encode (129 s). Such a master's windows are now
 * all cut from one read (`oneReadSamples`), paid once.
 *
 * One second of sampling (every size at three CRFs, then measured) costs 26 to 142 times a
 * single-threaded decode of the same second over seven masters (MPEG-2, MPEG-4 part 2,
 * MS-MPEG-4, H.264, VP8; 360p to 1080p), median 83. The cheapest decoders (MPEG-4 part 2) are
 * the top of that range; the bottom is a 1.6 s 1080p clip whose sampling was mostly process
 * start. One read at about the median: 1 / 80.
 */
export const READ_COST = 1 / 80;

/**
 * How a title is sampled under `settings`: windows of whole GOPs (`gopWindowS`), no shorter;
 * with `oneRead` (a master every read of which decodes from its start), all cut from one read.
 */
export function sampleOptions(
  settings: Pick<EncodeSettings, 'gopS'>,
  oneRead = false,
): Required<Pick<SampleWindowOptions, 'windowS' | 'minWindowS' | 'preRollCost' | 'oneRead'>> & typeof SAMPLE_SHARE {
  const windowS = gopWindowS(settings.gopS);
  return { windowS, minWindowS: windowS, preRollCost: (oneRead ? 1 : 2) * READ_COST, oneRead, ...SAMPLE_SHARE };
}

/**
 * A title's sample windows: where its reads say its variety is (`chooseSampleWindows`), in the
 * budget `sampleOptions` gives. Pure.
 */
export function titleWindows(
  probe: ProbeResult,
  reads: Pick<AnalysisReads, 'packets' | 'bursts' | 'scan'>,
  settings: Pick<EncodeSettings, 'gopS'>,
): SampleWindow[] {
  const { packets, bursts, scan } = reads;
  return chooseSampleWindows(
    {
      // Windows are chosen where the master has pictures: over its video's extent (sound may run
      // a few frames past the last picture, and a window there has frames no read can give), and
      // short of a held last picture's tail, one still.
      durationS: picturedS(timelineOf(probe), videoExtentS(probe)),
      sceneCutsS: scan.sceneCutsS,
      bitsPerSecond: packets.bitsPerSecond,
      codedPerSecond: scan.codedPerSecond,
      // Windows start where a burst was scanned: described by it, and on a keyframe.
      ...(bursts === undefined ? {} : { candidateStartsS: bursts.map((b) => b.startS) }),
      // Where the samples' reads start: a window's pre-roll from there counts against its budget.
      entryPointsS: probe.video.decodeFromStart === true ? [0] : packets.keyframesS,
    },
    sampleOptions(settings, readsFromStart(probe.video, probe.durationS)),
  );
}

/**
 * Picks sample windows that cover the title's variety (from `reads`) and enqueues one sample
 * job per window under a `build-ladder` parent. Samples run in parallel on the fleet, like chunks.
 */
export async function startLadderAnalysis(
  deps: WorkerDeps,
  source: SourceRef,
  probe: ProbeResult,
  fixed: readonly Rung[],
  reads: AnalysisReads,
  location: string,
  signal: AbortSignal,
): Promise<{ samples: number }> {
  const { startedAtMs, packets, scan } = reads;
  const oneRead = readsFromStart(probe.video, probe.durationS);
  const timeline = timelineOf(probe);
  const windows = titleWindows(probe, reads, deps.settings);
  const keyframes = oneRead
    ? windows.map(() => ({}))
    : await windowKeyframes(deps, source.titleId, location, probe, windows, packets.keyframesS, scan.landings, signal);
  // The source's own size and the fixed ladder's sizes (capped at the source) are the
  // candidates, thinned to steps of 1.3x: a 720x528 master whose fixed ladder stops at 432p
  // could otherwise never ship at its own size, whatever the hull preferred.
  const own = activeDisplaySize(probe.video);
  const sizes = sampleSizes([{ width: own.width - (own.width % 2), height: own.height - (own.height % 2) }, ...fixed]);
  // A window's work is split over sample jobs when the windows alone are fewer than the
  // fleet's slots: the analysis is on every title's critical path. Samples are compared with
  // the master at its coded size.
  const sourceSize = activeCodedSize(probe.video);
  // With one read, one job: another would read the title again.
  const groups = oneRead
    ? [{ sizes, selfCheck: true }]
    : splitSampleWork(sizes, Math.max(1, Math.floor(deps.settings.fleetSlots / windows.length)), SAMPLE_CRFS.length, sourceSize);
  const jobWindows = oneRead ? windows.slice(0, 1) : windows;
  const samples = jobWindows.flatMap((w, windowIndex) =>
    groups.map(
      (group, g): SampleJobData => ({
        source,
        index: windowIndex * groups.length + g,
        window: { ...sampled(w), ...keyframes[windowIndex] },
        ...(oneRead ? { followingWindows: windows.slice(1).map(sampled) } : {}),
        timeline,
        sourceSize,
        ...(probe.video.activeArea === undefined ? {} : { crop: probe.video.activeArea }),
        sizes: group.sizes,
        crfs: SAMPLE_CRFS,
        settings: deps.settings,
        selfCheck: group.selfCheck,
      }),
    ),
  );
  const ladder: BuildLadderJobData = {
    source,
    probe,
    fixed,
    windows: windows.map(sampled),
    startedAtMs,
  };
  await deps.flow.add(ladderFlow(deps.queueName, source, ladder, samples));
  deps.log.info(
    {
      titleId: source.titleId,
      windows: windows.length,
      oneRead,
      sampledS: windows.reduce((s, w) => s + w.durationS, 0),
      cuts: scan.sceneCutsS.length,
    },
    'ladder analysis started',
  );
  return { samples: windows.length };
}

/**
 * Turns the samples' measurements into the title's ladder and enqueues the encode. A failure
 * of the analysis falls back to the fixed ladder with the reason recorded: a title is never
 * lost to its analysis. A failure to enqueue is not the analysis's: it fails the job, whose
 * retry makes the same choice and adds only what is missing (`enqueueEncode`'s job ids).
 */
export const buildLadderHandler: Handler<'build-ladder'> = async (job, { deps }) => {
  const d = job.data;
  if (await deps.titles.isFinalOrGone(d.source.titleId)) return { skipped: true };
  // In the order of the sample jobs' keys, not of their completion (the order Redis kept them
  // in): the points, and the float sums over windows, must not depend on which job ended first.
  const children = await job.getChildrenValues();
  const values = Object.keys(children)
    .sort()
    .map((k) => children[k]) as (SampleResult | WindowPoints | SampleFailure | { skipped: true })[];
  // A job's windows in title order; a job that ended before `SampleResult` returned its one window's points.
  const windows = values.flatMap((v) => ('windows' in v ? v.windows : 'points' in v ? [v] : []));
  const failures = values.filter((v): v is SampleFailure => 'failed' in v).map((v) => v.failed);
  const sampledS = d.windows.reduce((s, w) => s + w.durationS, 0);
  const analysisS = (Date.now() - d.startedAtMs) / 1000;
  let choice: { rungs: Rung[]; analysis: LadderAnalysis };
  try {
    choice = perTitleChoice(d, windows, failures);
  } catch (err) {
    const reason = `per-title analysis failed, fixed ladder used: ${(err as Error).message}`;
    deps.log.warn({ titleId: d.source.titleId, jobId: job.id, reason }, 'ladder fallback');
    return enqueueEncode(deps, d.source, d.probe, d.fixed, { policy: 'fixed', fallbackReason: reason, sampledS, analysisS });
  }
  return enqueueEncode(deps, d.source, d.probe, choice.rungs, { ...choice.analysis, sampledS, analysisS }, d.windows);
};

/** The per-title ladder from the samples' points, with its notes and BD-rate; throws where there is none to choose. */
function perTitleChoice(
  d: BuildLadderJobData,
  windows: readonly WindowPoints[],
  failures: readonly string[],
): { rungs: Rung[]; analysis: LadderAnalysis } {
  if (windows.length === 0) {
    throw new Error(
      `no sample window could be measured (${d.windows.length} planned)${failures.length > 0 ? `: ${failures.join('; ')}` : ''}`,
    );
  }
  // Rungs never exceed the active picture: bars are not part of the source's size.
  const source = activeDisplaySize(d.probe.video);
  const points = aggregateWindows(windows);
  const planned = perTitleLadder(densifyCrf(points), source, { ...PER_TITLE_OPTIONS, ...viewerMinimums(source) });
  const rungs: Rung[] = planned.rungs.map((r) => ({
    width: r.width,
    height: r.height,
    bitrateKbps: Math.round(r.bitrateKbps),
    crf: r.crf,
    predictedPsnrDb: round2(r.predictedPsnrDb),
    predictedSsim: round4(r.predictedSsim),
  }));
  let bdRateVsFixed: number | undefined;
  const notes = [...planned.notes.map((n) => `${n.code}: ${n.message}`), ...failures.map((f) => `SAMPLE_FAILED: ${f}`)];
  try {
    const fixedCurve = monotoneCurve(fixedLadderCurve(points, d.fixed));
    // The ladder that ships, not the hull: rungs come from the Pareto front and may sit
    // under the hull's chords, so the hull would claim a saving no player gets.
    const ours = monotoneCurve(
      rungs.map((r) => ({ bitrateKbps: r.bitrateKbps, quality: r.predictedPsnrDb ?? NaN })).filter((p) => Number.isFinite(p.quality)),
    );
    const figure = bdRateAgainst(fixedCurve, ours);
    bdRateVsFixed = round2(figure.percent);
    const [only] = fixedCurve;
    if (figure.atOnePoint && only !== undefined) {
      notes.push(
        `BD_RATE_AT_ONE_POINT: the fixed ladder has one measured rung (${Math.round(only.bitrateKbps)} kbit/s, ` +
          `${only.quality.toFixed(2)} dB), so the BD-rate is this ladder's rate at that quality against the rung's`,
      );
    }
  } catch (err) {
    notes.push(`BD_RATE_UNAVAILABLE: ${(err as Error).message}`);
  }
  return {
    rungs,
    analysis: { policy: 'per-title', points, hull: planned.hull, ...(bdRateVsFixed === undefined ? {} : { bdRateVsFixed }), notes },
  };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;
const round4 = (n: number): number => Math.round(n * 10000) / 10000;

/** A chosen window as the jobs carry it. */
const sampled = (w: SampleWindow): SampledWindow => ({
  startS: w.startS,
  durationS: w.durationS,
  weight: w.weight,
  rateScale: w.rateScale,
  mseScale: w.mseScale,
});
