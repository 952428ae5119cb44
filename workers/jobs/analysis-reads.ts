/**
 * What the ladder analysis reads of the master before it picks its windows (the packet index
 * and a small scan, beside the probe's other reads), and which keyframe each window is read
 * from. The probe job runs these; `ladder-analysis.ts` turns them into sample jobs. The scan
 * and the windows' landings are the analysis' own (counted under {@link ANALYSIS_SCAN_STEP});
 * the packet index is an ingest check every title gets, and is counted as one.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { buildScanArgs } from '../../ffmpeg/scan-args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import type { ProbeResult } from '../../ffmpeg/probe.ts';
import { timelineOf } from '../../ffmpeg/source-frames.ts';
import { toneMapOf } from '../../ffmpeg/tone-map.ts';
import { gopWindowS } from '../../ladder/sample-windows.ts';
import { planScanBursts, type ScanBurst } from '../../ladder/scan-bursts.ts';
import { withScratch } from '../../storage/scratch.ts';
import { meterStep } from '../../ffmpeg/cpu-meter.ts';
import { mapLimit } from '../../storage/transfer.ts';
import { keyframeAtOrBefore, landsOnKeyframe, seekLandsOnKeyframe, type PacketIndex } from '../measure/keyframes.ts';
import { firstListedTimeS, parseScanMetadata } from '../measure/parse.ts';
import { addCodedStretch, frameLosses, listedTimesS } from '../measure/coded-bits.ts';
import { encodeScanFrames, readScanEncode, SCAN_COMPARE_STEP, scanCodedFiles, type ScanEncodeRead } from './scan-encode.ts';
import type { CodedSecond } from '../../ladder/coded-rate.ts';
import type { WorkerDeps } from './context.ts';

/**
 * The step of the probe job the analysis' own reads are counted under (`meterStep`; the title's
 * `cpuStepsS` has it as `probe/scan`): the scan and the windows' landings, apart from the ingest
 * checks every title gets (the packet index included, though the analysis uses it too).
 */
export const ANALYSIS_SCAN_STEP = 'scan';

/** Scan inputs open at once over all processes: each is a decoder with its own reference frames. */
const BURSTS_IN_FLIGHT = 40;

/**
 * Bursts split into scan processes, in order, to run `cores` at a time: at least one per core
 * while there are bursts to go round, and no more than {@link BURSTS_IN_FLIGHT} decoders open
 * at once. One ffmpeg decodes its inputs one after another on one thread (the bursts'
 * decoders are single-threaded to bound memory), so a single process left the other cores
 * idle for the probe's longest read: 1.9 s against 1.35 s in two on a 720p master.
 */
export function scanGroups<T>(bursts: readonly T[], cores: number): T[][] {
  const running = Math.max(1, Math.floor(cores));
  const perProcess = Math.max(1, Math.min(Math.floor(BURSTS_IN_FLIGHT / running), Math.ceil(bursts.length / running)));
  const groups: T[][] = [];
  for (let i = 0; i < bursts.length; i += perProcess) groups.push(bursts.slice(i, i + perProcess));
  return groups;
}

/** Whether a read from one keyframe (title time) lands on it: what `seekLandsOnKeyframe` answers. */
export interface KeyframeLanding {
  readonly keyframeS: number;
  readonly lands: boolean;
}

/** What the scan reads: cuts and its encode in title time, and, for bursts, whether each one's seek landed on its keyframe. */
export interface ScanReads {
  readonly sceneCutsS: number[];
  /** What its own encode spent on each second (`coded-rate.ts`); null where it did not read. */
  readonly codedPerSecond: (CodedSecond | null)[];
  readonly landings: readonly KeyframeLanding[];
}

/**
 * Scene cuts, and what its own encode spent and lost per second in title time: of the whole
 * title, or of each burst (one input per burst, read as a sample reads its window); seconds
 * outside every burst are null.
 */
export async function scanTitle(
  deps: Pick<WorkerDeps, 'tmpDir' | 'settings'>,
  titleId: string,
  location: string,
  probe: ProbeResult,
  bursts: readonly ScanBurst[] | undefined,
  signal?: AbortSignal,
): Promise<ScanReads> {
  const crop = probe.video.activeArea;
  const toneMap = toneMapOf(probe.video.colour);
  const base = {
    kind: 'scan' as const,
    input: location,
    widthPx: 160,
    sceneThreshold: 10,
    ...(crop === undefined ? {} : { crop }),
    ...(toneMap === undefined ? {} : { toneMap }),
  };
  /** One stretch's encode added to `codedPerSecond`, its frames at `timesS`, from `fromS`. */
  const addStretch = (
    codedPerSecond: (CodedSecond | null)[],
    timesS: readonly number[],
    read: ScanEncodeRead | undefined,
    fromS?: number,
  ) =>
    addCodedStretch(
      codedPerSecond,
      timesS,
      read?.packets ?? [],
      fromS,
      frameLosses(read?.mseOfPicked ?? [], timesS.length, SCAN_COMPARE_STEP),
    );
  const seconds = (): (CodedSecond | null)[] => Array.from({ length: Math.ceil(probe.durationS) }, () => null);
  return withScratch(deps.tmpDir, `scan-${titleId}`, async (dir) => {
    if (bursts === undefined) {
      const metadataFile = path.join(dir, 'scan.txt');
      const files = scanCodedFiles(dir, 'whole', deps.settings);
      await runFfmpeg(buildScanArgs({ ...base, metadataFile, coded: files.coded }), {
        ...(signal === undefined ? {} : { signal }),
        durationS: probe.durationS,
      });
      await encodeScanFrames(files, signal);
      const [read] = await readScanEncode(files, 1, signal);
      // Without -copyts the scan's timestamps count from the file's start time.
      const text = await readFile(metadataFile, 'utf8');
      const codedPerSecond = seconds();
      addStretch(codedPerSecond, listedTimesS(text, probe.videoOffsetS), read);
      return { ...parseScanMetadata(text, probe.videoOffsetS), codedPerSecond, landings: [] };
    }
    const files = bursts.map((b, i) => ({ ...b, metadataFile: path.join(dir, `scan-${i}.txt`) }));
    const timeline = timelineOf(probe);
    const reads = (group: typeof files) =>
      group.map((b) => ({ fromKeyframeS: b.startS, durationS: b.durationS, metadataFile: b.metadataFile }));
    const options = signal === undefined ? {} : { signal };
    const groups = scanGroups(files, availableParallelism());
    // Each burst's encode: stream k of its process's, for its group's k-th burst.
    const encoded = new Map<(typeof files)[number], ScanEncodeRead>();
    await mapLimit(groups, availableParallelism(), async (group, g) => {
      const coded = scanCodedFiles(dir, `group-${g}`, deps.settings);
      await runFfmpeg(buildScanArgs({ ...base, metadataFile: '', bursts: { timeline, reads: reads(group) }, coded: coded.coded }), options);
      await encodeScanFrames(coded, signal);
      const read = await readScanEncode(coded, group.length, signal);
      for (const [k, b] of group.entries()) {
        const r = read[k];
        if (r !== undefined) encoded.set(b, r);
      }
    });
    const codedPerSecond = seconds();
    const sceneCutsS: number[] = [];
    const landings: KeyframeLanding[] = [];
    for (const b of files) {
      const text = await readFile(b.metadataFile, 'utf8');
      // -copyts: the master's timestamps, from which the video's start time is title time 0.
      landings.push({ keyframeS: b.startS, lands: landsOnKeyframe(firstListedTimeS(text), probe.video.startTimeS + b.startS) });
      const r = parseScanMetadata(text, probe.video.startTimeS);
      addStretch(codedPerSecond, listedTimesS(text, probe.video.startTimeS), encoded.get(b), b.startS);
      // A seek that landed on an earlier keyframe decodes from there: only the burst's own stretch counts.
      sceneCutsS.push(...r.sceneCutsS.filter((t) => t >= b.startS));
    }
    return { sceneCutsS: sceneCutsS.sort((a, b) => a - b), codedPerSecond, landings };
  });
}

/** What the analysis reads of the master before it chooses its windows: its packets and a scan. */
export interface AnalysisReads {
  /** When the reads started (ms since the epoch): the analysis' time counts from here. */
  readonly startedAtMs: number;
  readonly packets: PacketIndex;
  /** Where the scan looked; undefined when it read the whole title, or did not scan (`scan` then empty). */
  readonly bursts: readonly ScanBurst[] | undefined;
  readonly scan: ScanReads;
}

/**
 * Reads the master for the analysis: its packets (keyframes, bits per second), and the scan
 * (scene cuts, spatial/temporal information; none for a master with one keyframe) once those, `activeArea` and the first frame say where and what. It
 * needs nothing else of the probe, so the probe runs it beside its other reads rather than
 * after them: on a title of a few seconds' encode, those reads one after the other were a
 * tenth of its time to ready (bench:pipeline).
 */
export async function readForAnalysis(
  deps: Pick<WorkerDeps, 'tmpDir' | 'settings'>,
  titleId: string,
  location: string,
  probe: ProbeResult,
  packetsRead: Promise<PacketIndex>,
  activeArea: Promise<ProbeResult['video']['activeArea']>,
  firstFrameRead: Promise<number>,
  seekableRead: Promise<boolean>,
  signal: AbortSignal,
): Promise<AnalysisReads> {
  const startedAtMs = Date.now();
  // The first frame places the bursts' seeks exactly where the samples' will be. These reads
  // started outside the step and stay counted where they started: ingest checks.
  const [packets, crop, firstFrameS] = await Promise.all([packetsRead, activeArea, firstFrameRead]);
  // With one keyframe (a browser's recording) every read decodes from the start, and a scan
  // would be a whole decode: as dear as the samples' own read (`oneReadSamples`), whose
  // windows are then placed by the master's bits per second and the timeline alone.
  const unscanned = {
    startedAtMs,
    packets,
    bursts: undefined,
    scan: { sceneCutsS: [], codedPerSecond: [], landings: [] },
  };
  if (packets.keyframesS.length < 2) return unscanned;
  const bursts = planScanBursts({ durationS: probe.durationS, keyframesS: packets.keyframesS }, { burstS: gopWindowS(deps.settings.gopS) });
  const scanned: ProbeResult = { ...probe, video: { ...probe.video, firstFrameS, ...(crop === undefined ? {} : { activeArea: crop }) } };
  if (bursts === undefined)
    return { ...unscanned, scan: await meterStep(ANALYSIS_SCAN_STEP, () => scanTitle(deps, titleId, location, scanned, bursts, signal)) };
  // Bursts seek to keyframes, which the entry-point check (run beside) may find no decoder can
  // start from: a burst there would describe garbage (imageio's cockatoo.mp4 decodes green from
  // its flagged I-frames). The scan starts at once, and stops when the check says so: such a
  // master is read from its start by every reader, and is not scanned, as one with one keyframe.
  const stop = new AbortController();
  const seekable = seekableRead.catch(() => false);
  void seekable.then((ok) => ok || stop.abort());
  try {
    const scan = await meterStep(ANALYSIS_SCAN_STEP, () =>
      scanTitle(deps, titleId, location, scanned, bursts, AbortSignal.any([signal, stop.signal])),
    );
    return (await seekable) ? { startedAtMs, packets, bursts, scan } : unscanned;
  } catch (err) {
    if (stop.signal.aborted && !signal.aborted) return unscanned;
    throw err;
  }
}

/**
 * For each window, the keyframe its samples read from (`ReadStart`): the last one at or before
 * the window, when a read from it was seen to land on it (`seekLandsOnKeyframe`). Windows start
 * where bursts were scanned, on keyframes, so a sample then decodes its window and nothing
 * else; with the seek lead it decoded the GOP before too (a noisy 720p master with 10 s GOPs:
 * 4.8 s per sample encode against 1.0 s, the same bytes out). A burst's read already says
 * where it landed (`landings`); a window elsewhere decodes one frame to find out.
 */
export async function windowKeyframes(
  deps: Pick<WorkerDeps, 'tmpDir'>,
  titleId: string,
  location: string,
  probe: ProbeResult,
  windows: readonly { readonly startS: number }[],
  keyframesS: readonly number[],
  landings: readonly KeyframeLanding[],
  signal: AbortSignal,
): Promise<{ keyframeS?: number }[]> {
  const timeline = timelineOf(probe);
  return meterStep(ANALYSIS_SCAN_STEP, () =>
    withScratch(deps.tmpDir, `landing-${titleId}`, (dir) =>
      mapLimit(windows, 4, async (w) => {
        const k = keyframeAtOrBefore(keyframesS, w.startS);
        if (k === undefined) return {};
        // The packet index counts from the stream's start time; -copyts timestamps are absolute.
        const lands =
          landings.find((l) => Math.abs(l.keyframeS - k) < 1e-9)?.lands ??
          (await seekLandsOnKeyframe(location, timeline, k, probe.video.startTimeS + k, dir, signal));
        return lands ? { keyframeS: k } : {};
      }),
    ),
  );
}
