import { BadInputError } from '../../ffmpeg/errors.ts';
import { probeFlowJob } from '../../pipeline/graph.ts';
import { sha256OfObject } from '../../storage/transfer.ts';
import type { Handler } from './context.ts';

/** How long the check holds the title's upload claim while it publishes the master. */
const PUBLISH_LEASE_MS = 60_000;

/** A claim another upload holds: the check is retried (with the queue's backoff) once it is released. */
class TitleClaimBusyError extends Error {
  override readonly name = 'TitleClaimBusyError';
  readonly code = 'VF_UPLOAD_IN_PROGRESS';
}

/**
 * `verify-master`: a master uploaded straight to the bucket is streamed from storage and hashed
 * here, on a worker, so the API that handed out the part URLs never carries its bytes. The
 * SHA-256 its uploader declared must match, or the title fails with `VF_MASTER_CHECKSUM_MISMATCH`
 * (no retry: the bytes will not change) and the object is deleted. A match publishes the master
 * by the same compare-and-set the other upload paths use, and queues the probe as they do.
 */
export const verifyMasterHandler: Handler<'verify-master'> = async (job, { deps }) => {
  const { titleId, uploadId, key, sizeBytes, sha256 } = job.data;
  const title = await deps.titles.get(titleId);
  // Deleted meanwhile: its objects went with it.
  if (title === undefined) return { cancelled: true };
  if (title.source?.key === key) {
    // Published by an earlier attempt that stopped before its probe was queued.
    await deps.flow.add(probeFlowJob(deps.queueName, titleId));
    return { sha256 };
  }
  if (title.state !== 'uploading' || title.source !== undefined) {
    // Another upload published a master first: this one is not needed.
    await deps.store.delete(key);
    return { superseded: true };
  }
  const actual = await sha256OfObject(deps.store, key);
  if (actual !== sha256) {
    await deps.store.delete(key);
    throw new BadInputError(
      'VF_MASTER_CHECKSUM_MISMATCH',
      `the master uploaded to the bucket has SHA-256 ${actual}, not the ${sha256} declared: re-upload it to a new title`,
    );
  }
  const claim = await deps.titles.claimUpload(titleId, uploadId, PUBLISH_LEASE_MS);
  if (claim.kind === 'busy') throw new TitleClaimBusyError(`another upload of title ${titleId} holds its claim`);
  if (claim.kind === 'missing') return { cancelled: true };
  if (claim.kind === 'not-uploading' || (await deps.titles.completeUpload(titleId, uploadId, { key, sizeBytes, sha256 })) !== 'ok') {
    if ((await deps.titles.get(titleId))?.source?.key !== key) await deps.store.delete(key);
    return { superseded: true };
  }
  await deps.flow.add(probeFlowJob(deps.queueName, titleId));
  return { sha256 };
};
