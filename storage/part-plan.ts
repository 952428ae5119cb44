/**
 * How a direct multipart upload is cut into parts: S3's limits (every part but the last at least
 * 5 MiB, none over 5 GiB, at most 10,000 parts, objects up to 5 TiB) and a preferred size.
 * Pure: plain numbers in, plain numbers out.
 */
const MIB = 1024 * 1024;
export const S3_MIN_PART_BYTES = 5 * MIB;
export const S3_MAX_PART_BYTES = 5 * 1024 * MIB;
export const S3_MAX_PARTS = 10_000;
export const S3_MAX_OBJECT_BYTES = 5 * 1024 * 1024 * MIB;

/** Parts of 8 MiB unless the size needs larger ones: small enough to retry cheaply, large enough to keep the URLs few. */
export const PREFERRED_PART_BYTES = 8 * MIB;

export interface PartPlan {
  /** Size of every part but the last, in bytes. */
  readonly partSizeBytes: number;
  readonly partCount: number;
}

export class PartPlanError extends RangeError {
  override readonly name = 'PartPlanError';
}

/**
 * The part size for an object of `sizeBytes`: the preferred size, or the smallest whole number
 * of MiB that keeps the count within 10,000 parts.
 */
export function planParts(sizeBytes: number, preferredPartBytes = PREFERRED_PART_BYTES): PartPlan {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes > S3_MAX_OBJECT_BYTES) {
    throw new PartPlanError(`Expected sizeBytes to be an integer from 1 to ${S3_MAX_OBJECT_BYTES} (5 TiB), got ${sizeBytes}`);
  }
  if (!Number.isSafeInteger(preferredPartBytes) || preferredPartBytes < S3_MIN_PART_BYTES || preferredPartBytes > S3_MAX_PART_BYTES) {
    throw new PartPlanError(
      `Expected preferredPartBytes to be an integer from ${S3_MIN_PART_BYTES} to ${S3_MAX_PART_BYTES}, got ${preferredPartBytes}`,
    );
  }
  const forCount = Math.ceil(Math.ceil(sizeBytes / S3_MAX_PARTS) / MIB) * MIB;
  const partSizeBytes = Math.min(S3_MAX_PART_BYTES, Math.max(preferredPartBytes, forCount));
  return { partSizeBytes, partCount: Math.max(1, Math.ceil(sizeBytes / partSizeBytes)) };
}

/** Bytes of part `partNumber` (from 1) under `plan` for an object of `sizeBytes`. */
export function partBytes(plan: PartPlan, sizeBytes: number, partNumber: number): number {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > plan.partCount) {
    throw new PartPlanError(`Expected partNumber to be an integer from 1 to ${plan.partCount}, got ${partNumber}`);
  }
  return partNumber < plan.partCount ? plan.partSizeBytes : sizeBytes - (plan.partCount - 1) * plan.partSizeBytes;
}
