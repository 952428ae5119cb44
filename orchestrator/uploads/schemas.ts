import { Type, type Static } from 'typebox';
import { TitleId } from '../schemas.ts';

export const DirectUploadParams = Type.Object(
  { id: TitleId, uploadId: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'Direct upload id' }) },
  { additionalProperties: false },
);

export const CreateDirectUploadBody = Type.Object(
  {
    sizeBytes: Type.Integer({ minimum: 1, description: "The master's size: the part size is chosen from it" }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Hex SHA-256 of the master: checked before the title is queued' }),
    contentType: Type.Optional(Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+$' })),
  },
  { additionalProperties: false },
);

export const DirectUploadView = Type.Object({
  id: Type.String(),
  titleId: Type.String(),
  sizeBytes: Type.Integer(),
  partSizeBytes: Type.Integer({ description: 'Every part but the last has this size; the last has the rest' }),
  partCount: Type.Integer(),
  expiresAt: Type.String({ description: 'Parts not completed by then are deleted' }),
});
export type DirectUploadViewT = Static<typeof DirectUploadView>;

export const PartUrlsQuery = Type.Object(
  {
    first: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
    count: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);

export const PartUrlsView = Type.Object({
  urls: Type.Array(
    Type.Object({
      partNumber: Type.Integer(),
      sizeBytes: Type.Integer(),
      url: Type.String({ description: "PUT the part's bytes here; keep the ETag header of the answer for completion" }),
    }),
  ),
  expiresAt: Type.String({ description: 'When these URLs stop working; ask again for new ones' }),
});

export const CompleteDirectUploadBody = Type.Object(
  {
    parts: Type.Array(
      Type.Object(
        { partNumber: Type.Integer({ minimum: 1, maximum: 10_000 }), etag: Type.String({ minLength: 1, maxLength: 200 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);
