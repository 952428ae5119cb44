import { describe, expect, it } from 'vitest';
import { steer, steeringTable } from '../../../cdn-planner/steer.ts';
import type { Plan } from '../../../cdn-planner/types.ts';
import { appliance } from './fixtures.ts';

const plan: Plan = {
  placements: { a1: ['hot', 'warm'], a2: ['hot'], a3: ['hot'] },
  fills: [{ applianceId: 'a1', key: 'warm', bytes: 1, startAt: '2025-03-08T08:00:00Z', endAt: '2025-03-08T09:00:00Z', source: 'origin' }],
  evictions: [],
  stats: { at: '2025-03-08T00:00:00Z', model: 'm', loadFactor: 1.25, clusters: [], unscheduled: 0 },
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
