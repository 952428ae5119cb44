/**
 * The `artwork` job: a plain job (not part of the title's flow), queued once the title is
 * published and run beside the fleet's encodes, finds candidate frames in a decode of the
 * master, scores and shortlists them with `artwork/`, crops the chosen frames at full resolution
 * and stores them with an `artwork.json` entry.
 *
 * Artwork never fails a title: a title with no usable frame gets an entry flagged
 * `no-usable-frame` with the reason, and an error gets an entry with status `failed` once
 * retries are spent (earlier attempts rethrow, which the worker does not count against the
 * title until the last one).
 */
import { planArtworkSampling } from '../../ffmpeg/artwork-plan.ts';
import type { ProbeResult } from '../../ffmpeg/probe.ts';
import { digest } from '../../ffmpeg/encode-settings.ts';
import { chooseFromBursts } from '../../stills/bursts.ts';
import { artworkVideoOf, extractCandidates } from '../../stills/extract.ts';
import { extractStills } from '../../stills/stills.ts';
import { renderFrame } from '../../stills/render.ts';
import {
  ARTWORK_MANIFEST_SCHEMA,
  artworkRoot,
  artworkVersionPrefix,
  readArtworkManifest,
  writeArtworkManifest,
  type ArtworkCandidateEntry,
  type ArtworkManifest,
  type ArtworkPin,
} from '../../stills/manifest.ts';
import { DEFAULT_ARTWORK_SETTINGS, type ArtworkSettings } from '../../stills/settings.ts';
import { mapLimit } from '../../storage/transfer.ts';
import { artworkJob } from '../../pipeline/graph.ts';
import { withScratch } from '../../storage/scratch.ts';
import type { ArtworkJobData, ArtworkSource } from '../../pipeline/types.ts';
import { failureOf, isFinalAttempt, type Handler, type WorkerDeps } from './context.ts';

export { DEFAULT_ARTWORK_SETTINGS, type ArtworkSettings } from '../../stills/settings.ts';

/**
 * Enqueues the artwork job of a published title. A flow with no children is a plain job; its
 * deterministic id makes a repeated enqueue (a redelivered package job) add nothing new.
 */
export async function enqueueArtwork(
  deps: WorkerDeps,
  source: ArtworkSource,
  probe: ProbeResult,
  settings: ArtworkSettings = DEFAULT_ARTWORK_SETTINGS,
): Promise<void> {
  const version = `${source.sha256.slice(0, 16)}-${digest(settings)}`;
  const data: ArtworkJobData = {
    source: { titleId: source.titleId, sourceKey: source.sourceKey, sha256: source.sha256 },
    version,
    video: artworkVideoOf(probe),
  };
  await deps.flow.add(artworkJob(deps.queueName, data));
}

export const artworkHandler: Handler<'artwork'> = async (job, { deps, signal }) => {
  const d = job.data;
  const titleId = d.source.titleId;
  const title = await deps.titles.get(titleId);
  if (title === undefined || title.state === 'failed') return { skipped: title?.state ?? 'deleted' };
  const settings = DEFAULT_ARTWORK_SETTINGS;
  const started = Date.now();
  let manifest: ArtworkManifest;
  try {
    manifest = await computeArtwork(
      job.id ?? `artwork-${titleId}`,
      d,
      settings,
      deps,
      signal,
      (f) => void job.updateProgress(Math.round(f * 100)).catch(() => undefined),
    );
  } catch (err) {
    if (signal.aborted || !isFinalAttempt(job, err)) throw err;
    const { error: e, code } = failureOf(err, 'VF_ARTWORK_FAILED', deps.redact);
    deps.log.error({ titleId, jobId: job.id, err: e.message, code }, 'artwork failed; the title is not affected');
    manifest = {
      schema: ARTWORK_MANIFEST_SCHEMA,
      titleId,
      version: d.version,
      generatedAt: new Date().toISOString(),
      status: 'failed',
      error: { code, message: e.message },
      candidates: [],
    };
  }
  // A title deleted while the job ran must not get its artwork back.
  if ((await deps.titles.get(titleId)) === undefined) {
    await deps.store.deletePrefix(artworkRoot(titleId));
    return { skipped: 'deleted' };
  }
  // What content ops set (a pin, an upload) survives a recomputation; read it as late as possible.
  const previous = await readArtworkManifest(deps.store, titleId).catch(() => undefined);
  const pin = stillPinnable(previous?.pin, manifest);
  manifest = { ...manifest, ...(pin === undefined ? {} : { pin }), ...(previous?.custom === undefined ? {} : { custom: previous.custom }) };
  await writeArtworkManifest(deps.store, manifest);
  const chosen = manifest.candidates.filter((c) => c.chosen).length;
  deps.log.info(
    { titleId, status: manifest.status, candidates: manifest.candidates.length, chosen, ms: Date.now() - started },
    'artwork chosen',
  );
  return { status: manifest.status, candidates: manifest.candidates.length, chosen };
};

/**
 * Extraction, scoring and crops (images stored, manifest returned, not written); throws only
 * when the master cannot be read at all. Exported for the benchmark.
 */
export async function computeArtwork(
  label: string,
  d: ArtworkJobData,
  settings: ArtworkSettings,
  deps: Pick<WorkerDeps, 'store' | 'tmpDir'>,
  signal: AbortSignal,
  progress: (f: number) => void,
): Promise<ArtworkManifest> {
  const input = await deps.store.readableLocation(d.source.sourceKey);
  const plan = planArtworkSampling(d.video, settings.sampling);
  return withScratch(deps.tmpDir, label, async (dir) => {
    const prefix = artworkVersionPrefix(d.source.titleId, d.version);
    const extracted = await extractCandidates(input, d.video, plan, dir, {
      signal,
      onProgress: (f) => progress(0.6 * f),
      ...(settings.selection.neighbourWindowS === undefined ? {} : { neighbourWindowS: settings.selection.neighbourWindowS }),
    });
    const selection = chooseFromBursts(extracted.analysed, settings.selection);
    const rank = new Map(selection.shortlist.map((s, i) => [s.index, i]));
    const stills = extractStills(
      input,
      d.video,
      selection.shortlist.map((s) => s.atS),
      dir,
      { signal, captured: extracted.captured },
    );
    // Each frame is cropped and stored as soon as its still is out, one at a time: a frame's
    // renditions already run side by side, and two frames at once cost more CPU for no time.
    let done = 0;
    const rendered = await mapLimit(selection.shortlist, 1, async (s, i) => {
      const result = await renderFrame(s.atS, stills.loaders[i]!, prefix, settings.crops, deps.store);
      progress(0.6 + (0.4 * ++done) / selection.shortlist.length);
      return [s.index, result] as const;
    }).finally(() => stills.finished);
    const images = new Map(rendered);
    const warnings = [...extracted.warnings];
    const candidates: ArtworkCandidateEntry[] = selection.candidates.map((c) => {
      const r = images.get(c.index);
      return {
        atS: round(c.atS),
        sceneIndex: c.sceneIndex,
        score: round(c.total),
        ...(c.score === undefined ? {} : { parts: roundParts(c.score.parts) }),
        ...(c.rejected === undefined ? {} : { rejected: { reason: c.rejected.reason, detail: c.rejected.detail } }),
        offered: selection.offered.has(c.index),
        chosen: rank.has(c.index),
        ...(rank.has(c.index) ? { rank: rank.get(c.index)! } : {}),
        ...(c.hashes === undefined ? {} : { hashes: c.hashes }),
        ...(r === undefined ? {} : 'error' in r ? { imageError: r.error } : { images: r.images }),
      };
    });
    const base = {
      schema: ARTWORK_MANIFEST_SCHEMA,
      titleId: d.source.titleId,
      version: d.version,
      generatedAt: new Date().toISOString(),
      candidates,
      cutsS: extracted.cutsS.map(round),
      ...(warnings.length === 0 ? {} : { warnings }),
    } as const;
    if (!selection.usable)
      return { ...base, status: 'no-usable-frame', flag: 'no-usable-frame', reason: selection.reason ?? 'no usable frame' };
    return { ...base, status: 'ready' };
  });
}

/** A pinned frame stays pinned only if the new entry still has crops of it. */
function stillPinnable(pin: ArtworkPin | undefined, m: ArtworkManifest): ArtworkPin | undefined {
  if (pin?.kind !== 'candidate') return pin;
  return m.candidates.some((c) => c.images !== undefined && Math.abs(c.atS - pin.atS) < 0.0005) ? pin : undefined;
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;
const roundParts = <T extends object>(parts: T): T =>
  Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, round(v as number)])) as T;
