/**
 * Serialises "compute a snapshot, then write it" when calls can overlap: each call computes its
 * own snapshot, and only the newest call's snapshot is committed. Without it, two calls whose
 * computations finish out of order write the older snapshot last, and it stays.
 */
export function newestWins<T>(compute: () => Promise<T>, commit: (snapshot: T) => Promise<void>): () => Promise<void> {
  let newest = 0;
  return async () => {
    const call = ++newest;
    const snapshot = await compute();
    // A newer call started meanwhile: its snapshot is at least as recent, and it commits.
    if (call !== newest) return;
    await commit(snapshot);
  };
}
