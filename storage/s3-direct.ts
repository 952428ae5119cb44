import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertValidKey, type DirectUploads, type UploadedPart } from './port.ts';

/** Direct multipart uploads on an S3 bucket: presigned `UploadPart` URLs, completed and aborted by the API. */
export function s3DirectUploads(client: S3Client, bucket: string): DirectUploads {
  return {
    async create(key, contentType) {
      assertValidKey(key);
      const out = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ...(contentType === undefined ? {} : { ContentType: contentType }) }),
      );
      if (out.UploadId === undefined) throw new Error(`S3 returned no upload id for ${key}`);
      return out.UploadId;
    },
    async partUrl(key, uploadId, partNumber, expiresInS) {
      assertValidKey(key);
      return getSignedUrl(client, new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber }), {
        expiresIn: expiresInS,
      });
    },
    async complete(key, uploadId, parts: readonly UploadedPart[]) {
      assertValidKey(key);
      const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: sorted.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    },
    async abort(key, uploadId) {
      assertValidKey(key);
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    },
  };
}
