import { html } from './html.js';
import { describeError, useApi } from './api.js';
import { RdChart } from './rd-chart.js';
import { db, kbps, pct, Progress, QueuePlace, StateBadge, when } from './format.js';

/** @typedef {import('./types.js').Rung} Rung */
/** @typedef {import('./types.js').Rendition} Rendition */
/** @typedef {import('./types.js').TitleView} TitleView */
/** @typedef {import('./types.js').ArtworkImage} ArtworkImage */
/** @typedef {import('./types.js').ArtworkView} ArtworkView */
/** @typedef {import('./types.js').ArtworkPending} ArtworkPending */
/** A rung and its packaged rendition, when there is one. @typedef {{ rung: Rung, rendition: Rendition | undefined }} Pair */
/** @typedef {{ rung: Rung, rendition: Rendition }} MeasuredPair */

/**
 * Pairs each ladder rung with its packaged rendition: by frame size, which a ladder never
 * repeats; by position among the video renditions when sizes differ (e.g. an odd height
 * rounded by the encoder).
 * @param {Rung[]} ladder
 * @param {Rendition[]} renditions
 * @returns {Pair[]}
 */
function pairRungs(ladder, renditions) {
  const video = renditions.filter((r) => r.kind === 'video');
  return ladder.map((rung, i) => ({
    rung,
    rendition: video.find((r) => r.width === rung.width && r.height === rung.height) ?? video[i],
  }));
}

/** @param {{ pairs: Pair[] }} props */
function LadderTable({ pairs }) {
  return html`<table class="grid ladder" data-test="ladder">
    <thead><tr>
      <th>Rung</th><th>Size</th><th>CRF</th>
      <th>Predicted bitrate</th><th>Measured bitrate</th>
      <th>Predicted PSNR-Y</th><th>Measured PSNR-Y</th><th>Δ PSNR</th>
    </tr></thead>
    <tbody>
      ${pairs.map(({ rung, rendition }, i) => {
        const delta =
          rung.predictedPsnrDb !== undefined && rendition?.measuredPsnrDb !== undefined
            ? rendition.measuredPsnrDb - rung.predictedPsnrDb
            : undefined;
        return html`<tr key=${i}>
          <td class="num">${i}</td>
          <td>${rung.width}×${rung.height}</td>
          <td class="num">${rung.crf ?? '—'}</td>
          <td class="num">${kbps(rung.bitrateKbps)}</td>
          <td class="num">${kbps(rendition?.averageBitrateKbps)}</td>
          <td class="num">${db(rung.predictedPsnrDb)}</td>
          <td class="num">${db(rendition?.measuredPsnrDb)}</td>
          <td class="num">${delta === undefined ? '—' : `${delta >= 0 ? '+' : ''}${delta.toFixed(2)} dB`}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/**
 * One image per shortlisted frame: the 16:9 hero, in a format every browser decodes.
 * @param {ArtworkImage[]} images
 */
function heroOf(images) {
  const hero = images.filter((i) => i.shape === 'hero');
  return hero.find((i) => i.format === 'webp') ?? hero.find((i) => i.format === 'jpeg') ?? hero[0] ?? images[0];
}

/** @param {{ id: string }} props */
function Artwork({ id }) {
  /** @type {import('./api.js').ApiState<ArtworkView | ArtworkPending>} */
  const { data: body, status, error } = useApi(`/v1/titles/${id}/artwork`, 0);
  if (error) return html`<p class="error" role="alert">${describeError(error)}</p>`;
  if (body === undefined) return html`<p class="muted">Loading artwork…</p>`;
  // The route answers 202 with ArtworkPending, 200 with ArtworkView.
  if (status === 202)
    return html`<p class="muted">Artwork is not computed yet (title ${/** @type {ArtworkPending} */ (body).titleState}).</p>`;
  const data = /** @type {ArtworkView} */ (body);
  if (data.status !== 'ready') return html`<p class="notice">Artwork ${data.status}: ${data.reason ?? data.error?.message ?? ''}</p>`;
  const shortlist = data.candidates.filter((c) => c.chosen && c.images.length > 0).sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
  if (shortlist.length === 0) return html`<p class="muted">No frame was shortlisted.</p>`;
  return html`<div class="artwork" data-test="artwork">
    ${shortlist.map((c) => {
      // A shortlisted candidate has images, so a hero or at least a first image.
      const img = /** @type {ArtworkImage} */ (heroOf(c.images));
      const primary = c.primary ? ' · primary' : '';
      const pinned = c.pinned ? ' (pinned)' : '';
      return html`<figure key=${c.atS} class=${c.primary ? 'primary' : ''}>
        <img src=${img.url} alt=${`frame at ${c.atS.toFixed(2)} s`} width=${img.widthPx} height=${img.heightPx} loading="lazy" />
        <figcaption>#${(c.rank ?? 0) + 1} · ${c.atS.toFixed(2)} s · score ${c.score.toFixed(2)}${primary}${pinned}</figcaption>
      </figure>`;
    })}
  </div>`;
}

/** @param {TitleView} t */
const isUnderway = (t) => t.state !== 'ready' && t.state !== 'failed';

/** @param {{ id: string }} props */
export function TitlePage({ id }) {
  // Read again on each event of its stream while it is on its way (state, progress); once ready
  // or failed the stream has nothing to tell, and a slow poll picks up what still changes
  // (rung quality measured after ready, priority).
  /** @type {import('./api.js').ApiState<TitleView>} */
  const { data: t, error } = useApi(`/v1/titles/${id}`, 3000, { events: `/v1/titles/${id}/events`, open: isUnderway });
  if (t === undefined)
    return html`<section>${error ? html`<p class="error" role="alert">${describeError(error)}</p>` : html`<p class="muted">Loading…</p>`}</section>`;
  const analysis = t.ladderAnalysis;
  const pairs = pairRungs(t.ladder ?? [], t.renditions ?? []);
  const rungs = pairs.map(({ rung }) => ({
    width: rung.width,
    height: rung.height,
    bitrateKbps: rung.bitrateKbps,
    psnr: rung.predictedPsnrDb,
  }));
  const measured = pairs
    .filter(/** @returns {p is MeasuredPair} */ (p) => p.rendition !== undefined)
    .map(({ rendition }) => ({
      width: rendition.width,
      height: rendition.height,
      bitrateKbps: rendition.averageBitrateKbps,
      psnr: rendition.measuredPsnrDb,
    }));
  const fellBack = analysis?.fallbackReason ? html` <span class="notice small">fell back: ${analysis.fallbackReason}</span>` : '';
  const dashLink = t.dash
    ? html` · <a href=${`/player/dash.html?src=${encodeURIComponent(t.dash)}`} target="_blank" rel="noopener">DASH player</a>`
    : '';
  return html`<section class="title-page">
    <p><a href="#/titles">← Titles</a></p>
    <h1>${t.name} <${StateBadge} state=${t.state} /></h1>
    ${error ? html`<p class="error" role="alert">${describeError(error)}</p>` : ''}
    <dl class="facts">
      <div><dt>Id</dt><dd><code>${t.id}</code></dd></div>
      <div><dt>Progress</dt><dd><${Progress} value=${t.progress} /></dd></div>
      <div><dt>Queue</dt><dd><${QueuePlace} place=${t.queue} /> <span class="muted small">(${t.priority ?? 'normal'} priority)</span></dd></div>
      <div><dt>Duration</dt><dd>${t.durationS === undefined ? '—' : `${t.durationS.toFixed(1)} s`}</dd></div>
      <div><dt>Ladder policy</dt><dd>${analysis?.policy ?? '—'}${fellBack}</dd></div>
      <div><dt>BD-rate vs fixed ladder</dt><dd>${analysis?.bdRateVsFixed === undefined ? '—' : pct(analysis.bdRateVsFixed / 100)}</dd></div>
      <div><dt>Updated</dt><dd>${when(t.updatedAt)}</dd></div>
    </dl>
    ${t.error ? html`<p class="error">${t.error.code}: ${t.error.message}</p>` : ''}

    <h2>Ladder</h2>
    ${pairs.length === 0 ? html`<p class="muted">No ladder yet.</p>` : html`<${LadderTable} pairs=${pairs} />`}

    <h2>Rate-quality</h2>
    <div data-test="rd-chart" data-points=${analysis?.points?.length ?? 0}>
      <${RdChart} points=${analysis?.points ?? []} hull=${analysis?.hull ?? []} rungs=${rungs} measured=${measured} />
    </div>

    <div class="two-col">
      <div>
        <h2>Artwork shortlist</h2>
        <${Artwork} id=${t.id} />
      </div>
      <div>
        <h2>Player</h2>
        ${
          t.state === 'ready' && t.hls
            ? html`<iframe class="player" title="HLS player" src=${`/player/hls.html?src=${encodeURIComponent(t.hls)}`} allow="autoplay"></iframe>
              <p class="small muted">hls.js · <a href=${t.hls} target="_blank" rel="noopener">HLS</a>${dashLink}</p>`
            : html`<p class="muted">Playable once the title is ready.</p>`
        }
      </div>
    </div>
  </section>`;
}
