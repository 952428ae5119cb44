/**
 * Turns between the teams sharing a fleet. A chunk's BullMQ priority within its class is its
 * turn: the service its uploader (the API key that created the title) will have had when it
 * starts, in chunks, over the work that key still has waiting. Every key's first waiting
 * chunk stands at the service that key has had, so a team that has had little goes before a
 * team that has had much, whatever the number of titles each queued: ten trailers from one
 * team do not make another team's one title wait for all ten. Within a key, chunks go by
 * their round in their title (`chunkRound`), then by when their title was queued, so one
 * team's short title still goes before its own film's later rounds. Pure.
 */

/** A chunk waiting for a worker, as the order between teams sees it. */
export interface WaitingChunk {
  readonly id: string;
  readonly titleId: string;
  /** Its round in its title (`chunkRound`). */
  readonly round: number;
  /** Its index in its title. */
  readonly index: number;
  /** When its title's encode was queued (the job's creation time), ms. */
  readonly queuedAtMs: number;
  /** Its turn as queued now: its priority less its class's base. */
  readonly turn: number;
}

/**
 * New turns for one uploader's waiting chunks of one class, once the chunks of the titles in
 * `arriving` have joined them. The key's first turn stays where its chunks already queued
 * stood (0 when it had none), and the rest follow in the key's own order, one turn each.
 * Only chunks whose turn changes are returned.
 */
export function uploaderTurns(waiting: readonly WaitingChunk[], arriving: ReadonlySet<string>): Map<string, number> {
  const before = waiting.filter((c) => !arriving.has(c.titleId));
  const first = before.length === 0 ? 0 : before.reduce((min, c) => Math.min(min, c.turn), Infinity);
  const order = [...waiting].sort(
    (a, b) =>
      a.round - b.round || a.queuedAtMs - b.queuedAtMs || (a.titleId < b.titleId ? -1 : a.titleId > b.titleId ? 1 : 0) || a.index - b.index,
  );
  const changed = new Map<string, number>();
  order.forEach((c, position) => {
    if (c.turn !== first + position) changed.set(c.id, first + position);
  });
  return changed;
}
