import { html } from './html.js';

/** @typedef {import('./types.js').RdPoint} RdPoint */
/**
 * A rung on the chart, predicted or measured: its size (a rendition's may be unknown), bitrate
 * and PSNR-Y when known.
 * @typedef {{ width?: number, height?: number, bitrateKbps: number, psnr?: number }} Mark
 */
/** @typedef {Mark & { psnr: number }} RatedMark */
/** A sample: bitrate (kb/s) and PSNR-Y (dB). @typedef {[kbps: number, db: number]} Sample */

/**
 * The rate-quality chart of a per-title ladder: every sampled size × CRF point, the upper
 * convex hull the ladder was chosen from, and the rungs (predicted, and measured once
 * packaged). Bitrate is on a log axis because the hull is convex in log-rate, which is how
 * the ladder maths reads it.
 */
const W = 720;
const H = 380;
const M = { left: 56, right: 150, top: 16, bottom: 44 };
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#bab0ac'];

/**
 * 1-2-5 ticks across [lo, hi] (kb/s).
 * @param {number} lo
 * @param {number} hi
 */
function logTicks(lo, hi) {
  const out = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) out.push(v);
    }
  }
  return out;
}

/**
 * @param {number} lo
 * @param {number} hi
 */
function linearTicks(lo, hi) {
  const span = hi - lo;
  const step = [0.5, 1, 2, 5, 10].find((s) => span / s <= 8) ?? 10;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(3)));
  return out;
}

/** @param {number} v kb/s */
const kbLabel = (v) => (v >= 1000 ? `${v / 1000} M` : `${v} k`);

/**
 * A mark with its PSNR-Y: only those have a place on the chart.
 * @param {Mark} m
 * @returns {m is RatedMark}
 */
const rated = (m) => m.psnr !== undefined;

/** @param {{ points?: RdPoint[], hull?: RdPoint[], rungs?: Mark[], measured?: Mark[] }} props */
export function RdChart({ points = [], hull = [], rungs = [], measured = [] }) {
  const all = [
    ...points.map(/** @returns {Sample} */ (p) => [p.bitrateKbps, p.psnrY]),
    ...rungs.filter(rated).map(/** @returns {Sample} */ (r) => [r.bitrateKbps, r.psnr]),
    ...measured.filter(rated).map(/** @returns {Sample} */ (r) => [r.bitrateKbps, r.psnr]),
  ].filter(([x, y]) => x > 0 && Number.isFinite(y));
  if (all.length === 0) return html`<p class="muted">No rate-quality samples for this title (fixed ladder, or analysis fell back).</p>`;

  const xs = all.map(([x]) => Math.log10(x));
  const ys = all.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs) - 0.05, Math.max(...xs) + 0.05];
  const [y0, y1] = [Math.floor(Math.min(...ys) - 0.5), Math.ceil(Math.max(...ys) + 0.5)];
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  /** @param {number} kb */
  const sx = (kb) => M.left + ((Math.log10(kb) - x0) / (x1 - x0 || 1)) * pw;
  /** @param {number} d dB */
  const sy = (d) => M.top + ph - ((d - y0) / (y1 - y0 || 1)) * ph;

  const heights = [...new Set(points.map((p) => p.height))].sort((a, b) => a - b);
  /** @param {number} h */
  const colour = (h) => PALETTE[heights.indexOf(h) % PALETTE.length] ?? '#888';
  const sortedHull = [...hull].sort((a, b) => a.bitrateKbps - b.bitrateKbps);
  /** @param {number} dy */
  const legendAt = (dy) => `translate(0 ${heights.length * 18 + dy})`;
  const hullPath = sortedHull.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p.bitrateKbps).toFixed(1)},${sy(p.psnrY).toFixed(1)}`).join(' ');

  return html`<svg class="chart rd-chart" viewBox=${`0 0 ${W} ${H}`} width=${W} height=${H} role="img"
    aria-label="Rate-quality chart: PSNR-Y against log bitrate">
    <g class="axis">
      ${logTicks(10 ** x0, 10 ** x1).map(
        (v) => html`<g key=${`x${v}`}>
        <line x1=${sx(v)} x2=${sx(v)} y1=${M.top} y2=${M.top + ph} class="gridline" />
        <text x=${sx(v)} y=${M.top + ph + 16} text-anchor="middle">${kbLabel(v)}</text>
      </g>`,
      )}
      ${linearTicks(y0, y1).map(
        (v) => html`<g key=${`y${v}`}>
        <line x1=${M.left} x2=${M.left + pw} y1=${sy(v)} y2=${sy(v)} class="gridline" />
        <text x=${M.left - 6} y=${sy(v) + 4} text-anchor="end">${v}</text>
      </g>`,
      )}
      <rect x=${M.left} y=${M.top} width=${pw} height=${ph} class="frame" />
      <text x=${M.left + pw / 2} y=${H - 6} text-anchor="middle" class="axis-title">bitrate (b/s, log scale)</text>
      <text transform=${`translate(14 ${M.top + ph / 2}) rotate(-90)`} text-anchor="middle" class="axis-title">PSNR-Y (dB)</text>
    </g>
    ${hullPath === '' ? '' : html`<path class="rd-hull" d=${hullPath} />`}
    <g class="rd-points">
      ${points.map(
        (p, i) => html`<circle key=${`p${i}`} class="rd-point" cx=${sx(p.bitrateKbps)} cy=${sy(p.psnrY)} r="3.5" fill=${colour(p.height)}>
        <title>${p.width}×${p.height} crf ${p.crf}: ${Math.round(p.bitrateKbps)} kb/s, ${p.psnrY.toFixed(2)} dB</title>
      </circle>`,
      )}
    </g>
    <g class="rd-rungs">
      ${rungs.filter(rated).map(
        (r, i) => html`<circle key=${`r${i}`} class="rd-rung" cx=${sx(r.bitrateKbps)} cy=${sy(r.psnr)} r="7">
        <title>rung ${i}: ${r.width}×${r.height}, predicted ${Math.round(r.bitrateKbps)} kb/s, ${r.psnr.toFixed(2)} dB</title>
      </circle>`,
      )}
      ${measured.filter(rated).map(
        (r, i) => html`<rect key=${`m${i}`} class="rd-measured" x=${sx(r.bitrateKbps) - 4} y=${sy(r.psnr) - 4} width="8" height="8">
        <title>measured ${r.width}×${r.height}: ${Math.round(r.bitrateKbps)} kb/s, ${r.psnr.toFixed(2)} dB</title>
      </rect>`,
      )}
    </g>
    <g class="legend" transform=${`translate(${M.left + pw + 14} ${M.top + 6})`}>
      ${heights.map(
        (h, i) => html`<g key=${`l${h}`} transform=${`translate(0 ${i * 18})`}>
        <circle cx="5" cy="0" r="4" fill=${colour(h)} /><text x="14" y="4">${h}p samples</text>
      </g>`,
      )}
      <g transform=${legendAt(6)}><line x1="0" x2="12" y1="0" y2="0" class="rd-hull" /><text x="16" y="4">hull</text></g>
      <g transform=${legendAt(24)}><circle cx="6" cy="0" r="6" class="rd-rung" /><text x="16" y="4">chosen rung</text></g>
      <g transform=${legendAt(42)}><rect x="2" y="-4" width="8" height="8" class="rd-measured" /><text x="16" y="4">measured</text></g>
    </g>
  </svg>`;
}
