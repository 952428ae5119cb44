/**
 * The pipeline in one place: every job, what it queues next, its lane, id, priority, parent
 * and retries. Handlers do their work and call the builders below to move a title on; nothing
 * else in the code names a job's options (`turns.ts` only moves waiting chunks between the
 * ranks defined here). `mermaid()` draws this table, and the README's
 * diagram is checked against it (test/unit/pipeline/graph.test.ts).
 *
 * How a title moves: the upload queues `probe` (a master uploaded straight to the bucket is
 * first hashed by `verify-master`, which queues `probe`). `probe` queues the title's sound and
 * subtitles (`encode-audio`, `extract-subtitles`: they need no ladder) and, with the per-title
 * policy, the ladder analysis as one flow (`build-ladder`, the parent of one `sample` per
 * window); `build-ladder` queues the encode as another (`package`, the parent of every
 * `encode-chunk`, which takes the sound and subtitles jobs, done or not, as its children too:
 * BullMQ attaches a job added again under its id to the new parent). With the fixed policy
 * `probe` queues the encode itself. `package` publishes the title and queues `measure-rungs`
 * and `artwork`, which never gate `ready`.
 */
import type { FlowJob, FlowJobNode, JobsOptions } from 'bullmq';
import type { TitlePriority } from '../titles/model.ts';
import { DEFAULT_JOB_OPTIONS, laneQueueName, type Lane } from './queue.ts';
import { chunkRound } from './chunks.ts';
import {
  jobIds,
  type ArtworkJobData,
  type BuildLadderJobData,
  type EncodeAudioJobData,
  type EncodeChunkJobData,
  type ExtractSubtitlesJobData,
  type JobName,
  type MeasureRungsJobData,
  type PackageJobData,
  type SampleJobData,
  type SourceRef,
  type VerifyMasterJobData,
} from './types.ts';

/** One job of the pipeline: how BullMQ runs it and where it leads. */
export interface Step {
  /** What the job does, one line for the diagram. */
  readonly does: string;
  /** Jobs it queues when it succeeds (as plain jobs or as flows). */
  readonly queues: readonly JobName[];
  /** The flow parent that waits for this job, and what this job's failure does to it. */
  readonly parent?: { readonly job: JobName; readonly onFailure: 'fails the parent' | 'is ignored by the parent' };
  /** Attempts before the job fails for good (the first run included). */
  readonly attempts: number;
  /** The queue it waits in: `express` for a title's short steps, `encode` for chunks and what follows `ready`. */
  readonly lane: Lane;
  /**
   * BullMQ priority (1 runs before 2); jobs without one run before every prioritised job.
   * @defaultValue none
   */
  readonly priority?: number;
}

/**
 * BullMQ priorities (lower runs first; a job without one runs before every prioritised job).
 * The short steps of a title (probe, samples, ladder, audio, subtitles, package) are in the
 * express lane, and every worker takes one of them beside its chunk, so they never wait for any
 * title's chunks: probe, ladder and package first in first out, then samples shortest title
 * first, then sound and subtitles. Chunks are ranked by title class, then by their
 * turn (`shareTurns`): teams alternate chunk for chunk, and within a team chunks go by their
 * round in their title (`chunkRound`: the stretch of `chunkSegments` segments they start in),
 * so a short title uploaded behind a film waits for the chunks already running, not for the
 * film. What runs after `ready` comes after every chunk.
 */
export const PRIORITIES = {
  /** Where each class's chunks start; a class spans `CHUNKS_PER_CLASS`. */
  chunkBase: { high: 1, normal: 100_000, low: 200_000 } satisfies Record<TitlePriority, number>,
  chunksPerClass: 99_999,
  /**
   * Express lane: sample jobs, shortest title first (`samplePriority`), after the unprioritised
   * steps (probe, build-ladder, package). A title's encode starts when its last sample ends; on
   * a small fleet, whichever title's ladder is built first takes every chunk slot for a whole
   * chunk (40 s on 2 workers at 720p), so a 10 s title analysed beside a 60 s one waited 58 s
   * for 16 s of its own work when the long title's probe happened to end first (bench:pipeline).
   */
  samples: 1,
  /**
   * Express lane: a title's sound and subtitles, queued by its probe, take the express slots
   * that no title's short steps or samples are waiting for, so a film's sound never holds up
   * another title's probe or analysis.
   */
  tracks: 64,
  measureRungs: 300_000,
  artwork: 400_000,
} as const;

/**
 * The BullMQ priority of a title's sample jobs: 1 + ⌈log2 of its length in seconds⌉, so a title
 * twice as long is one step later (a 10 s title's before a 60 s one's, a film's last), and every
 * length from 1 s to 68 years stays between `PRIORITIES.samples` and `PRIORITIES.tracks`.
 */
export function samplePriority(titleDurationS: number): number {
  const last = PRIORITIES.tracks - PRIORITIES.samples - 1;
  const steps = Math.ceil(Math.log2(Math.max(1, titleDurationS)));
  // A length that is not a number goes last, not first.
  return PRIORITIES.samples + (Number.isNaN(steps) ? last : Math.min(last, steps));
}

/** The BullMQ priority of a chunk at turn `turn` (`shareTurns`) in class `priority`. */
export function chunkPriority(turn: number, priority: TitlePriority = 'normal'): number {
  return PRIORITIES.chunkBase[priority] + Math.min(Math.max(0, Math.floor(turn)), PRIORITIES.chunksPerClass - 1);
}

/** The round of a chunk job's chunk in its title. */
export function roundOf(d: Pick<EncodeChunkJobData, 'chunk' | 'timeline' | 'settings'>): number {
  return chunkRound(d.chunk.startFrame, d.timeline.frameRate, d.settings.segmentS, d.settings.chunkSegments);
}

/**
 * A chunk's priority until `shareTurns` gives it its turn: the last of its class. Chunks are
 * queued there, so a chunk whose turn was never given (its enqueue died in between) waits
 * behind its class rather than jumping it, until its team's next arrival gives it one.
 */
export function unturnedPriority(priority: TitlePriority = 'normal'): number {
  return PRIORITIES.chunkBase[priority] + PRIORITIES.chunksPerClass - 1;
}

/** The queue a job of `name` waits in: its lane's, under the base name `base`. */
export function queueOf(base: string, name: JobName): string {
  return laneQueueName(base, PIPELINE[name].lane);
}

/** Attempts of every job that does not set its own: the queue's default. */
const ATTEMPTS = DEFAULT_JOB_OPTIONS.attempts ?? 1;

export const PIPELINE = {
  'verify-master': {
    does: 'hash a master uploaded straight to the bucket against its declared SHA-256',
    queues: ['probe'],
    attempts: ATTEMPTS,
    lane: 'express',
  },
  probe: {
    does: 'probe and scan the master; choose the ladder policy',
    queues: ['encode-audio', 'extract-subtitles', 'build-ladder', 'package'],
    attempts: ATTEMPTS,
    lane: 'express',
  },
  sample: {
    does: 'encode and measure one window at every candidate size and CRF',
    queues: [],
    // A failed sample leaves the ladder to the windows that worked (or to the fixed ladder).
    parent: { job: 'build-ladder', onFailure: 'is ignored by the parent' },
    attempts: 2,
    lane: 'express',
  },
  'build-ladder': { does: 'hull of the samples to the per-title ladder', queues: ['package'], attempts: ATTEMPTS, lane: 'express' },
  'encode-chunk': {
    does: 'encode one chunk of every rung',
    queues: [],
    parent: { job: 'package', onFailure: 'fails the parent' },
    attempts: ATTEMPTS,
    lane: 'encode',
  },
  'encode-audio': {
    does: 'measure the loudness of one audio stream and encode its renditions',
    queues: [],
    // A stream that cannot be decoded is left out and named on the title; the others ship.
    parent: { job: 'package', onFailure: 'is ignored by the parent' },
    // Beside the chunks: in their lane it held one of the title's chunk slots (4 s of a 60 s
    // title's 50), and the chunk behind it ended that much later. A film's sound holds one
    // express slot of the fleet for minutes; a trailer's probe takes another. Queued by the
    // probe, it runs while the ladder is analysed: after the analysis, a 2-hour film's sound
    // (3 minutes on one core) outlasted its chunks on 200 workers (bench:fleet).
    attempts: ATTEMPTS,
    lane: 'express',
    priority: PRIORITIES.tracks,
  },
  'extract-subtitles': {
    does: "convert the master's text subtitle streams to WebVTT",
    queues: [],
    // Subtitles that cannot be read are named on the title; the picture and sound still ship.
    parent: { job: 'package', onFailure: 'is ignored by the parent' },
    attempts: ATTEMPTS,
    lane: 'express',
    priority: PRIORITIES.tracks,
  },
  package: {
    does: 'stitch, package CMAF (HLS + DASH) and publish atomically; re-queue lost chunks',
    queues: ['encode-chunk', 'measure-rungs', 'artwork'],
    attempts: ATTEMPTS,
    lane: 'express',
  },
  // Below every encode job and above artwork: the figures are part of the title's record.
  'measure-rungs': {
    does: 'PSNR/SSIM of every published rung against the master',
    queues: [],
    attempts: ATTEMPTS,
    lane: 'encode',
    priority: PRIORITIES.measureRungs,
  },
  // Artwork never gates `ready`, and a free worker takes it only when no chunk of any title waits.
  artwork: {
    does: 'score frames, shortlist and crop the artwork',
    queues: [],
    attempts: ATTEMPTS,
    lane: 'encode',
    priority: PRIORITIES.artwork,
  },
} as const satisfies { readonly [N in JobName]: Step };

/** BullMQ options of a job of `name`, from the table. */
function optionsOf(name: JobName, jobId: string): JobsOptions {
  const step: Step = PIPELINE[name];
  return {
    ...DEFAULT_JOB_OPTIONS,
    attempts: step.attempts,
    jobId,
    ...(step.priority === undefined ? {} : { priority: step.priority }),
    ...(step.parent === undefined
      ? {}
      : step.parent.onFailure === 'fails the parent'
        ? { failParentOnFailure: true }
        : { ignoreDependencyOnFailure: true }),
  };
}

/** Jobs the API queues itself (every other job is queued by one of these, or is a flow's child). */
export const ENTRY_JOBS: readonly JobName[] = ['probe', 'verify-master'];

/** A direct upload's check, queued by its completion: one job per upload. */
export function verifyMasterJob(data: VerifyMasterJobData): { name: 'verify-master'; data: VerifyMasterJobData; opts: JobsOptions } {
  return { name: 'verify-master', data, opts: optionsOf('verify-master', jobIds.verifyMaster(data.titleId, data.uploadId)) };
}

/** `probe` queued by a job rather than by the API (`verify-master`): the same id and options. */
export function probeFlowJob(queueName: string, titleId: string): FlowJob {
  const job = probeJob(titleId);
  return { ...job, queueName: queueOf(queueName, 'probe') };
}

/** The first job of a title, queued by the upload. */
export function probeJob(titleId: string): { name: 'probe'; data: { titleId: string }; opts: JobsOptions } {
  return { name: 'probe', data: { titleId }, opts: optionsOf('probe', jobIds.probe(titleId)) };
}

/** The ladder analysis: `build-ladder` runs once every `sample` has finished (or failed); samples go shortest title first. */
export function ladderFlow(queueName: string, source: SourceRef, data: BuildLadderJobData, samples: readonly SampleJobData[]): FlowJob {
  return {
    name: 'build-ladder',
    queueName: queueOf(queueName, 'build-ladder'),
    data,
    opts: optionsOf('build-ladder', jobIds.buildLadder(source)),
    children: samples.map(
      (s): FlowJobNode => ({
        name: 'sample',
        queueName: queueOf(queueName, 'sample'),
        data: s,
        opts: { ...optionsOf('sample', jobIds.sample(source, s.index)), priority: samplePriority(data.probe.durationS) },
      }),
    ),
  };
}

/** The jobs of a title's sound and subtitles: each `encode-audio`, and `extract-subtitles` when it has any. */
export interface TrackJobs {
  readonly audio: readonly EncodeAudioJobData[];
  readonly subtitles?: ExtractSubtitlesJobData;
}

/** The sound and subtitles jobs, as `probe` queues them and as children of `package`: the same ids and options. */
function trackNodes(queueName: string, tracks: TrackJobs): FlowJobNode[] {
  return [
    ...(tracks.subtitles === undefined
      ? []
      : [
          {
            name: 'extract-subtitles',
            queueName: queueOf(queueName, 'extract-subtitles'),
            data: tracks.subtitles,
            opts: optionsOf('extract-subtitles', jobIds.subtitles(tracks.subtitles.layout)),
          } satisfies FlowJobNode,
        ]),
    ...tracks.audio.map(
      (a): FlowJobNode => ({
        name: 'encode-audio',
        queueName: queueOf(queueName, 'encode-audio'),
        data: a,
        opts: optionsOf('encode-audio', jobIds.audio(a.layout, a.track.streamIndex)),
      }),
    ),
  ];
}

/**
 * The sound and subtitles jobs, queued by `probe` on their own. They are created with the
 * options they have as `package`'s children (a failure the parent ignores), because a job
 * attached to a parent later keeps the options it was created with.
 */
export function trackJobs(queueName: string, tracks: TrackJobs): FlowJob[] {
  return trackNodes(queueName, tracks);
}

/**
 * The encode: `package` runs once every chunk, audio stream and the subtitles are done; a
 * chunk's failure fails it. The sound and subtitles were queued by `probe` (`trackJobs`):
 * added again under their ids here, BullMQ makes them children of `package`, done or not.
 */
export function encodeFlow(queueName: string, data: PackageJobData, chunks: readonly EncodeChunkJobData[], tracks: TrackJobs): FlowJob {
  const { layout } = data;
  return {
    name: 'package',
    queueName: queueOf(queueName, 'package'),
    data,
    opts: optionsOf('package', jobIds.package(layout)),
    children: [
      ...chunks.map(
        (c): FlowJobNode => ({
          name: 'encode-chunk',
          queueName: queueOf(queueName, 'encode-chunk'),
          data: c,
          opts: {
            ...optionsOf('encode-chunk', jobIds.chunk(layout, c.chunk.index)),
            priority: unturnedPriority(data.priority),
          },
        }),
      ),
      ...trackNodes(queueName, tracks),
    ],
  };
}

/**
 * A lost chunk sent back to encoding as a new child of the running `package` job (BullMQ's
 * dynamic children); `redo` makes its id new, since the first job of that chunk completed.
 */
export function chunkRedoJob(
  queueName: string,
  data: EncodeChunkJobData,
  parent: { id: string; queue: string },
  redo: string,
  priority?: TitlePriority,
): FlowJob {
  return {
    name: 'encode-chunk',
    queueName: queueOf(queueName, 'encode-chunk'),
    data,
    opts: {
      ...optionsOf('encode-chunk', `${jobIds.chunk(data.layout, data.chunk.index)}-redo-${redo}`),
      // A lost chunk is what its title waits for: it goes first among its class.
      priority: chunkPriority(0, priority),
      parent,
    },
  };
}

/** Quality of the published rungs: one job per title and published version. */
export function measureRungsJob(queueName: string, data: MeasureRungsJobData): FlowJob {
  return {
    name: 'measure-rungs',
    queueName: queueOf(queueName, 'measure-rungs'),
    data,
    opts: optionsOf('measure-rungs', jobIds.measureRungs(data.layout)),
  };
}

/** The artwork of a published title: one job per master and artwork settings. */
export function artworkJob(queueName: string, data: ArtworkJobData): FlowJob {
  return {
    name: 'artwork',
    queueName: queueOf(queueName, 'artwork'),
    data,
    opts: optionsOf('artwork', jobIds.artwork(data.source, data.version)),
  };
}

/** The table as a Mermaid flowchart: solid arrows queue a job, dotted ones wait for children. */
export function mermaid(): string {
  const lines = [
    'flowchart TD',
    '  upload(["upload (API)"]) --> probe',
    ...ENTRY_JOBS.filter((n) => n !== 'probe').map((n) => `  upload --> ${id(n)}`),
  ];
  for (const [name, step] of Object.entries(PIPELINE) as [JobName, Step][]) {
    for (const next of step.queues) lines.push(`  ${id(name)} --> ${id(next)}`);
    if (step.parent !== undefined)
      lines.push(
        `  ${id(name)} -. ${step.parent.onFailure === 'fails the parent' ? 'failure fails' : 'failure ignored'} .-> ${id(step.parent.job)}`,
      );
  }
  for (const [name, step] of Object.entries(PIPELINE) as [JobName, Step][]) {
    const extras = [
      `${step.lane} lane`,
      `${step.attempts} attempts`,
      ...(step.priority === undefined ? [] : [`priority ${step.priority}`]),
    ];
    lines.push(`  ${id(name)}["${name}: ${step.does} (${extras.join(', ')})"]`);
  }
  return lines.join('\n');
}

const id = (name: JobName): string => name.replace(/-/g, '_');
