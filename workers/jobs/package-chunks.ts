import { randomUUID } from 'node:crypto';
import { WaitingChildrenError, type Job } from 'bullmq';
import { titleChunkPlan, type Chunk } from '../../pipeline/chunks.ts';
import { chunkRedoJob } from '../../pipeline/graph.ts';
import type { EncodeChunkJobData, PackageJobData } from '../../pipeline/types.ts';
import type { WorkerDeps } from './context.ts';

/**
 * The title's chunks: those the encode was planned as (`d.chunks`), or, for a job queued
 * before they were carried, planned again from the same pure inputs as at enqueue time.
 */
export function titleChunks(d: PackageJobData): readonly Chunk[] {
  const chunks = d.chunks ?? titleChunkPlan(d.videoExtentS, d.timeline.frameRate, d.settings);
  if (chunks.length !== d.chunkCount) throw new Error(`re-planned ${chunks.length} chunks where the title has ${d.chunkCount}`);
  return chunks;
}

/**
 * Sends chunks back to encoding as new children of this package job, which then waits for
 * them (BullMQ's dynamic children) and runs again. A chunk can be missing although its job
 * completed: storage lost a segment or its record, or something deleted intermediates it
 * should not have; the title is still whole at the master, so it is re-encoded instead of failed.
 */
export async function reencodeChunks(
  deps: WorkerDeps,
  job: Job,
  token: string,
  d: PackageJobData,
  chunks: readonly Chunk[],
  missing: readonly number[],
): Promise<never> {
  const redo = randomUUID().slice(0, 8);
  const parent = { id: job.id ?? '', queue: job.queueQualifiedName };
  for (const c of missing) {
    const chunk = chunks[c];
    if (chunk === undefined) continue;
    const data: EncodeChunkJobData = {
      layout: d.layout,
      chunk,
      chunkCount: d.chunkCount,
      timeline: d.timeline,
      durationS: d.durationS,
      rungs: d.rungs,
      settings: d.settings,
      ...(d.crop === undefined ? {} : { crop: d.crop }),
    };
    await deps.flow.add(chunkRedoJob(deps.queueName, data, parent, redo, d.priority));
  }
  deps.log.warn({ titleId: d.layout.titleId, jobId: job.id, chunks: missing }, 'chunk objects missing at packaging: re-encoding them');
  if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
  throw new Error(`chunks ${missing.join(', ')} were missing and could not be queued again`);
}
