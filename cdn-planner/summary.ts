import type { Plan } from './types.ts';

/** The human-readable summary `vodforge plan` prints: one line per cluster, then totals. */
export function formatSummary(plan: Plan): string {
  const rows = plan.stats.clusters.map((c) => [
    c.cluster,
    c.region,
    String(c.activeAppliances),
    gb(c.bytesToFill),
    gb(c.bytesFromOrigin),
    String(c.fills),
    String(c.evictions),
    c.windowHoursUsed.toFixed(1),
    c.fillDays.toFixed(2),
    pct(c.expectedOffload),
    c.peakToMeanLoad.toFixed(3),
    String(c.replicatedFiles),
    String(c.filesLeftAtOrigin),
  ]);
  const header = [
    'cluster',
    'region',
    'active',
    'fill GB',
    'origin GB',
    'fills',
    'evict',
    'win h',
    'days',
    'offload',
    'peak/mean',
    'copied',
    'at origin',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const totalFill = plan.stats.clusters.reduce((s, c) => s + c.bytesToFill, 0);
  return [
    `plan at ${plan.stats.at}  model ${plan.stats.model}  c=${plan.stats.loadFactor}`,
    line(header),
    ...rows.map(line),
    `total: ${plan.fills.length} fills (${gb(totalFill)} GB), ${plan.evictions.length} evictions, ${plan.stats.unscheduled} adds beyond the horizon`,
    // Plans stored before notes existed have none.
    ...(plan.stats.notes ?? []).map((n) => `note: ${n}`),
    '',
  ].join('\n');
}

function gb(bytes: number): string {
  return (bytes / 1e9).toFixed(1);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
