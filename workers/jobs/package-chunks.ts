import { randomUUID } from 'node:crypto';
import { WaitingChildrenError, type Job } from 'bullmq';
import { planChunks } from '../../pipeline/chunks.ts';
import { chunkRedoJob } from '../../pipeline/graph.ts';
import { chunkKey, type EncodeChunkJobData, type PackageJobData } from '../../pipeline/types.ts';
import type { WorkerDeps } from './context.ts';

/** Chunks of which some rung's object is not in the work prefix (one listing, not a HEAD per object). */
export async function missingChunks(deps: Pick<WorkerDeps, 'store'>, d: PackageJobData): Promise<number[]> {
  const present = new Set<string>();
  for await (const o of deps.store.list(d.layout.workPrefix)) present.add(o.key);
  const missing: number[] = [];
  for (let c = 0; c < d.chunkCount; c++) {
    if (d.rungs.some((_, r) => !present.has(chunkKey(d.layout, r, c)))) missing.push(c);
  }
  return missing;
}

/**
 * Sends chunks back to encoding as new children of this package job, which then waits for
 * them (BullMQ's dynamic children) and runs again. A chunk can be missing although its job
 * completed: storage lost it, or something deleted intermediates it should not have; the
 * title is still whole at the master, so it is re-encoded instead of failed. The chunks are
 * planned again from the same pure inputs as at enqueue time, so they cover the same frames.
 */
export async function reencodeChunks(
  deps: WorkerDeps,
  job: Job,
  token: string,
  d: PackageJobData,
  missing: readonly number[],
): Promise<never> {
  const chunks = planChunks({
    durationS: d.durationS,
    frameRate: d.timeline.frameRate,
    segmentS: d.settings.segmentS,
    chunkSegments: d.settings.chunkSegments,
    slots: d.settings.fleetSlots,
  });
  if (chunks.length !== d.chunkCount) throw new Error(`re-planned ${chunks.length} chunks where the title has ${d.chunkCount}`);
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
