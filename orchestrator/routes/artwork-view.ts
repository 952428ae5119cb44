/**
 * The artwork API's response shapes (TypeBox: validation, types and the OpenAPI document from
 * one source) and the mapping from the stored manifest to them.
 */
import { Type, type Static } from 'typebox';
import type { ArtworkImage, ArtworkManifest } from '../../stills/manifest.ts';

const Image = Type.Object({
  shape: Type.Union([Type.Literal('hero'), Type.Literal('poster'), Type.Literal('tile')], {
    description: 'hero 16:9, poster 2:3, tile 1:1',
  }),
  aspect: Type.String(),
  format: Type.Union([Type.Literal('avif'), Type.Literal('webp'), Type.Literal('jpeg')]),
  widthPx: Type.Integer(),
  heightPx: Type.Integer(),
  contentType: Type.String(),
  bytes: Type.Integer(),
  url: Type.String({ description: 'Path on this API' }),
});

const Candidate = Type.Object({
  atS: Type.Number({ description: 'Seconds from the first video frame' }),
  sceneIndex: Type.Integer(),
  score: Type.Number({ minimum: 0, maximum: 1, description: '0 when rejected' }),
  parts: Type.Optional(Type.Record(Type.String(), Type.Number(), { description: 'Soft score parts, each 0–1' })),
  rejected: Type.Optional(Type.Object({ reason: Type.String(), detail: Type.String() })),
  offered: Type.Boolean({ description: 'Had same-shot neighbours on both sides, which choosing requires' }),
  chosen: Type.Boolean(),
  rank: Type.Optional(Type.Integer({ description: 'Shortlist position, 0 = best' })),
  pinned: Type.Boolean(),
  primary: Type.Boolean(),
  images: Type.Array(Image),
  imageError: Type.Optional(Type.String()),
});

export const ArtworkView = Type.Object({
  titleId: Type.String(),
  status: Type.Union([Type.Literal('ready'), Type.Literal('no-usable-frame'), Type.Literal('failed')]),
  version: Type.String(),
  generatedAt: Type.String(),
  flag: Type.Optional(Type.Literal('no-usable-frame')),
  reason: Type.Optional(Type.String()),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
  primary: Type.Union(
    [
      Type.Object({ kind: Type.Literal('candidate'), atS: Type.Number(), pinned: Type.Boolean(), images: Type.Array(Image) }),
      Type.Object({ kind: Type.Literal('custom'), pinned: Type.Boolean(), images: Type.Array(Image) }),
      Type.Null(),
    ],
    { description: 'The pinned frame or upload, else the best chosen frame; null when there is none' },
  ),
  candidates: Type.Array(Candidate),
  custom: Type.Optional(
    Type.Object({ widthPx: Type.Integer(), heightPx: Type.Integer(), uploadedAt: Type.String(), images: Type.Array(Image) }),
  ),
  warnings: Type.Optional(Type.Array(Type.String())),
});
export type ArtworkViewT = Static<typeof ArtworkView>;

export const ArtworkPending = Type.Object({
  titleId: Type.String(),
  status: Type.Literal('pending'),
  titleState: Type.String(),
});

export const PinBody = Type.Object(
  { atS: Type.Number({ minimum: 0, description: "A chosen candidate's atS, as listed" }) },
  { additionalProperties: false },
);

export const ImageParams = Type.Object(
  { id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), file: Type.String({ pattern: '^[A-Za-z0-9_-]{1,80}\\.(avif|webp|jpg)$' }) },
  { additionalProperties: false },
);

/** Two times name the same frame when closer than this (manifest times are rounded to 0.1 ms). */
export const SAME_FRAME_S = 0.0005;

export function artworkView(m: ArtworkManifest): ArtworkViewT {
  const url = (img: ArtworkImage) => ({
    shape: img.shape,
    aspect: img.aspect,
    format: img.format,
    widthPx: img.widthPx,
    heightPx: img.heightPx,
    contentType: img.contentType,
    bytes: img.bytes,
    url: `/v1/titles/${m.titleId}/artwork/images/${img.file}`,
  });
  const pin = m.pin;
  const pinnedAt = pin?.kind === 'candidate' ? pin.atS : undefined;
  const best = m.candidates.filter((c) => c.chosen && (c.images?.length ?? 0) > 0).sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0))[0];
  const pinnedCandidate = pinnedAt === undefined ? undefined : m.candidates.find((c) => Math.abs(c.atS - pinnedAt) < SAME_FRAME_S);
  const primary: ArtworkViewT['primary'] =
    pin?.kind === 'custom' && m.custom !== undefined
      ? { kind: 'custom', pinned: true, images: m.custom.images.map(url) }
      : pinnedCandidate !== undefined
        ? { kind: 'candidate', atS: pinnedCandidate.atS, pinned: true, images: (pinnedCandidate.images ?? []).map(url) }
        : best !== undefined
          ? { kind: 'candidate', atS: best.atS, pinned: false, images: (best.images ?? []).map(url) }
          : null;
  const primaryAt = primary?.kind === 'candidate' ? primary.atS : undefined;
  return {
    titleId: m.titleId,
    status: m.status,
    version: m.version,
    generatedAt: m.generatedAt,
    ...(m.flag === undefined ? {} : { flag: m.flag }),
    ...(m.reason === undefined ? {} : { reason: m.reason }),
    ...(m.error === undefined ? {} : { error: m.error }),
    primary,
    candidates: m.candidates.map((c) => ({
      atS: c.atS,
      sceneIndex: c.sceneIndex,
      score: c.score,
      ...(c.parts === undefined ? {} : { parts: { ...c.parts } }),
      ...(c.rejected === undefined ? {} : { rejected: c.rejected }),
      offered: c.offered,
      chosen: c.chosen,
      ...(c.rank === undefined ? {} : { rank: c.rank }),
      pinned: pinnedCandidate === c,
      primary: primaryAt !== undefined && c.atS === primaryAt,
      images: (c.images ?? []).map(url),
      ...(c.imageError === undefined ? {} : { imageError: c.imageError }),
    })),
    ...(m.custom === undefined
      ? {}
      : {
          custom: {
            widthPx: m.custom.widthPx,
            heightPx: m.custom.heightPx,
            uploadedAt: m.custom.uploadedAt,
            images: m.custom.images.map(url),
          },
        }),
    ...(m.warnings === undefined ? {} : { warnings: [...m.warnings] }),
  };
}
