import { html } from './html.js';
import { describeError, useApi } from './api.js';
import { bytes, StateBadge, when } from './format.js';

/** @typedef {import('./types.js').FillPlanList} FillPlanList */

export function PlansPage() {
  /** @type {import('./api.js').ApiState<FillPlanList>} */
  const { data, error, loading } = useApi('/v1/fill-plans', 5000);
  return html`<section>
    <h1>Fill plans</h1>
    ${error ? html`<p class="error" role="alert">${describeError(error)}</p>` : ''}
    ${loading && !data ? html`<p class="muted">Loading…</p>` : ''}
    ${data && data.plans.length === 0 ? html`<p class="muted">No fill plans yet. Compute one with <code>POST /v1/fill-plans</code>.</p>` : ''}
    ${
      data && data.plans.length > 0
        ? html`
      <table class="grid" data-test="plans">
        <thead><tr><th>Plan</th><th>State</th><th>Plan instant</th><th>Titles / files</th>
          <th>Fills</th><th>Bytes to fill</th><th>Evictions</th><th>Created</th></tr></thead>
        <tbody>
          ${data.plans.map((p) => {
            const steering = p.id === data.approved ? html` <span class="small">(steering players)</span>` : '';
            return html`<tr key=${p.id} data-plan=${p.id}>
            <td><a href=${`#/plans/${p.id}`}><code>${p.id.slice(0, 8)}</code></a>${steering}</td>
            <td><${StateBadge} state=${p.state} /></td>
            <td>${when(p.at)}</td>
            <td class="num">${p.catalog.titles} / ${p.catalog.files}</td>
            <td class="num">${p.totals.fills}</td>
            <td class="num">${bytes(p.totals.fillBytes)}</td>
            <td class="num">${p.totals.evictions}</td>
            <td>${when(p.createdAt)}</td>
          </tr>`;
          })}
        </tbody>
      </table>`
        : ''
    }
  </section>`;
}
