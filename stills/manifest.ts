/**
 * A title's artwork entry as stored: `titles/<id>/artwork/artwork.json`, written by the artwork
 * job and updated by the API (pin, custom upload). Images live under versioned prefixes
 * (`titles/<id>/artwork/<version>/`, `titles/<id>/artwork/custom-<sha>/`) and are never
 * overwritten with different bytes, so they can be served as immutable.
 */
import { createHash } from 'node:crypto';
import type { ArtworkFormat, CropSet, CropShape, ScoreParts } from '../artwork/index.ts';
import type { ObjectStore } from '../storage/port.ts';
import { mapLimit } from '../storage/transfer.ts';

export const ARTWORK_MANIFEST_SCHEMA = 1;

export interface ArtworkImage {
  readonly shape: CropShape;
  /** E.g. "16:9". */
  readonly aspect: string;
  readonly format: ArtworkFormat;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly contentType: string;
  readonly bytes: number;
  /** Name served at `/v1/titles/:id/artwork/images/<file>`; unique within the manifest. */
  readonly file: string;
  /** Storage key. */
  readonly key: string;
}

export interface ArtworkCandidateEntry {
  /** Seconds from the first video frame. */
  readonly atS: number;
  readonly sceneIndex: number;
  /** 0–1, 0 when rejected. */
  readonly score: number;
  /** Absent only for frames that could not be decoded. */
  readonly parts?: ScoreParts;
  readonly rejected?: { readonly reason: string; readonly detail: string };
  /** Whether the frame had same-shot neighbours on both sides, which choosing requires. */
  readonly offered: boolean;
  readonly chosen: boolean;
  /** Position in the shortlist (0 = best), for chosen frames. */
  readonly rank?: number;
  readonly hashes?: { readonly dHash: string; readonly pHash: string };
  /** Crops of a chosen frame. */
  readonly images?: readonly ArtworkImage[];
  /** Why a chosen frame has no crops (its full-resolution re-extraction failed). */
  readonly imageError?: string;
}

export interface CustomArtwork {
  readonly sha256: string;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly uploadedAt: string;
  readonly images: readonly ArtworkImage[];
}

/** What content ops set as the title's primary image; without it the best chosen frame is primary. */
export type ArtworkPin =
  | { readonly kind: 'candidate'; readonly atS: number; readonly pinnedAt: string }
  | { readonly kind: 'custom'; readonly pinnedAt: string };

export type ArtworkStatus = 'ready' | 'no-usable-frame' | 'failed';

export interface ArtworkManifest {
  readonly schema: typeof ARTWORK_MANIFEST_SCHEMA;
  readonly titleId: string;
  /** Source hash prefix and settings digest the frames were chosen with. */
  readonly version: string;
  readonly generatedAt: string;
  /** `no-usable-frame`: nothing could be artwork (`flag`, `reason`); `failed`: the job hit an error (`error`). */
  readonly status: ArtworkStatus;
  readonly flag?: 'no-usable-frame';
  readonly reason?: string;
  readonly error?: { readonly code: string; readonly message: string };
  /** In time order. */
  readonly candidates: readonly ArtworkCandidateEntry[];
  readonly cutsS?: readonly number[];
  readonly warnings?: readonly string[];
  readonly pin?: ArtworkPin;
  readonly custom?: CustomArtwork;
}

export const artworkRoot = (titleId: string): string => `titles/${titleId}/artwork/`;
export const artworkManifestKey = (titleId: string): string => `${artworkRoot(titleId)}artwork.json`;
export const artworkVersionPrefix = (titleId: string, version: string): string => `${artworkRoot(titleId)}${version}/`;
export const customArtworkPrefix = (titleId: string, sha256: string): string => `${artworkRoot(titleId)}custom-${sha256.slice(0, 16)}/`;

const EXTENSIONS: Readonly<Record<ArtworkFormat, string>> = { avif: 'avif', webp: 'webp', jpeg: 'jpg' };
export const IMAGE_CONTENT_TYPES: Readonly<Record<string, string>> = { avif: 'image/avif', webp: 'image/webp', jpg: 'image/jpeg' };

/** File name stem of a frame's crops: `f<ms>` (milliseconds from the first video frame). */
export const frameStem = (atS: number): string => `f${String(Math.round(atS * 1000)).padStart(8, '0')}`;
export const customStem = (sha256: string): string => `custom-${sha256.slice(0, 16)}`;

/** Stores every rendition of a frame's crops under `prefix`; returns their manifest entries. */
export async function storeCrops(store: ObjectStore, prefix: string, stem: string, crops: readonly CropSet[]): Promise<ArtworkImage[]> {
  const items = crops.flatMap((set) => set.renditions.map((r) => ({ set, r })));
  return mapLimit(items, 4, async ({ set, r }) => {
    const file = `${stem}-${set.shape}-${r.widthPx}.${EXTENSIONS[r.format]}`;
    const key = `${prefix}${file}`;
    await store.put(key, r.data, { contentType: r.contentType, sizeBytes: r.data.length });
    return {
      shape: set.shape,
      aspect: set.aspect,
      format: r.format,
      widthPx: r.widthPx,
      heightPx: r.heightPx,
      contentType: r.contentType,
      bytes: r.data.length,
      file,
      key,
    };
  });
}

export async function readArtworkManifest(store: ObjectStore, titleId: string): Promise<ArtworkManifest | undefined> {
  const key = artworkManifestKey(titleId);
  if ((await store.head(key)) === undefined) return undefined;
  return JSON.parse((await store.get(key)).toString('utf8')) as ArtworkManifest;
}

export async function writeArtworkManifest(store: ObjectStore, manifest: ArtworkManifest): Promise<void> {
  const body = JSON.stringify(manifest, null, 2);
  // The versioned copy stays with its images; the fixed key is what readers look up.
  if (manifest.status !== 'failed')
    await store.put(`${artworkVersionPrefix(manifest.titleId, manifest.version)}artwork.json`, body, { contentType: 'application/json' });
  await store.put(artworkManifestKey(manifest.titleId), body, { contentType: 'application/json' });
}

/** Every image a manifest names, chosen frames' and the custom upload's. */
export function manifestImages(m: ArtworkManifest): ArtworkImage[] {
  return [...m.candidates.flatMap((c) => c.images ?? []), ...(m.custom?.images ?? [])];
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
