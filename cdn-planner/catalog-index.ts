import type { CatalogTitle } from './types.ts';

/**
 * The catalog flattened into typed arrays so that 160,000 files can be scored and placed
 * without an object per file. Title t owns files `fileStart[t]` to `fileStart[t + 1] - 1`.
 */
export interface CatalogIndex {
  readonly titleIds: readonly string[];
  readonly titleIndex: ReadonlyMap<string, number>;
  /** Release instant per title, UTC ms. */
  readonly releasedAtMs: Float64Array;
  readonly fileStart: Int32Array;
  readonly keys: readonly string[];
  readonly keyIndex: ReadonlyMap<string, number>;
  readonly fileBytes: Float64Array;
  readonly fileTitle: Int32Array;
}

export function indexCatalog(catalog: readonly CatalogTitle[]): CatalogIndex {
  const titleIds: string[] = [];
  const titleIndex = new Map<string, number>();
  const releasedAtMs = new Float64Array(catalog.length);
  const fileStart = new Int32Array(catalog.length + 1);
  const keys: string[] = [];
  const keyIndex = new Map<string, number>();
  const bytes: number[] = [];
  const owner: number[] = [];
  catalog.forEach((title, t) => {
    titleIds.push(title.titleId);
    titleIndex.set(title.titleId, t);
    releasedAtMs[t] = Date.parse(title.releasedAt);
    fileStart[t] = keys.length;
    for (const f of title.files) {
      keyIndex.set(f.key, keys.length);
      keys.push(f.key);
      bytes.push(f.bytes);
      owner.push(t);
    }
  });
  fileStart[catalog.length] = keys.length;
  return {
    titleIds,
    titleIndex,
    releasedAtMs,
    fileStart,
    keys,
    keyIndex,
    fileBytes: Float64Array.from(bytes),
    fileTitle: Int32Array.from(owner),
  };
}
