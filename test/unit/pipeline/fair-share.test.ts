import { describe, expect, it } from 'vitest';
import { uploaderTurns, type WaitingChunk } from '../../../pipeline/fair-share.ts';

/** A title's waiting chunks, one per round from `fromRound`, queued at `queuedAtMs`, each at turn `turn0 + i`. */
function title(titleId: string, rounds: number, queuedAtMs: number, turn0: number, fromRound = 0): WaitingChunk[] {
  return Array.from({ length: rounds }, (_, i) => ({
    id: `${titleId}-${fromRound + i}`,
    titleId,
    round: fromRound + i,
    index: fromRound + i,
    queuedAtMs,
    turn: turn0 + i,
  }));
}

/** Every chunk's turn once the changes are applied. */
function applied(waiting: readonly WaitingChunk[], arriving: string[]): Map<string, number> {
  const changed = uploaderTurns(waiting, new Set(arriving));
  return new Map(waiting.map((c) => [c.id, changed.get(c.id) ?? c.turn]));
}

describe('uploaderTurns', () => {
  it("numbers a team's first title from 0, one turn per chunk in round order", () => {
    // Queued at their rounds (0..3) by the flow: nothing to change.
    expect(uploaderTurns(title('film', 4, 1000, 0), new Set(['film'])).size).toBe(0);
  });

  it('starts where the team already stood: its own short title goes before its film, and the film keeps its place after', () => {
    // The film has had 50 chunks; its waiting ones stand at turns 50..53. A trailer of the same team arrives at rounds 0..1.
    const turns = applied([...title('film', 4, 1000, 50, 50), ...title('trailer', 2, 2000, 0)], ['trailer']);
    expect(turns.get('trailer-0')).toBe(50);
    expect(turns.get('trailer-1')).toBe(51);
    expect([50, 51, 52, 53].map((r) => turns.get(`film-${r}`))).toEqual([52, 53, 54, 55]);
  });

  it("interleaves a team's titles by round, then by when each was queued", () => {
    const turns = applied([...title('a', 3, 1000, 0), ...title('b', 3, 2000, 0)], ['b']);
    expect(['a-0', 'b-0', 'a-1', 'b-1', 'a-2', 'b-2'].map((id) => turns.get(id))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('gives a team with ten titles waiting ten turns for them, so one title of another team goes second, not eleventh', () => {
    // Team A's ten one-chunk titles, queued one after another: turns 0..9 within A.
    let waiting: WaitingChunk[] = [];
    for (let k = 0; k < 10; k++) {
      waiting = [...waiting, ...title(`a${k}`, 1, 1000 + k, 0)];
      const changed = uploaderTurns(waiting, new Set([`a${k}`]));
      waiting = waiting.map((c) => ({ ...c, turn: changed.get(c.id) ?? c.turn }));
    }
    expect(waiting.map((c) => c.turn)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Team B's one title is turned on its own chunks only: it stands at 0, beside A's first.
    expect(uploaderTurns(title('b', 1, 5000, 0), new Set(['b'])).size).toBe(0);
  });

  it('is deterministic whatever order the queue lists the chunks in', () => {
    const waiting = [...title('a', 3, 1000, 7, 7), ...title('b', 2, 1000, 0)];
    expect(applied([...waiting].reverse(), ['b'])).toEqual(applied(waiting, ['b']));
  });
});
