import { html } from './html.js';

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal bytes, three significant figures: 1.23 GB. */
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

export const kbps = (n) => (Number.isFinite(n) ? `${Math.round(n).toLocaleString('en')} kb/s` : '—');
export const db = (n) => (Number.isFinite(n) ? `${n.toFixed(2)} dB` : '—');
export const pct = (f) => (Number.isFinite(f) ? `${(f * 100).toFixed(1)} %` : '—');

/** An ISO instant as `YYYY-MM-DD HH:MM:SS UTC` (operators across zones read the same thing). */
export function when(iso) {
  if (iso === undefined) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function StateBadge({ state }) {
  return html`<span class=${`badge state-${state}`} data-state=${state}>${state}</span>`;
}

export function Progress({ value }) {
  return html`<span class="progress" title=${`${value} %`}><span class="bar" style=${`width:${value}%`}></span><span class="label">${value} %</span></span>`;
}
