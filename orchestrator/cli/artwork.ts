import type { ArtworkViewT } from '../routes/artwork-view.ts';

/** One chosen frame as `vodforge ingest --json` prints it: the largest rendition of each shape and format. */
export interface ArtworkSummary {
  readonly atS: number;
  readonly score: number;
  /** Absolute URLs: `images.hero.jpeg`, `images.poster.avif`, … */
  readonly images: Record<string, Record<string, string>>;
}

/** Chosen frames, best first (a pinned frame first of all), from a title's artwork entry. */
export function summariseArtwork(api: string, view: ArtworkViewT): ArtworkSummary[] {
  const chosen = view.candidates
    .filter((c) => c.chosen && c.images.length > 0)
    .sort((a, b) => Number(b.pinned) - Number(a.pinned) || (a.rank ?? 0) - (b.rank ?? 0));
  return chosen.map((c) => {
    const images: Record<string, Record<string, string>> = {};
    // Largest first within a shape, so the first of each format is kept.
    for (const img of [...c.images].sort((a, b) => b.widthPx - a.widthPx)) {
      images[img.shape] ??= {};
      const byFormat = images[img.shape]!;
      byFormat[img.format] ??= new URL(img.url, api).toString();
    }
    return { atS: c.atS, score: c.score, images };
  });
}

/** Where the title's artwork stands, as `ingest --json` prints it beside the chosen frames. */
export interface ArtworkStatus {
  /** `pending`: not written before the wait ran out; `no-usable-frame`: flagged, with the reason. */
  readonly status: 'ready' | 'no-usable-frame' | 'failed' | 'pending';
  readonly reason?: string;
}

/**
 * The title's artwork once its job has written it. It runs behind the encode (lower queue
 * priority), so it may end after the title is ready; this waits for it (up to `timeoutMs`).
 */
export async function fetchArtwork(
  api: string,
  titleId: string,
  headers: Record<string, string> = {},
  timeoutMs = 300_000,
): Promise<{ chosen: ArtworkSummary[]; status: ArtworkStatus }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(new URL(`/v1/titles/${titleId}/artwork`, api), { headers });
    if (res.status === 200) {
      const view = (await res.json()) as ArtworkViewT;
      const reason = view.reason ?? view.error?.message;
      return { chosen: summariseArtwork(api, view), status: { status: view.status, ...(reason === undefined ? {} : { reason }) } };
    }
    await res.body?.cancel();
    if (res.status !== 202 || Date.now() > deadline) return { chosen: [], status: { status: 'pending' } };
    await new Promise((r) => setTimeout(r, 500));
  }
}
