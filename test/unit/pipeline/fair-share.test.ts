import { describe, expect, it } from 'vitest';
import { uploaderTurns, type WaitingChunk } from '../../../pipeline/fair-share.ts';

const SPAN = 99_998;

/** A title's waiting chunks, one per round from `fromRound`, queued at `queuedAtMs`, at turns `turn0 + i` (or none yet). */
function title(uploader: string, titleId: string, rounds: number, queuedAtMs: number, turn0?: number, fromRound = 0): WaitingChunk[] {
  return Array.from({ length: rounds }, (_, i) => ({
    id: `${titleId}-${fromRound + i}`,
    uploader,
    titleId,
    round: fromRound + i,
    index: fromRound + i,
    queuedAtMs,
    turn: turn0 === undefined ? undefined : turn0 + i,
  }));
}

/** Every chunk with its turn once `titleId` of `uploader` has arrived (as shareTurns applies it). */
function arrive(waiting: readonly WaitingChunk[], uploader: string, titleId: string, span = SPAN): WaitingChunk[] {
  const changed = uploaderTurns(waiting, uploader, new Set([titleId]), span);
  return waiting.map((c) => ({ ...c, turn: changed.get(c.id) ?? c.turn }));
}

const turnsOf = (waiting: readonly WaitingChunk[]): Record<string, number | undefined> =>
  Object.fromEntries(waiting.map((c) => [c.id, c.turn]));

/** The order a free worker takes them in: by turn, then by when they were queued. */
const order = (waiting: readonly WaitingChunk[]): string[] =>
  [...waiting].sort((a, b) => (a.turn ?? Infinity) - (b.turn ?? Infinity) || a.queuedAtMs - b.queuedAtMs).map((c) => c.id);

describe('uploaderTurns', () => {
  it("numbers a team's title in an empty class from 0, one turn per chunk in round order", () => {
    expect(turnsOf(arrive(title('a', 'film', 3, 1000), 'a', 'film'))).toEqual({ 'film-0': 0, 'film-1': 1, 'film-2': 2 });
  });

  it("goes on from where the team stands: its short title before its film's later rounds", () => {
    // The film has had 50 chunks: its waiting ones stand at 50..53. A trailer of the same team arrives.
    const after = arrive([...title('a', 'film', 4, 1000, 50, 50), ...title('a', 'trailer', 2, 2000)], 'a', 'trailer');
    expect(order(after)).toEqual(['trailer-0', 'trailer-1', 'film-50', 'film-51', 'film-52', 'film-53']);
    expect(after.find((c) => c.id === 'trailer-0')?.turn).toBe(50);
  });

  it("interleaves a team's titles by round, then by when each was queued", () => {
    const after = arrive([...title('a', 'x', 3, 1000, 0), ...title('a', 'y', 3, 2000)], 'a', 'y');
    expect(order(after)).toEqual(['x-0', 'y-0', 'x-1', 'y-1', 'x-2', 'y-2']);
  });

  it('alternates two teams chunk for chunk: a team with nothing waiting joins at the current turn, not ahead of it', () => {
    // Team A has had 100 chunks and waits at 100..104; team B arrives with its first title.
    const after = arrive([...title('a', 'film', 5, 1000, 100, 100), ...title('b', 'clip', 3, 2000)], 'b', 'clip');
    expect(order(after)).toEqual(['film-100', 'clip-0', 'film-101', 'clip-1', 'film-102', 'clip-2', 'film-103', 'film-104']);
  });

  it("puts one team's title second behind another team's ten, not eleventh", () => {
    let waiting: WaitingChunk[] = [];
    for (let k = 0; k < 10; k++) waiting = arrive([...waiting, ...title('a', `a${k}`, 1, 1000 + k)], 'a', `a${k}`);
    waiting = arrive([...waiting, ...title('b', 'b', 2, 5000)], 'b', 'b');
    expect(order(waiting).slice(0, 4)).toEqual(['a0-0', 'b-0', 'a1-0', 'b-1']);
  });

  it('orders in chunks a dead enqueue left without a turn at the team’s next arrival, and never counts them as the current turn', () => {
    const waiting = [...title('a', 'film', 3, 1000, 20, 20), ...title('a', 'orphan', 2, 1500), ...title('b', 'clip', 1, 2000)];
    const after = arrive(waiting, 'b', 'clip');
    // B joins at 20 (A's lowest turn), not at 0 (the orphan's chunks have none).
    expect(after.find((c) => c.id === 'clip-0')?.turn).toBe(20);
    expect(after.find((c) => c.id === 'orphan-0')?.turn).toBeUndefined();
    const next = arrive([...after, ...title('a', 'late', 1, 3000)], 'a', 'late');
    expect(order(next.filter((c) => c.uploader === 'a'))).toEqual(['orphan-0', 'late-0', 'orphan-1', 'film-20', 'film-21', 'film-22']);
  });

  it('moves the whole class down when a team would pass the band, keeping the order', () => {
    const waiting = [...title('a', 'film', 3, 1000, 95, 95), ...title('b', 'clip', 2, 2000, 96), ...title('a', 'new', 6, 3000)];
    const after = arrive(waiting, 'a', 'new', 100);
    for (const c of after) expect(c.turn).toBeLessThan(100);
    expect(Math.min(...after.map((c) => c.turn ?? Infinity))).toBe(0);
    expect(order(after).indexOf('clip-0')).toBeLessThan(order(after).indexOf('film-96'));
  });

  it('returns only what changes, and the same whatever order the queue lists the chunks in', () => {
    const settled = arrive([...title('a', 'x', 2, 1000), ...title('b', 'y', 2, 2000, 0)], 'a', 'x');
    expect(uploaderTurns(settled, 'a', new Set(['x']), SPAN).size).toBe(0);
    const waiting = [...title('a', 'x', 3, 1000, 7, 7), ...title('a', 'y', 2, 1000)];
    const reversed = uploaderTurns([...waiting].reverse(), 'a', new Set(['y']), SPAN);
    expect(reversed).toEqual(uploaderTurns(waiting, 'a', new Set(['y']), SPAN));
    expect(reversed.size).toBeGreaterThan(0);
  });
});
