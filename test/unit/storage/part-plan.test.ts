import { describe, expect, it } from 'vitest';
import { PartPlanError, partBytes, planParts, S3_MAX_OBJECT_BYTES, S3_MAX_PARTS, S3_MIN_PART_BYTES } from '../../../storage/part-plan.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe('direct upload part plans', () => {
  it('cuts small and medium masters into 8 MiB parts', () => {
    expect(planParts(1)).toEqual({ partSizeBytes: 8 * MIB, partCount: 1 });
    expect(planParts(20 * MIB)).toEqual({ partSizeBytes: 8 * MIB, partCount: 3 });
    expect(planParts(8 * MIB * S3_MAX_PARTS)).toEqual({ partSizeBytes: 8 * MIB, partCount: S3_MAX_PARTS });
  });

  it('grows the part, by whole MiB, to keep a large master within 10,000 parts', () => {
    const large = planParts(100 * GIB);
    expect(large.partSizeBytes % MIB).toBe(0);
    expect(large.partCount).toBeLessThanOrEqual(S3_MAX_PARTS);
    // The smallest such size: one MiB less would need more than 10,000 parts.
    expect(Math.ceil((100 * GIB) / (large.partSizeBytes - MIB))).toBeGreaterThan(S3_MAX_PARTS);
    const largest = planParts(S3_MAX_OBJECT_BYTES);
    expect(largest.partCount).toBeLessThanOrEqual(S3_MAX_PARTS);
    expect(largest.partSizeBytes).toBeGreaterThanOrEqual(S3_MIN_PART_BYTES);
  });

  it('sizes the last part with the rest', () => {
    const plan = planParts(20 * MIB);
    expect([1, 2, 3].map((n) => partBytes(plan, 20 * MIB, n))).toEqual([8 * MIB, 8 * MIB, 4 * MIB]);
    expect(() => partBytes(plan, 20 * MIB, 4)).toThrow(PartPlanError);
  });

  it('refuses sizes S3 cannot hold and part sizes outside its limits, naming the value', () => {
    expect(() => planParts(0)).toThrow(/sizeBytes .* got 0/);
    expect(() => planParts(S3_MAX_OBJECT_BYTES + 1)).toThrow(PartPlanError);
    expect(() => planParts(1.5)).toThrow(PartPlanError);
    expect(() => planParts(MIB, MIB)).toThrow(/preferredPartBytes .* got 1048576/);
  });
});
