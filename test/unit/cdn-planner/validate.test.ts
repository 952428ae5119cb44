import { describe, expect, it } from 'vitest';
import { PlannerError } from '../../../cdn-planner/errors.ts';
import { parseViewLines, validateAppliances, validateCatalog, validateHoldings } from '../../../cdn-planner/validate.ts';
import { appliance, catalog } from './fixtures.ts';

function caught(fn: () => unknown): PlannerError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PlannerError) return err;
    throw err;
  }
  throw new Error('expected a PlannerError');
}

describe('input validation names the bad field and value', () => {
  it('rejects an unknown time zone on an appliance', () => {
    const bad = [appliance('a'), { ...appliance('b'), fillWindow: { start: '02:00', end: '06:00', tz: 'Mars/Base' } }];
    const err = caught(() => validateAppliances(bad));
    expect(err.code).toBe('PLANNER_INVALID_INPUT');
    expect(err.field).toBe('appliances[1].fillWindow.tz');
    expect(err.message).toContain('"Mars/Base"');
  });

  it('rejects a bad state, a negative capacity and a malformed window start', () => {
    expect(caught(() => validateAppliances([{ ...appliance('a'), state: 'asleep' }])).field).toBe('appliances[0].state');
    expect(caught(() => validateAppliances([{ ...appliance('a'), capacityBytes: -1 }])).field).toBe('appliances[0].capacityBytes');
    expect(caught(() => validateAppliances([{ ...appliance('a'), fillWindow: { start: '2am', end: '06:00', tz: 'UTC' } }])).field).toBe(
      'appliances[0].fillWindow.start',
    );
  });

  it('takes an optional positive serveGbps and rejects any other', () => {
    expect(validateAppliances([appliance('a')])[0]?.serveGbps).toBeUndefined();
    expect(validateAppliances([{ ...appliance('a'), serveGbps: 40 }])[0]?.serveGbps).toBe(40);
    expect(caught(() => validateAppliances([{ ...appliance('a'), serveGbps: 0 }])).field).toBe('appliances[0].serveGbps');
    expect(caught(() => validateAppliances([{ ...appliance('a'), serveGbps: '40' }])).field).toBe('appliances[0].serveGbps');
  });

  it('rejects duplicate appliance ids and a cluster spanning two regions', () => {
    const dup = caught(() => validateAppliances([appliance('a'), appliance('a')]));
    expect(dup.code).toBe('PLANNER_DUPLICATE_ID');
    expect(dup.field).toBe('appliances[1].id');
    expect(caught(() => validateAppliances([appliance('a'), appliance('b', { region: 'eu' })])).field).toBe('appliances[1].region');
  });

  it('rejects a file with zero bytes and a duplicate key across titles', () => {
    const zero = catalog(1);
    const bad = [{ ...zero[0]!, files: [{ key: 'k', bytes: 0 }] }];
    const err = caught(() => validateCatalog(bad));
    expect(err.field).toBe('catalog[0].files[0].bytes');
    expect(err.received).toBe(0);
    const twice = [
      { titleId: 'x', releasedAt: '2024-01-01T00:00:00Z', files: [{ key: 'same', bytes: 1 }] },
      { titleId: 'y', releasedAt: '2024-01-01T00:00:00Z', files: [{ key: 'same', bytes: 1 }] },
    ];
    expect(caught(() => validateCatalog(twice)).field).toBe('catalog[1].files[0].key');
  });

  it('names the line of a bad view record', () => {
    const text =
      '{"ts":"2025-01-01T00:00:00Z","titleId":"t0","region":"us","bytes":5}\n\n{"ts":"yesterday","titleId":"t0","region":"us","bytes":5}\n';
    const err = caught(() => parseViewLines(text));
    expect(err.field).toBe('views:3.ts');
    expect(caught(() => parseViewLines('not json')).field).toBe('views:1');
  });

  it('rejects holdings for an appliance the plan does not know', () => {
    const err = caught(() => validateHoldings({ ghost: ['k'] }, [appliance('a')]));
    expect(err.code).toBe('PLANNER_UNKNOWN_REFERENCE');
    expect(err.field).toBe('holdings.ghost');
  });
});
