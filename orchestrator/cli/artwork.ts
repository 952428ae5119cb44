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
  const chosen = view.candidates.filter((c) => c.chosen && c.images.length > 0).sort((a, b) => Number(b.pinned) - Number(a.pinned) || (a.rank ?? 0) - (b.rank ?? 0));
  return chosen.map((c) => {
    const images: Record<string, Record<string, string>> = {};
    // Largest first within a shape, so the first of each format is kept.
    for (const img of [...c.images].sort((a, b) => b.widthPx - a.widthPx)) {
      const byFormat = (images[img.shape] ??= {});
      byFormat[img.format] ??= new URL(img.url, api).toString();
    }
    return { atS: c.atS, score: c.score, images };
  });
}

/**
 * The title's artwork once its job has written it. It runs beside the encode and usually ends
 * first; when it has not, this waits for it (up to `timeoutMs`) rather than print nothing.
 */
export async function fetchArtwork(api: string, titleId: string, headers: Record<string, string> = {}, timeoutMs = 300_000): Promise<ArtworkSummary[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(new URL(`/v1/titles/${titleId}/artwork`, api), { headers });
    if (res.status === 200) return summariseArtwork(api, (await res.json()) as ArtworkViewT);
    await res.body?.cancel();
    if (res.status !== 202 || Date.now() > deadline) return [];
    await new Promise((r) => setTimeout(r, 500));
  }
}
