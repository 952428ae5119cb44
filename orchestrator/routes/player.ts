import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from '../deps.ts';
import { pageCsp } from './page-csp.ts';

/**
 * A minimal player page per format, so a title vodforge produced can be watched (and is
 * tested, in headless Chromium) with the players real browsers run: hls.js and dash.js,
 * served straight from their npm builds, no bundler. `?src=` names the manifest (a path on
 * this API or any URL); the page keeps what happened on `window.vf` for tests and humans.
 */
const require = createRequire(import.meta.url);

/** The players' browser builds; resolved once, at registration, so a missing package fails at start. */
const SCRIPTS = {
  'hls.min.js': require.resolve('hls.js/dist/hls.min.js'),
  // dashjs exports only its entry point; under the `require` condition that is the UMD build.
  'dash.all.min.js': require.resolve('dashjs'),
} as const;
if (path.basename(SCRIPTS['dash.all.min.js']) !== 'dash.all.min.js') {
  throw new Error(`dashjs resolved to ${SCRIPTS['dash.all.min.js']}, expected its UMD build dash.all.min.js`);
}

/**
 * Shared page state: every error, every rung switch and every fragment loaded, with the
 * time it happened, so a test can assert on the sequence rather than sleep and sample.
 */
const PAGE_STATE = `
window.vf = { errors: [], switches: [], loads: [], rungs: [], ready: false };
const video = document.querySelector('video');
const status = document.querySelector('#status');
video.addEventListener('error', () =>
  vf.errors.push({ source: 'video', detail: String(video.error && video.error.message), fatal: true, at: performance.now() }));
setInterval(() => {
  const q = vf.switches.at(-1);
  status.textContent = 't=' + video.currentTime.toFixed(1) + 's  rung=' + (q ? q.rung + ' (' + q.height + 'p)' : '-') +
    '  rungs=' + vf.rungs.length + '  errors=' + vf.errors.length;
}, 250);
const params = new URLSearchParams(location.search);
const src = params.get('src');
/** Optional player settings as JSON in ?config= (tests use it for small buffers and a start rung). */
const config = JSON.parse(params.get('config') || '{}');
`;

const HLS_PAGE_SCRIPT = `${PAGE_STATE}
const hls = new Hls({ ...config });
window.player = hls;
hls.on(Hls.Events.MANIFEST_PARSED, (_e, d) => {
  vf.rungs = d.levels.map((l, i) => ({ rung: i, height: l.height, bitrateBps: l.bitrate }));
  vf.ready = true;
  video.play().catch((err) => vf.errors.push({ source: 'play', detail: String(err), fatal: true, at: performance.now() }));
});
hls.on(Hls.Events.LEVEL_SWITCHED, (_e, d) => vf.switches.push({ rung: d.level, height: hls.levels[d.level].height, at: performance.now() }));
hls.on(Hls.Events.FRAG_LOADED, (_e, d) => { if (d.frag.type === 'main') vf.loads.push({ rung: d.frag.level, sn: d.frag.sn, at: performance.now() }); });
hls.on(Hls.Events.ERROR, (_e, d) => vf.errors.push({ source: 'hls.js', detail: d.details, fatal: d.fatal, at: performance.now() }));
hls.loadSource(src);
hls.attachMedia(video);
`;

const DASH_PAGE_SCRIPT = `${PAGE_STATE}
const player = dashjs.MediaPlayer().create();
window.player = player;
// Subtitles stay off until the viewer picks a track, as the HLS page does (no track is DEFAULT=YES).
player.updateSettings({ streaming: { text: { defaultEnabled: false } } });
player.updateSettings(config);
const E = dashjs.MediaPlayer.events;
player.on(E.STREAM_INITIALIZED, () => {
  vf.rungs = player.getRepresentationsByType('video').map((r) => ({ rung: r.absoluteIndex, height: r.height, bitrateBps: r.bandwidth }));
  vf.ready = true;
});
player.on(E.QUALITY_CHANGE_RENDERED, (e) => {
  if (e.mediaType === 'video') vf.switches.push({ rung: e.newRepresentation.absoluteIndex, height: e.newRepresentation.height, at: performance.now() });
});
player.on(E.FRAGMENT_LOADING_COMPLETED, (e) => {
  const r = e.request;
  if (r && r.mediaType === 'video' && r.type === 'MediaSegment')
    vf.loads.push({ rung: r.representation ? r.representation.absoluteIndex : -1, sn: r.index, at: performance.now() });
});
player.on(E.ERROR, (e) =>
  vf.errors.push({ source: 'dash.js', detail: String(e.error && (e.error.message || e.error.code)), fatal: true, at: performance.now() }));
player.on(E.PLAYBACK_ERROR, (e) =>
  vf.errors.push({ source: 'dash.js playback', detail: String(e.error), fatal: true, at: performance.now() }));
player.initialize(video, src, true);
`;

function page(title: string, script: string, pageScript: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>vodforge ${title}</title>
<style>body{margin:0;background:#111;color:#eee;font:14px system-ui,sans-serif}
video{display:block;width:100%;max-width:960px;background:#000}#status{padding:8px}</style>
</head>
<body>
<video muted autoplay playsinline controls></video>
<div id="status">loading</div>
<script src="/player/${script}"></script>
<script>${pageScript}</script>
</body>
</html>
`;
}

const PAGES = {
  'hls.html': page('HLS (hls.js)', 'hls.min.js', HLS_PAGE_SCRIPT),
  'dash.html': page('DASH (dash.js)', 'dash.all.min.js', DASH_PAGE_SCRIPT),
} as const;

const FileParams = Type.Object(
  { file: Type.Union([...Object.keys(PAGES), ...Object.keys(SCRIPTS)].map((f) => Type.Literal(f))) },
  { additionalProperties: false },
);

const isPage = (file: string): file is keyof typeof PAGES => Object.hasOwn(PAGES, file);

/**
 * A player page runs its player build and its own inline script, nothing else; it fetches
 * manifests and media from wherever `?src=` and steering point (appliances included), and
 * may be framed only by this origin (the console embeds it).
 */
const PAGE_CSP = Object.fromEntries(
  Object.entries(PAGES).map(([name, html]) => [
    name,
    pageCsp(html, {
      'connect-src': '* blob: data:',
      'media-src': '* blob: data:',
      'img-src': "'self' data:",
      // hls.js and dash.js start workers from blob: URLs.
      'worker-src': "'self' blob:",
      'frame-ancestors': "'self'",
    }),
  ]),
) as Record<keyof typeof PAGES, string>;

export const playerRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app) => {
  app.get(
    '/player/:file',
    {
      schema: {
        tags: ['playback'],
        summary: 'Player pages (`hls.html`, `dash.html`; `?src=` is the manifest URL) and the player builds they load',
        params: FileParams,
      },
    },
    async (req, reply) => {
      const file = req.params.file as string;
      if (isPage(file)) {
        return reply
          .header('content-type', 'text/html; charset=utf-8')
          .header('cache-control', 'no-cache')
          .header('content-security-policy', PAGE_CSP[file])
          .send(PAGES[file]);
      }
      return reply
        .header('content-type', 'text/javascript; charset=utf-8')
        .header('cache-control', 'public, max-age=3600')
        .send(createReadStream(SCRIPTS[file as keyof typeof SCRIPTS]));
    },
  );
};
