/**
 * Turns between uploaders, and moving a title's waiting chunks to another class: the encode
 * lane's chunks change rank here, to the ranks `graph.ts` defines (`chunkPriority`,
 * `unturnedPriority`). The order itself is `fair-share.ts`'s; this is the read and write at the queue.
 */
import { chunkPriority, PRIORITIES, roundOf, unturnedPriority } from './graph.ts';
import { uploaderTurns } from './fair-share.ts';
import type { TitlePriority } from '../titles/model.ts';
import { jobIds, type EncodeChunkJobData, type EncodeLayout } from './types.ts';

/** A queue as far as moving a title's waiting chunks goes (BullMQ's `Queue`). */
export interface ChunkQueue {
  getJob(
    jobId: string,
  ): Promise<
    | { readonly data: EncodeChunkJobData; getState(): Promise<string>; changePriority(opts: { priority: number }): Promise<void> }
    | undefined
  >;
}

/**
 * Moves a title's chunks that still wait to its new class, where they wait for their turns
 * (`shareTurns`). They are found by their ids, which derive from the encode's layout; a chunk
 * running or done keeps its place.
 */
export async function reprioritizeChunks(
  queue: ChunkQueue,
  layout: EncodeLayout,
  chunkCount: number,
  priority: TitlePriority,
): Promise<number> {
  let moved = 0;
  for (let c = 0; c < chunkCount; c++) {
    const job = await queue.getJob(jobIds.chunk(layout, c));
    if (job === undefined || (await job.getState()) !== 'prioritized') continue;
    await job.changePriority({ priority: unturnedPriority(priority) });
    moved += 1;
  }
  return moved;
}

/** A queue as far as the turns between uploaders go (BullMQ's `Queue`: its prioritised jobs, with their data). */
export interface TurnQueue {
  getPrioritized(
    start?: number,
    end?: number,
  ): Promise<
    {
      readonly id?: string | undefined;
      readonly name: string;
      readonly data: unknown;
      readonly priority: number;
      readonly timestamp: number;
      changePriority(opts: { priority: number }): Promise<void>;
    }[]
  >;
}

/** The uploader of titles created without an API key (auth off): one team. */
export const ANONYMOUS_UPLOADER = 'anonymous';

/**
 * Gives the waiting chunks of class `priority` their turns (`uploaderTurns`) once the chunks
 * of the titles in `arriving`, queued by `uploader`, have joined them. Callers hold the turns
 * lock (`TitleStore.withTurnsLock`): two arrivals at once would each number from what the
 * other had not yet turned. A chunk a worker took meanwhile only has its stored priority
 * changed (BullMQ's changePriority), which changes nothing. Returns how many chunks moved.
 */
export async function shareTurns(
  queue: TurnQueue,
  uploader: string,
  priority: TitlePriority,
  arriving: ReadonlySet<string>,
): Promise<number> {
  const base = PRIORITIES.chunkBase[priority];
  const unturned = unturnedPriority(priority);
  const jobs = (await queue.getPrioritized(0, -1)).filter(
    // A lost chunk's redo goes ahead of its class by design (`chunkRedoJob`): it takes no turn.
    (j) => j.name === 'encode-chunk' && j.priority >= base && j.priority <= unturned && !(j.id ?? '').includes('-redo-'),
  );
  const byId = new Map(jobs.map((j) => [j.id ?? '', j]));
  const turns = uploaderTurns(
    jobs.map((j) => {
      const d = j.data as EncodeChunkJobData;
      return {
        id: j.id ?? '',
        uploader: d.uploader ?? ANONYMOUS_UPLOADER,
        titleId: d.layout.titleId,
        round: roundOf(d),
        index: d.chunk.index,
        queuedAtMs: j.timestamp,
        turn: j.priority === unturned ? undefined : j.priority - base,
      };
    }),
    uploader,
    arriving,
    PRIORITIES.chunksPerClass - 1,
  );
  let moved = 0;
  for (const [id, turn] of turns) {
    try {
      await byId.get(id)?.changePriority({ priority: chunkPriority(turn, priority) });
      moved += 1;
    } catch (err) {
      // Done and removed since it was read.
      if (!/Missing key/.test((err as Error).message)) throw err;
    }
  }
  return moved;
}
