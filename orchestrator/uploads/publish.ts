import { probeJob } from '../../pipeline/graph.ts';
import type { TitleSource } from '../../titles/model.ts';
import type { TitleStore } from '../../titles/store.ts';
import type { JobQueue } from '../deps.ts';
import { HttpErrors } from '../errors.ts';

/** A title's first job, queued once its master is in storage (pipeline/graph.ts builds it). */
export async function enqueueProbe(jobs: JobQueue, titleId: string): Promise<void> {
  const job = probeJob(titleId);
  await jobs.add(job.name, job.data, job.opts);
}

/**
 * Publishes an uploaded master, for the single PUT and for resumable uploads alike: the title
 * moves to `queued` with its source by compare-and-set, only while `uploadId` holds the title's
 * upload claim and no master is set, then its probe is queued. Refused, `discard` removes the
 * bytes and the error says why.
 */
export async function publishMaster(
  deps: { readonly titles: TitleStore; readonly jobs: JobQueue },
  titleId: string,
  uploadId: string,
  source: TitleSource,
  discard: () => Promise<void>,
): Promise<void> {
  const published = await deps.titles.completeUpload(titleId, uploadId, source);
  if (published !== 'ok') {
    await discard().catch(() => undefined);
    if (published === 'missing') throw new HttpErrors.TitleNotFound(titleId);
    throw new HttpErrors.UploadClaimLost(titleId);
  }
  await enqueueProbe(deps.jobs, titleId);
}
