import { html } from './html.js';
import { bytes } from './format.js';

/** @typedef {import('./types.js').ScheduledFill} ScheduledFill */
/** @typedef {import('./types.js').WindowOccurrence} WindowOccurrence */
/** A span of time, ms since the epoch. @typedef {{ start: number, end: number }} Span */
/** A bar of the chart: back-to-back fills merged. @typedef {Span & { bytes: number, count: number }} Run */
/** @typedef {{ id: string, fills: ScheduledFill[], windows?: WindowOccurrence[] }} GanttRow */

/**
 * Per-appliance timeline of a cluster's fills: one row per appliance, a bar per run of
 * back-to-back fills, the appliances' fill windows shaded behind them when known.
 */
const W = 960;
const ROW = 30;
const M = { left: 130, right: 16, top: 26, bottom: 8 };
const STEPS_S = [1, 5, 15, 60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400];

/**
 * The window occurrences, `[{ startAt, endAt }]` in UTC as the API computes them with the
 * planner's zone code, that overlap [from, to], as ms.
 * @param {WindowOccurrence[]} occurrences
 * @param {number} from
 * @param {number} to
 * @returns {Span[]}
 */
function overlapping(occurrences, from, to) {
  return occurrences.map((o) => ({ start: Date.parse(o.startAt), end: Date.parse(o.endAt) })).filter((w) => w.end > from && w.start < to);
}

/**
 * Merges fills that touch (within `gapMs`) so a thousand segments draw as a few bars.
 * @param {ScheduledFill[]} fills
 * @param {number} gapMs
 */
function runs(fills, gapMs) {
  /** @type {Run[]} */
  const out = [];
  for (const f of fills) {
    const start = Date.parse(f.startAt);
    const end = Date.parse(f.endAt);
    const last = out.at(-1);
    if (last !== undefined && start - last.end <= gapMs) {
      last.end = Math.max(last.end, end);
      last.bytes += f.bytes;
      last.count++;
    } else out.push({ start, end, bytes: f.bytes, count: 1 });
  }
  return out;
}

/**
 * @param {number} ms
 * @param {number} stepS
 */
function label(ms, stepS) {
  const iso = new Date(ms).toISOString();
  if (stepS >= 86400) return iso.slice(5, 10);
  if (stepS >= 60) return iso.slice(11, 16);
  return iso.slice(11, 19);
}

/**
 * `rows`: `{ id, fills, windows? }` per appliance, `windows` the occurrences of its fill window
 * (the plan view's `appliances[].windowOccurrences`; absent for a plan stored without its
 * appliances). The time axis spans the fills, widened to whole windows when the windows are
 * known (else to whole hours), in UTC.
 * @param {{ rows: GanttRow[] }} props
 */
export function Gantt({ rows }) {
  const all = rows.flatMap((r) => r.fills);
  if (all.length === 0) return html`<p class="muted">Nothing to fill in this cluster.</p>`;
  let from = Math.min(...all.map((f) => Date.parse(f.startAt)));
  let to = Math.max(...all.map((f) => Date.parse(f.endAt)));
  // The filter keeps the rows with windows.
  /** @type {Map<string, Span[]>} */
  const windows = new Map(
    rows.filter((r) => r.windows).map((r) => [r.id, overlapping(/** @type {WindowOccurrence[]} */ (r.windows), from, to)]),
  );
  const spans = [...windows.values()].flat();
  if (spans.length > 0) {
    from = Math.min(from, ...spans.map((w) => w.start));
    to = Math.max(to, ...spans.map((w) => w.end));
  } else {
    from = Math.floor(from / 3600_000) * 3600_000;
    to = Math.max(Math.ceil(to / 3600_000) * 3600_000, from + 3600_000);
  }
  const pw = W - M.left - M.right;
  const H = M.top + rows.length * ROW + M.bottom;
  /** @param {number} ms */
  const sx = (ms) => M.left + ((ms - from) / (to - from)) * pw;
  // STEPS_S is not empty.
  const stepS = STEPS_S.find((s) => (to - from) / 1000 / s <= 10) ?? /** @type {number} */ (STEPS_S.at(-1));
  const ticks = [];
  for (let t = Math.ceil(from / (stepS * 1000)) * stepS * 1000; t <= to; t += stepS * 1000) ticks.push(t);
  const pxMs = (to - from) / pw;

  return html`<svg class="chart gantt" viewBox=${`0 0 ${W} ${H}`} width=${W} height=${H} role="img" aria-label="Fill timeline per appliance">
    ${ticks.map(
      (t) => html`<g key=${t} class="axis">
      <line x1=${sx(t)} x2=${sx(t)} y1=${M.top - 4} y2=${H - M.bottom} class="gridline" />
      <text x=${sx(t)} y=${M.top - 8} text-anchor="middle">${label(t, stepS)}</text>
    </g>`,
    )}
    ${rows.map((r, i) => {
      const y = M.top + i * ROW;
      return html`<g key=${r.id} class="gantt-row" data-appliance=${r.id}>
        <text x=${M.left - 8} y=${y + ROW / 2 + 4} text-anchor="end" class="row-label">${r.id}</text>
        ${(windows.get(r.id) ?? []).map((w) => {
          const start = new Date(w.start).toISOString();
          const width = Math.max(1, sx(w.end) - sx(w.start));
          return html`<rect key=${w.start} class="fill-window" data-start=${start} x=${sx(w.start)} y=${y + 3} width=${width} height=${ROW - 6}>
          <title>fill window ${start} – ${new Date(w.end).toISOString()}</title>
        </rect>`;
        })}
        ${runs(r.fills, pxMs).map(
          (
            b,
          ) => html`<rect key=${b.start} class="fill-bar" x=${sx(b.start)} y=${y + 7} width=${Math.max(2, sx(b.end) - sx(b.start))} height=${ROW - 14}>
          <title>${b.count} file${b.count === 1 ? '' : 's'}, ${bytes(b.bytes)}, ${new Date(b.start).toISOString()} – ${new Date(b.end).toISOString()}</title>
        </rect>`,
        )}
      </g>`;
    })}
    <text x="8" y=${M.top - 8} class="axis-title">time (UTC)</text>
  </svg>`;
}
