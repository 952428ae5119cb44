import HashRing from 'hashring';

/** A weighted consistent-hash ring over appliance ids. */
export interface Ring {
  readonly members: readonly string[];
  /** Up to `count` distinct members in ring order starting at the key's position. */
  preference(key: string, count: number): readonly string[];
}

export interface RingMember {
  readonly id: string;
  /** Capacity in bytes: the member's weight on the ring. */
  readonly capacityBytes: number;
}

export interface RingOptions {
  /**
   * Bytes of capacity per virtual node (each vnode is 4 ring points, as in ketama). A fixed
   * unit keeps every other member's points unchanged when one joins or leaves.
   * @defaultValue 25e9 (a 2.5 TB appliance gets 100 vnodes, 400 points)
   */
  readonly vnodeBytes?: number;
  /** Cap on vnodes per member, bounding ring size for very large appliances. @defaultValue 4096 */
  readonly maxVnodes?: number;
}

/**
 * Builds a ketama-compatible ring with `hashring` (md5, 4 points per vnode). Not the package
 * `hash-ring`: it compares raw keys instead of their hashes and sends every key to one node.
 *
 * Each member's vnode count is set explicitly from its capacity. hashring's own weighting
 * gives floor(weight share x vnodes x members) vnodes, which changes every member's point
 * set when one member joins or leaves and moves keys between members that did not change.
 */
export function buildRing(members: readonly RingMember[], options: RingOptions = {}): Ring {
  const unit = options.vnodeBytes ?? 25e9;
  const cap = options.maxVnodes ?? 4096;
  const servers: Record<string, { weight: number; vnodes: number }> = {};
  for (const m of members) servers[m.id] = { weight: 1, vnodes: Math.max(1, Math.min(cap, Math.round(m.capacityBytes / unit))) };
  // 'vnode count' -1: hashring only honours a per-server vnode count that differs from its
  // default, so a member with exactly the default would silently fall back to weighting.
  // The LRU memo of get() is unused (range() bypasses it): keep it tiny.
  const ring = new HashRing(servers, 'md5', { 'vnode count': -1, 'max cache size': 1 });
  const ids = members.map((m) => m.id);
  return {
    members: ids,
    preference: (key, count) => (ids.length === 0 ? [] : ring.range(key, Math.min(count, ids.length))),
  };
}
