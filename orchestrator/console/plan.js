import { useState } from 'preact/hooks';
import { html } from './html.js';
import { api, describeError, useApi } from './api.js';
import { bytes, pct, StateBadge, when } from './format.js';
import { Gantt } from './gantt.js';

/** @typedef {import('./types.js').Appliance} Appliance */
/** @typedef {import('./types.js').ApplianceSchedule} ApplianceSchedule */
/** @typedef {import('./types.js').ClusterStats} ClusterStats */
/** @typedef {import('./types.js').FillPlanMeta} FillPlanMeta */
/** @typedef {import('./types.js').FillPlanView} FillPlanView */
/** @typedef {import('./types.js').FillWindow} FillWindow */
/**
 * An appliance of the plan: its schedule, and the appliance itself when the plan carries it.
 * @typedef {{ id: string, appliance: Appliance | undefined, schedule: ApplianceSchedule }} Member
 */
/** @typedef {Member & { appliance: Appliance }} KnownMember */
/** A cluster's stats (when the plan has them) and appliances. @typedef {{ stats: ClusterStats | undefined, appliances: Member[] }} ClusterGroup */

/**
 * Length of a daily HH:MM–HH:MM window, hours (end before start crosses midnight).
 * @param {FillWindow} win
 */
function windowHours(win) {
  // Both are HH:MM (the schema's pattern): two numbers each.
  const [sh, sm] = /** @type {[number, number]} */ (win.start.split(':').map(Number));
  const [eh, em] = /** @type {[number, number]} */ (win.end.split(':').map(Number));
  const m = (eh * 60 + em - (sh * 60 + sm) + 1440) % 1440;
  return (m === 0 ? 1440 : m) / 60;
}

/**
 * The plan's appliances by cluster. The plan view carries the schedule per appliance and the
 * stats per cluster; when it also carries the appliances (cluster, window, fill rate) they are
 * used, and otherwise a single-cluster plan is unambiguous and a multi-cluster one is shown
 * with its appliances together.
 * @param {FillPlanView} view
 * @returns {[string, ClusterGroup][]}
 */
function clusters(view) {
  const stats = view.plan.stats?.clusters ?? [];
  const ids = [...new Set([...Object.keys(view.schedule), ...Object.keys(view.plan.placements)])].sort();
  /** @type {Map<string, Appliance>} */
  const known = new Map((view.appliances ?? []).map((a) => [a.id, a]));
  /** @type {Map<string, ClusterGroup>} */
  const groups = new Map(stats.map((s) => [s.cluster, { stats: s, appliances: [] }]));
  for (const id of ids) {
    const a = known.get(id);
    // stats[0] exists when there is exactly one; groups has `name` once set just above.
    const name = a?.cluster ?? (stats.length === 1 ? /** @type {ClusterStats} */ (stats[0]).cluster : 'all clusters');
    if (!groups.has(name)) groups.set(name, { stats: undefined, appliances: [] });
    /** @type {ClusterGroup} */ (groups.get(name)).appliances.push({
      id,
      appliance: a,
      schedule: view.schedule[id] ?? { fills: [], evictions: [], bytesToFill: 0 },
    });
  }
  return [...groups.entries()].filter(([, g]) => g.appliances.length > 0 || g.stats !== undefined);
}

/**
 * Bytes one daily window can move into the cluster's active appliances, when their windows are known.
 * @param {Member[]} members
 */
function windowCapacityBytes(members) {
  if (members.length === 0 || members.some((m) => m.appliance === undefined)) return undefined;
  // None is without its appliance (checked above).
  return /** @type {KnownMember[]} */ (members)
    .filter((m) => m.appliance.state === 'active')
    .reduce((s, m) => s + ((m.appliance.fillGbps * 1e9) / 8) * windowHours(m.appliance.fillWindow) * 3600, 0);
}

/** @param {{ value: number, of: number }} props */
function Meter({ value, of }) {
  const f = of > 0 ? Math.min(1, value / of) : 0;
  return html`<span class=${`meter ${value > of ? 'over' : ''}`}><span class="bar" style=${`width:${(f * 100).toFixed(1)}%`}></span></span>`;
}

/** @param {{ name: string, stats: ClusterStats | undefined, members: Member[] }} props */
function Cluster({ name, stats, members }) {
  const toFill = members.reduce((s, m) => s + m.schedule.bytesToFill, 0);
  const capacity = windowCapacityBytes(members);
  const placed = stats ? `${bytes(stats.placedBytes)} / ${bytes(stats.capacityBytes)}` : '—';
  return html`<section class="cluster" data-cluster=${name}>
    <h2>Cluster ${name}${stats ? html` <span class="muted small">region ${stats.region} · ${stats.activeAppliances} active</span>` : ''}</h2>
    <div class="cards">
      <div class="card"><div class="k">Bytes to fill</div><div class="v">${bytes(stats?.bytesToFill ?? toFill)}</div></div>
      <div class="card"><div class="k">Window capacity (per night)</div><div class="v">${capacity === undefined ? '—' : bytes(capacity)}</div>
        ${
          capacity === undefined
            ? html`<div class="small muted">${stats ? `${stats.windowHoursUsed.toFixed(2)} window-hours used over ${stats.fillDays} day(s)` : ''}</div>`
            : html`<${Meter} value=${toFill} of=${capacity} /><div class="small muted">${pct(toFill / capacity)} of one window</div>`
        }
      </div>
      <div class="card"><div class="k">Predicted offload</div><div class="v">${stats ? pct(stats.expectedOffload) : '—'}</div>
        ${stats ? html`<div class="small muted">of ${bytes(stats.predictedDemandBytes)} predicted demand / day</div>` : ''}</div>
      <div class="card"><div class="k">Placed / storage</div><div class="v">${placed}</div>
        ${stats ? html`<${Meter} value=${stats.placedBytes} of=${stats.capacityBytes} />` : ''}</div>
      <div class="card"><div class="k">Fills / evictions</div><div class="v">${stats ? `${stats.fills} / ${stats.evictions}` : '—'}</div>
        ${stats ? html`<div class="small muted">${stats.filesLeftAtOrigin} file(s) left at origin</div>` : ''}</div>
    </div>
    <${Gantt} rows=${members.map((m) => ({ id: m.id, fills: m.schedule.fills, windows: m.appliance?.windowOccurrences }))} />
    <table class="grid small">
      <thead><tr><th>Appliance</th><th>Fills</th><th>Bytes to fill</th><th>Evictions</th><th>First fill</th><th>Last fill ends</th></tr></thead>
      <tbody>${members.map(
        (m) => html`<tr key=${m.id}>
        <td>${m.id}</td><td class="num">${m.schedule.fills.length}</td><td class="num">${bytes(m.schedule.bytesToFill)}</td>
        <td class="num">${m.schedule.evictions.length}</td><td>${when(m.schedule.firstFillAt)}</td><td>${when(m.schedule.lastFillEndAt)}</td>
      </tr>`,
      )}</tbody>
    </table>
  </section>`;
}

/** @param {{ id: string }} props */
export function PlanPage({ id }) {
  /** @type {import('./api.js').ApiState<FillPlanView>} */
  const { data: view, error, setData } = useApi(`/v1/fill-plans/${id}`, 0);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState(/** @type {unknown} */ (undefined));
  if (view === undefined)
    return html`<section>${error ? html`<p class="error" role="alert">${describeError(error)}</p>` : html`<p class="muted">Loading…</p>`}</section>`;

  /** @param {'approve' | 'reject'} verb */
  const decide = async (verb) => {
    setBusy(true);
    setActionError(undefined);
    try {
      /** @type {import('./api.js').ApiResponse<FillPlanMeta>} */
      const { body: meta } = await api(`/v1/fill-plans/${id}/${verb}`, { method: 'POST' });
      // The answer is the plan's new meta: the schedule and stats are unchanged.
      setData({ ...view, ...meta });
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };
  const proposed = view.state === 'proposed';
  const approvedBy =
    proposed && view.approvals?.length
      ? html`<span class="muted" data-approvals>Approved by ${view.approvals.map((a) => a.keyName).join(', ')}; waiting for another key</span>`
      : '';
  const supersededBy = view.supersededBy ? ` · superseded by ${view.supersededBy.slice(0, 8)}` : '';
  const supersedes = view.supersedes
    ? html`<div><dt>Supersedes</dt><dd><a href=${`#/plans/${view.supersedes}`}><code>${view.supersedes.slice(0, 8)}</code></a></dd></div>`
    : '';
  return html`<section class="plan-page" data-plan=${view.id}>
    <p><a href="#/plans">← Fill plans</a></p>
    <h1>Fill plan <code>${view.id.slice(0, 8)}</code> <${StateBadge} state=${view.state} /></h1>
    <div class="actions">
      <button type="button" class="approve" data-action="approve" disabled=${!proposed || busy} onClick=${() => decide('approve')}>Approve</button>
      <button type="button" class="reject" data-action="reject" disabled=${!proposed || busy} onClick=${() => decide('reject')}>Reject</button>
      ${proposed ? '' : html`<span class="muted">Decided ${when(view.decidedAt)}${supersededBy}</span>`}
      ${approvedBy}
    </div>
    ${actionError ? html`<p class="error" role="alert">${describeError(actionError)}</p>` : ''}
    <dl class="facts">
      <div><dt>Plan instant</dt><dd>${when(view.at)}</dd></div>
      <div><dt>Catalog</dt><dd>${view.catalog.titles} titles, ${view.catalog.files} files (${view.catalog.source})</dd></div>
      <div><dt>Fills</dt><dd>${view.totals.fills} · ${bytes(view.totals.fillBytes)}</dd></div>
      <div><dt>Evictions</dt><dd>${view.totals.evictions}</dd></div>
      <div><dt>Placements</dt><dd>${view.totals.placements}</dd></div>
      ${supersedes}
    </dl>
    ${clusters(view).map(([name, g]) => html`<${Cluster} key=${name} name=${name} stats=${g.stats} members=${g.appliances} />`)}
    <details><summary>Planner summary</summary><pre>${view.summary}</pre></details>
  </section>`;
}
