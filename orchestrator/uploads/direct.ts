import type { Redis } from 'ioredis';
import type { DirectUploads } from '../../storage/port.ts';
import type { UploadRegistry } from './registry.ts';

/** A direct multipart upload in progress, as the API keeps it between its three calls. */
export interface DirectUploadRecord {
  readonly titleId: string;
  /** vodforge's id of the upload (in its URLs and its storage key). */
  readonly uploadId: string;
  /** The service's multipart upload id. */
  readonly s3UploadId: string;
  readonly key: string;
  readonly sizeBytes: number;
  /** Hex SHA-256 the uploader declared; checked by `verify-master` before the title is queued. */
  readonly sha256: string;
  readonly partSizeBytes: number;
  readonly partCount: number;
  /** ms since the epoch. */
  readonly createdAtMs: number;
}

export const directMember = (titleId: string, uploadId: string): string => `direct:${titleId}:${uploadId}`;
export const directKey = (titleId: string, uploadId: string): string => `titles/${titleId}/source/direct-${uploadId}/master`;

/** Direct uploads' records in Redis, one key each; they outlive the expiry by a day at most, whatever happens. */
export class DirectUploadRecords {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlS: number,
  ) {}

  private key(titleId: string, uploadId: string): string {
    return `${this.prefix}:title:${titleId}:direct:${uploadId}`;
  }

  async save(r: DirectUploadRecord): Promise<void> {
    await this.redis.set(this.key(r.titleId, r.uploadId), JSON.stringify(r), 'EX', this.ttlS);
  }

  async get(titleId: string, uploadId: string): Promise<DirectUploadRecord | undefined> {
    const raw = await this.redis.get(this.key(titleId, uploadId));
    return raw === null ? undefined : (JSON.parse(raw) as DirectUploadRecord);
  }

  /** Whether this call removed it (two completions of one upload: only one goes on). */
  async delete(titleId: string, uploadId: string): Promise<boolean> {
    return (await this.redis.del(this.key(titleId, uploadId))) === 1;
  }
}

/**
 * Aborts the direct uploads nobody completed within the expiry: their parts are deleted from the
 * bucket (the service would otherwise keep, and bill, them). Returns how many.
 */
export async function sweepDirectUploads(
  registry: UploadRegistry,
  records: DirectUploadRecords,
  uploads: DirectUploads,
  cutoffMs: number,
): Promise<number> {
  let n = 0;
  for (const member of await registry.idleSince(cutoffMs)) {
    const [kind, titleId = '', uploadId = ''] = member.split(':');
    if (kind !== 'direct' || !(await registry.expire(member))) continue;
    const r = await records.get(titleId, uploadId);
    if (r === undefined) continue;
    await uploads.abort(r.key, r.s3UploadId).catch(() => undefined);
    await records.delete(titleId, uploadId);
    n += 1;
  }
  return n;
}
