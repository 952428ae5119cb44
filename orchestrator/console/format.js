import { html } from './html.js';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/**
 * Decimal bytes, three significant figures: 1.23 GB.
 * @param {number} n
 */
export function bytes(n) {
  if (!Number.isFinite(n)) return '—';
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toPrecision(3)} ${UNITS[i]}`;
}

/** @param {number | undefined} n */
export const kbps = (n) => (n !== undefined && Number.isFinite(n) ? `${Math.round(n).toLocaleString('en')} kb/s` : '—');
/** @param {number | undefined} n */
export const db = (n) => (n !== undefined && Number.isFinite(n) ? `${n.toFixed(2)} dB` : '—');
/** @param {number} f a fraction */
export const pct = (f) => (Number.isFinite(f) ? `${(f * 100).toFixed(1)} %` : '—');

/**
 * An ISO instant as `YYYY-MM-DD HH:MM:SS UTC` (operators across zones read the same thing).
 * @param {string | undefined} iso
 */
export function when(iso) {
  if (iso === undefined) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** @param {{ state: string }} props a title's or a fill plan's state */
export function StateBadge({ state }) {
  return html`<span class=${`badge state-${state}`} data-state=${state}>${state}</span>`;
}

/** @param {{ value: number }} props percent */
export function Progress({ value }) {
  return html`<span class="progress" title=${`${value} %`}><span class="bar" style=${`width:${value}%`}></span><span class="label">${value} %</span></span>`;
}

/**
 * A title's place in the queue, as content ops read it: "next" or "N jobs ahead", with its own waiting jobs.
 * @param {{ place: import('./types.js').QueuePlace | undefined }} props
 */
export function QueuePlace({ place }) {
  if (place === undefined) return html`<span class="muted">—</span>`;
  const ahead = place.jobsAhead === 0 ? 'next' : `${place.jobsAhead} job${place.jobsAhead === 1 ? '' : 's'} ahead`;
  return html`<span data-test="queue-place">${ahead}<span class="muted small"> · ${place.jobsWaiting} waiting</span></span>`;
}
