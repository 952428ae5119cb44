import { describe, expect, it } from 'vitest';
import { steer, steeringTable } from '../../../cdn-planner/steer.ts';
import type { Plan } from '../../../cdn-planner/types.ts';
import { appliance } from './fixtures.ts';

const plan: Plan = {
  placements: { a1: ['hot', 'warm'], a2: ['hot'], a3: ['hot'] },
  fills: [{ applianceId: 'a1', key: 'warm', bytes: 1, startAt: '2025-03-08T08:00:00Z', endAt: '2025-03-08T09:00:00Z', source: 'origin' }],
  evictions: [],
  stats: { at: '2025-03-08T00:00:00Z', notes: [], model: 'm', loadFactor: 1.25, clusters: [], unscheduled: 0 },
};
const appliances = [appliance('a1'), appliance('a2'), appliance('a3', { state: 'draining' })];

describe('steer', () => {
  it('points at a holder in the region, never a draining one, else the origin', () => {
    const table = steeringTable(plan, appliances);
    const seen = new Set(Array.from({ length: 50 }, (_, i) => steer(table, 'us', 'hot', `client-${i}`)));
    expect(seen).toEqual(new Set(['a1', 'a2']));
    expect(steer(table, 'us', 'cold')).toBeUndefined();
    expect(steer(table, 'eu', 'hot')).toBeUndefined();
  });

  it('is stable per client and waits for a fill to finish', () => {
    const table = steeringTable(plan, appliances, { nowMs: Date.parse('2025-03-08T08:30:00Z') });
    expect(steer(table, 'us', 'warm')).toBeUndefined();
    expect(steer(table, 'us', 'hot', 'x')).toBe(steer(table, 'us', 'hot', 'x'));
    expect(steer(steeringTable(plan, appliances, { nowMs: Date.parse('2025-03-08T09:00:00Z') }), 'us', 'warm')).toBe('a1');
  });
});

describe('weighted steering', () => {
  const weighted: Plan = { ...plan, fills: [], placements: { a1: ['hot'], a2: ['hot'] }, shares: { a1: { hot: 0.8 }, a2: { hot: 0.2 } } };
  const active = [appliance('a1'), appliance('a2')];

  it('spreads players over the copies in proportion to the plan shares', () => {
    const table = steeringTable(weighted, active);
    const n = 20_000;
    let a1 = 0;
    for (let i = 0; i < n; i++) if (steer(table, 'us', 'hot', `session-${i}`) === 'a1') a1++;
    // Binomial(20000, 0.8): standard deviation 57 players.
    expect(Math.abs(a1 - 0.8 * n)).toBeLessThan(400);
  });

  it('splits evenly without shares, and never steers to a copy whose share is zero', () => {
    const table = steeringTable({ ...weighted, shares: undefined }, active);
    let a1 = 0;
    for (let i = 0; i < 10_000; i++) if (steer(table, 'us', 'hot', `s${i}`) === 'a1') a1++;
    expect(Math.abs(a1 - 5000)).toBeLessThan(300);
    const zero = steeringTable({ ...weighted, shares: { a1: { hot: 1 }, a2: { hot: 0 } } }, active);
    for (let i = 0; i < 1000; i++) expect(steer(zero, 'us', 'hot', `s${i}`)).toBe('a1');
  });

  it('moves only the players of a copy that goes: the others keep their appliance', () => {
    const three: Plan = { ...plan, fills: [], placements: { a1: ['hot'], a2: ['hot'], a4: ['hot'] } };
    const all = [...active, appliance('a4')];
    const before = steeringTable(three, all);
    const after = steeringTable(
      three,
      all.map((a) => (a.id === 'a4' ? { ...a, state: 'down' as const } : a)),
    );
    for (let i = 0; i < 2000; i++) {
      const was = steer(before, 'us', 'hot', `s${i}`);
      if (was !== 'a4') expect(steer(after, 'us', 'hot', `s${i}`)).toBe(was);
    }
  });
});
