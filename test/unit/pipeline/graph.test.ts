import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  artworkJob,
  chunkPriority,
  roundOf,
  samplePriority,
  unturnedPriority,
  chunkRedoJob,
  encodeFlow,
  ENTRY_JOBS,
  ladderFlow,
  measureRungsJob,
  mermaid,
  PIPELINE,
  PRIORITIES,
  probeFlowJob,
  probeJob,
  trackJobs,
  verifyMasterJob,
} from '../../../pipeline/graph.ts';
import {
  JOB_NAMES,
  type BuildLadderJobData,
  type EncodeChunkJobData,
  type PackageJobData,
  type SampleJobData,
  type SourceRef,
} from '../../../pipeline/types.ts';
import { reprioritizeChunks } from '../../../pipeline/turns.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const source: SourceRef = { titleId: 't1', sourceKey: 'titles/t1/source/master', sha256: 'ab'.repeat(32) };
const layout = { titleId: 't1', sourceKey: source.sourceKey, workPrefix: 'titles/t1/work/v1/', outputPrefix: 'titles/t1/out/v1/' };
// Only the fields the builders read; the rest of a job's data passes through untouched.
/** Chunk `index` of a 25 fps title cut in 30 s chunks (6 s segments × 5), unless it starts elsewhere. */
const chunk = (index: number, startFrame = index * 750): EncodeChunkJobData =>
  ({
    layout,
    chunk: { index, startFrame, endFrame: undefined },
    timeline: { frameRate: { num: 25, den: 1 } },
    settings: { segmentS: 6, chunkSegments: 5 },
  }) as unknown as EncodeChunkJobData;
const pkg = { layout } as unknown as PackageJobData;
const sample = (index: number): SampleJobData => ({ source, index }) as unknown as SampleJobData;
const ladderData = (durationS: number): BuildLadderJobData => ({ probe: { durationS } }) as unknown as BuildLadderJobData;

describe('the pipeline declaration', () => {
  it('declares every job, and every job but those the API queues is queued by another', () => {
    expect(Object.keys(PIPELINE).sort()).toEqual([...JOB_NAMES].sort());
    const queued = new Set<string>(Object.values(PIPELINE).flatMap((s) => s.queues));
    const children = new Set(
      Object.entries(PIPELINE)
        .filter(([, s]) => 'parent' in s)
        .map(([n]) => n),
    );
    expect([...ENTRY_JOBS].sort()).toEqual(['probe', 'verify-master']);
    for (const name of JOB_NAMES.filter((n) => !ENTRY_JOBS.includes(n))) expect(queued.has(name) || children.has(name), name).toBe(true);
  });

  it('builds the encode flow: package waits for every chunk and audio stream; a chunk fails it, an audio stream does not', () => {
    const audio = (streamIndex: number) => ({ layout, track: { streamIndex } }) as never;
    const flow = encodeFlow('q', pkg, [chunk(0), chunk(1)], { audio: [audio(0), audio(2)] });
    expect(flow.name).toBe('package');
    expect(flow.opts?.jobId).toBe('package-t1-v1');
    expect(flow.children?.map((c) => [c.name, c.opts?.jobId, c.opts?.failParentOnFailure, c.opts?.ignoreDependencyOnFailure])).toEqual([
      ['encode-chunk', 'chunk-t1-v1-0', true, undefined],
      ['encode-chunk', 'chunk-t1-v1-1', true, undefined],
      ['encode-audio', 'audio-t1-v1-0', undefined, true],
      ['encode-audio', 'audio-t1-v1-2', undefined, true],
    ]);
    expect(encodeFlow('q', pkg, [chunk(0)], { audio: [] }).children?.map((c) => c.name)).toEqual(['encode-chunk']);
  });

  it('queues the sound and subtitles from the probe with the very ids and options they have under package', () => {
    const tracks = { audio: [{ layout, track: { streamIndex: 1 } } as never], subtitles: { layout } as never };
    const alone = trackJobs('q', tracks);
    const under = encodeFlow('q', pkg, [chunk(0)], tracks).children?.filter((c) => c.name !== 'encode-chunk');
    expect(alone).toEqual(under);
    expect(alone.map((j) => [j.name, j.queueName, j.opts?.jobId, j.opts?.ignoreDependencyOnFailure, j.opts?.priority])).toEqual([
      ['extract-subtitles', 'q-express', 'subtitles-t1-v1', true, PRIORITIES.tracks],
      ['encode-audio', 'q-express', 'audio-t1-v1-1', true, PRIORITIES.tracks],
    ]);
    expect(PIPELINE.probe.queues).toEqual(expect.arrayContaining(['encode-audio', 'extract-subtitles']));
  });

  it("puts a title's short steps in the express lane and its chunks in the encode lane, in every flow", () => {
    const lanes = Object.fromEntries(Object.entries(PIPELINE).map(([n, s]) => [n, s.lane]));
    expect(lanes).toEqual({
      'verify-master': 'express',
      probe: 'express',
      sample: 'express',
      'build-ladder': 'express',
      'encode-chunk': 'encode',
      'encode-audio': 'express',
      'extract-subtitles': 'express',
      package: 'express',
      'measure-rungs': 'encode',
      artwork: 'encode',
    });
    const audio = { layout, track: { streamIndex: 0 } } as never;
    const encode = encodeFlow('q', pkg, [chunk(0)], { audio: [audio], subtitles: { layout } as never });
    expect([encode, ...(encode.children ?? [])].map((j) => [j.name, j.queueName])).toEqual([
      ['package', 'q-express'],
      ['encode-chunk', 'q'],
      ['extract-subtitles', 'q-express'],
      ['encode-audio', 'q-express'],
    ]);
    const ladder = ladderFlow('q', source, ladderData(60), [sample(0)]);
    expect([ladder, ...(ladder.children ?? [])].map((j) => j.queueName)).toEqual(['q-express', 'q-express']);
    expect(chunkRedoJob('q', chunk(3), { id: 'p', queue: 'vf:q-express' }, 'r1').queueName).toBe('q');
    expect([measureRungsJob('q', { layout } as never), artworkJob('q', { source, version: 1 } as never)].map((j) => j.queueName)).toEqual([
      'q',
      'q',
    ]);
  });

  it('builds the ladder flow: build-ladder waits for its samples, a failed sample is ignored after two attempts', () => {
    const flow = ladderFlow('q', source, ladderData(60), [sample(0), sample(1)]);
    expect(flow.opts?.jobId).toBe(`ladder-t1-${'ab'.repeat(8)}`);
    expect(flow.opts?.priority).toBeUndefined();
    expect(
      flow.children?.map((c) => [c.opts?.jobId, c.opts?.attempts, c.opts?.ignoreDependencyOnFailure, c.opts?.failParentOnFailure]),
    ).toEqual([
      [`sample-t1-${'ab'.repeat(8)}-0`, 2, true, undefined],
      [`sample-t1-${'ab'.repeat(8)}-1`, 2, true, undefined],
    ]);
  });

  it("takes samples shortest title first, after a title's unprioritised steps and before any sound", () => {
    const priorityOf = (durationS: number) => ladderFlow('q', source, ladderData(durationS), [sample(0)]).children?.[0]?.opts?.priority;
    // 10 s before 60 s before a 2-hour film; the same length, the same rank (first in, first out).
    expect(priorityOf(10)).toBeLessThan(priorityOf(60) ?? 0);
    expect(priorityOf(60)).toBeLessThan(priorityOf(7200) ?? 0);
    expect(priorityOf(60)).toBe(priorityOf(50));
    expect(samplePriority(0.04)).toBe(PRIORITIES.samples);
    expect(samplePriority(Number.POSITIVE_INFINITY)).toBe(PRIORITIES.tracks - 1);
    expect(samplePriority(2 ** 40)).toBeLessThan(PRIORITIES.tracks);
    expect(samplePriority(Number.NaN)).toBe(PRIORITIES.tracks - 1);
  });

  it('gives the same ids to the same inputs, so a repeated enqueue adds nothing', () => {
    expect(encodeFlow('q', pkg, [chunk(3)], { audio: [] })).toEqual(encodeFlow('q', pkg, [chunk(3)], { audio: [] }));
    expect(probeJob('t1').opts.jobId).toBe('probe-t1');
    // A master verified after a direct upload is probed as an uploaded one: same job, same id.
    expect(probeFlowJob('q', 't1')).toEqual({ ...probeJob('t1'), queueName: 'q-express' });
    const verify = { titleId: 't1', uploadId: 'u1', key: 'titles/t1/source/direct-u1/master', sizeBytes: 1, sha256: 'ab'.repeat(32) };
    expect(verifyMasterJob(verify).opts.jobId).toBe('verify-t1-u1');
    expect(chunkRedoJob('q', chunk(3), { id: 'p', queue: 'vf:q' }, 'r1').opts).toMatchObject({
      jobId: 'chunk-t1-v1-3-redo-r1',
      parent: { id: 'p', queue: 'vf:q' },
      failParentOnFailure: true,
    });
  });

  it('runs rung quality before artwork and both after every chunk of every class', () => {
    const m = measureRungsJob('q', { layout } as never).opts?.priority ?? 0;
    const a = artworkJob('q', { source, version: 'v' } as never).opts?.priority ?? 0;
    expect(m).toBeLessThan(a);
    expect(chunkPriority(1_000_000, 'low')).toBeLessThan(m);
  });

  it('queues chunks last in their class until they get their turns, and the short steps before any chunk', () => {
    const flow = encodeFlow('q', pkg, [chunk(0), chunk(1)], { audio: [{ layout, track: { streamIndex: 0 } } as never] });
    expect(flow.opts?.priority).toBeUndefined();
    expect(flow.children?.map((c) => [c.name, c.opts?.priority])).toEqual([
      ['encode-chunk', unturnedPriority()],
      ['encode-chunk', unturnedPriority()],
      // In the express lane, after every short step of any title.
      ['encode-audio', PRIORITIES.tracks],
    ]);
    expect(chunkPriority(0)).toBeGreaterThan(0);
    expect(chunkPriority(99_997)).toBeLessThan(unturnedPriority());
    expect(unturnedPriority('high')).toBeLessThan(chunkPriority(0, 'normal'));
    expect(unturnedPriority('normal')).toBeLessThan(chunkPriority(0, 'low'));
    // Rounds are media time: a 10 s title's second chunk (from 6 s) is in round 0, with a film's
    // first 30 s, and goes before the film's second chunk.
    expect(roundOf(chunk(1, 150))).toBe(0);
    expect(roundOf(chunk(1))).toBe(1);
    const high = encodeFlow('q', { ...pkg, priority: 'high' }, [chunk(5)], { audio: [] });
    expect(high.children?.[0]?.opts?.priority).toBe(unturnedPriority('high'));
    // A lost chunk's redo goes first in its class.
    expect(chunkRedoJob('q', chunk(7), { id: 'p', queue: 'vf:q' }, 'r', 'low').opts?.priority).toBe(chunkPriority(0, 'low'));
  });

  it('moves only the waiting chunks of a title to its new class', async () => {
    const changed: [string, number][] = [];
    const states: Record<string, string> = { 'chunk-t1-v1-0': 'active', 'chunk-t1-v1-1': 'prioritized', 'chunk-t1-v1-2': 'prioritized' };
    const queue = {
      getJob: async (id: string) =>
        states[id] === undefined
          ? undefined
          : {
              data: chunk(Number(id.at(-1))),
              getState: async () => states[id]!,
              changePriority: async (o: { priority: number }) => void changed.push([id, o.priority]),
            },
    };
    expect(await reprioritizeChunks(queue, layout, 4, 'high')).toBe(2);
    expect(changed).toEqual([
      ['chunk-t1-v1-1', unturnedPriority('high')],
      ['chunk-t1-v1-2', unturnedPriority('high')],
    ]);
  });

  it('is what the README draws', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const drawn = /```mermaid\n([\s\S]*?)\n```/.exec(readme)?.[1];
    expect(drawn).toBe(mermaid());
  });

  it('is the only place that sets job options: no handler or route builds a job by hand', async () => {
    // A job's priority is a number or a chunk's rank; a title's class (`priority: 'high'`) is not one.
    const JOB_OPTIONS = new RegExp(
      [
        String.raw`flow\.add\(\s*\{`,
        String.raw`queue\.add\(\s*['"]`,
        String.raw`jobIds\.`,
        'failParentOnFailure',
        'ignoreDependencyOnFailure',
        String.raw`priority:\s*(\d|chunkPriority|unturnedPriority|PRIORITIES)`,
        String.raw`changePriority\(\{`,
      ].join('|'),
    );
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (p.endsWith('.ts') && JOB_OPTIONS.test(await readFile(p, 'utf8'))) offenders.push(path.relative(ROOT, p));
      }
    };
    for (const dir of ['workers', 'orchestrator']) await walk(path.join(ROOT, dir));
    expect(offenders).toEqual([]);
  });
});
