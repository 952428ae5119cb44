import { html } from './html.js';
import { describeError, useApi } from './api.js';
import { Progress, QueuePlace, StateBadge, when } from './format.js';

/** @typedef {import('./types.js').TitleList} TitleList */

/** Titles, newest first, refreshed every two seconds while encodes run. */
export function TitlesPage() {
  /** @type {import('./api.js').ApiState<TitleList>} */
  const { data, error, loading } = useApi('/v1/titles?limit=100', 2000);
  return html`<section>
    <h1>Titles ${data ? html`<span class="muted">(${data.total})</span>` : ''}</h1>
    ${error ? html`<p class="error" role="alert">${describeError(error)}</p>` : ''}
    ${loading && !data ? html`<p class="muted">Loading…</p>` : ''}
    ${data && data.titles.length === 0 ? html`<p class="muted">No titles yet.</p>` : ''}
    ${
      data && data.titles.length > 0
        ? html`
      <table class="grid" data-test="titles">
        <thead><tr><th>Name</th><th>State</th><th>Progress</th><th>Queue</th><th>Duration</th><th>Rungs</th><th>Created</th></tr></thead>
        <tbody>
          ${data.titles.map(
            (t) => html`<tr key=${t.id} data-title=${t.id}>
            <td><a href=${`#/titles/${t.id}`}>${t.name}</a><div class="muted small">${t.id}</div></td>
            <td><${StateBadge} state=${t.state} />${t.error ? html`<div class="error small">${t.error.code}: ${t.error.message}</div>` : ''}</td>
            <td><${Progress} value=${t.progress} /></td>
            <td><${QueuePlace} place=${t.queue} /></td>
            <td class="num">${t.durationS === undefined ? '—' : `${t.durationS.toFixed(1)} s`}</td>
            <td class="num">${(t.ladder ?? []).length || '—'}</td>
            <td>${when(t.createdAt)}</td>
          </tr>`,
          )}
        </tbody>
      </table>`
        : ''
    }
  </section>`;
}
