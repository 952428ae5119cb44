import type { Appliance, CatalogTitle } from '../../../cdn-planner/types.ts';

export function appliance(id: string, over: Partial<Appliance> = {}): Appliance {
  return {
    id,
    cluster: 'c1',
    region: 'us',
    capacityBytes: 1_000_000,
    fillGbps: 1,
    fillWindow: { start: '02:00', end: '06:00', tz: 'America/Chicago' },
    state: 'active',
    ...over,
  };
}

/** n titles of `files` files of `bytes` each, released long ago. */
export function catalog(n: number, files = 2, bytes = 10_000): CatalogTitle[] {
  return Array.from({ length: n }, (_, t) => ({
    titleId: `t${t}`,
    releasedAt: '2024-01-01T00:00:00Z',
    files: Array.from({ length: files }, (_, i) => ({ key: `t${t}/f${i}`, bytes })),
  }));
}

/** Zipf-like demand in bytes/day over `files` files, in a scrambled order. */
export function zipfDemand(files: number): Float64Array {
  return Float64Array.from({ length: files }, (_, f) => 1e12 / (1 + ((f * 7919) % files)) ** 0.9);
}

/** Five active appliances of unequal sizes (0.5 to 2 GB), serving capacity unknown. */
export function mixedMembers(): Appliance[] {
  return [
    appliance('a1', { capacityBytes: 1_000_000_000 }),
    appliance('a2', { capacityBytes: 2_000_000_000 }),
    appliance('a3', { capacityBytes: 1_000_000_000 }),
    appliance('a4', { capacityBytes: 1_500_000_000 }),
    appliance('a5', { capacityBytes: 500_000_000 }),
  ];
}

/**
 * {@link mixedMembers} streaming in proportion to their disks, `gbpsPerGb` each, so a file's
 * copies follow from its demand (bytes/day) against {@link perCopyDailyBytes}.
 */
export function servingMembers(gbpsPerGb: number): Appliance[] {
  return mixedMembers().map((a) => ({ ...a, serveGbps: (a.capacityBytes / 1e9) * gbpsPerGb }));
}

/** Demand steep enough (Zipf exponent 2) that a few files carry most of it: bytes/day, scrambled. */
export function steepDemand(files: number): Float64Array {
  return Float64Array.from({ length: files }, (_, f) => 1e12 / (1 + ((f * 7919) % files)) ** 2);
}
