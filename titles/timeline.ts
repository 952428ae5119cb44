/**
 * Where a title's time went: every job run recorded as a span, and the critical path through
 * the pipeline's steps (what the title would take with unlimited workers). Pure.
 */

/** One run of one job of the title (a retried job has one span per attempt). */
export interface JobSpan {
  readonly job: string;
  /** Epoch ms. */
  readonly startMs: number;
  readonly endMs: number;
}

/** One step of the pipeline as the title ran it. */
export interface TimelinePhase {
  readonly job: string;
  readonly runs: number;
  /** Seconds from the title's creation. */
  readonly firstStartS: number;
  readonly lastEndS: number;
  /** The longest single run, seconds: what the step costs the critical path. */
  readonly longestS: number;
}

export interface Timeline {
  readonly phases: readonly TimelinePhase[];
  /**
   * Seconds the title would take with a worker free for every job, from the measured runs:
   * probe; then the longer of the video (the longest sample, the ladder, the longest chunk)
   * and the tracks the probe queued beside it (the longest audio stream, the subtitles); then
   * the package.
   */
  readonly criticalPathS: number;
}

/** The jobs the probe queues beside the ladder analysis: they need no ladder. */
const TRACKS = ['encode-audio', 'extract-subtitles'];

export function timelineOf(spans: readonly JobSpan[], createdMs: number): Timeline {
  const byJob = new Map<string, JobSpan[]>();
  for (const s of spans) byJob.set(s.job, [...(byJob.get(s.job) ?? []), s]);
  const secs = (ms: number): number => Math.round(ms) / 1000;
  const phases = [...byJob.entries()]
    .map(
      ([job, list]): TimelinePhase => ({
        job,
        runs: list.length,
        firstStartS: secs(Math.min(...list.map((s) => s.startMs)) - createdMs),
        lastEndS: secs(Math.max(...list.map((s) => s.endMs)) - createdMs),
        longestS: secs(Math.max(...list.map((s) => s.endMs - s.startMs))),
      }),
    )
    .sort((a, b) => a.firstStartS - b.firstStartS || a.job.localeCompare(b.job));
  const longest = (jobs: readonly string[]): number => Math.max(0, ...phases.filter((p) => jobs.includes(p.job)).map((p) => p.longestS));
  const videoS = longest(['sample']) + longest(['build-ladder']) + longest(['encode-chunk']);
  const criticalPathS = longest(['probe']) + Math.max(videoS, longest(TRACKS)) + longest(['package']);
  return { phases, criticalPathS: Math.round(criticalPathS * 1000) / 1000 };
}
