/**
 * Turns between the teams sharing a fleet, as start-time fair queueing: a chunk's BullMQ
 * priority within its class is its turn, and turns advance one per chunk. A team (the API key
 * that created the title) joins the queue at the class's current turn, the lowest turn still
 * waiting, or goes on from its own lowest waiting turn when it already has work waiting; its
 * chunks then follow one turn each. Two teams with work waiting therefore alternate chunk for
 * chunk, whatever the number of titles each queued: ten trailers from one team do not make
 * another team's one title wait for all ten. Within a team, chunks go by their round in their
 * title (`chunkRound`), then by when their title was queued, so a team's short title still
 * goes before its own film's later rounds. A team that had nothing waiting carries neither
 * credit nor debt: it joins at the current turn. Pure.
 */

/** A chunk waiting for a worker, as the order between teams sees it. */
export interface WaitingChunk {
  readonly id: string;
  readonly uploader: string;
  readonly titleId: string;
  /** Its round in its title (`chunkRound`). */
  readonly round: number;
  /** Its index in its title. */
  readonly index: number;
  /** When its title's encode was queued (the job's creation time), ms. */
  readonly queuedAtMs: number;
  /** Its turn as queued now (its priority less its class's base); `undefined` while it has none yet. */
  readonly turn: number | undefined;
}

/**
 * New turns, once the chunks of the titles in `arriving` (queued by `uploader`) have joined
 * `waiting`, every chunk of one class waiting for its turn (every team's; chunks re-queued
 * ahead of all, like a lost chunk's redo, left out). When the team's last turn would pass
 * `span - 1`, every turn of the class moves down by the current turn first, which keeps their
 * order. Only chunks whose turn changes are returned.
 */
export function uploaderTurns(
  waiting: readonly WaitingChunk[],
  uploader: string,
  arriving: ReadonlySet<string>,
  span: number,
): Map<string, number> {
  const turned = waiting.filter((c): c is WaitingChunk & { turn: number } => c.turn !== undefined && !arriving.has(c.titleId));
  const lowest = (chunks: readonly { turn: number }[]): number | undefined =>
    chunks.length === 0 ? undefined : chunks.reduce((min, c) => Math.min(min, c.turn), Infinity);
  const current = lowest(turned) ?? 0;
  const own = waiting.filter((c) => c.uploader === uploader);
  const first = lowest(turned.filter((c) => c.uploader === uploader)) ?? current;
  // Turns only grow while the class is never empty: past the band, the class moves down.
  const shift = first + own.length > span ? current : 0;
  const next = new Map<string, number>();
  for (const c of turned) if (c.uploader !== uploader && shift > 0) next.set(c.id, c.turn - shift);
  const order = [...own].sort(
    (a, b) =>
      a.round - b.round || a.queuedAtMs - b.queuedAtMs || (a.titleId < b.titleId ? -1 : a.titleId > b.titleId ? 1 : 0) || a.index - b.index,
  );
  for (const [position, c] of order.entries()) next.set(c.id, Math.min(span - 1, first - shift + position));
  const before = new Map(waiting.map((c) => [c.id, c.turn]));
  for (const [id, turn] of next) if (before.get(id) === turn) next.delete(id);
  return next;
}
