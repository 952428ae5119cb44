// Types for `hashring` v3 (CommonJS, ships none): only the surface the planner uses.
declare module 'hashring' {
  interface HashRingOptions {
    /** Virtual nodes per server before weighting; ketama uses 40 (x4 replicas = 160 points). */
    readonly 'vnode count'?: number;
    readonly replicas?: number;
    readonly compatibility?: 'ketama' | 'hash_ring';
    readonly 'max cache size'?: number;
  }
  class HashRing {
    constructor(
      servers: Readonly<Record<string, number | { readonly weight: number; readonly vnodes?: number }>> | readonly string[],
      algorithm?: string,
      options?: HashRingOptions,
    );
    /** The server a key maps to, or undefined on an empty ring. */
    get(key: string): string | undefined;
    /** Up to `size` distinct servers in ring order from the key's position. */
    range(key: string, size?: number, unique?: boolean): string[];
    /** The continuum, sorted by point: what get() and range() walk. Not in hashring's README, but its state since v0.x. */
    readonly ring: readonly { readonly value: number; readonly server: string }[];
    /** Ring points per server. */
    points(servers?: readonly string[]): Record<string, number[]>;
    readonly size: number;
  }
  export = HashRing;
}
