import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  S3Client,
  DeleteObjectCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import type { DataStore } from '@tus/utils';
import {
  assertValidKey,
  ObjectNotFoundError,
  type DirectUploads,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
  type ResumableStoreOptions,
} from './port.ts';
import { s3DirectUploads } from './s3-direct.ts';

export interface S3StoreOptions {
  readonly bucket: string;
  /** Endpoint of an S3-compatible service (MinIO, Ceph, R2...); unset means AWS. */
  readonly endpoint?: string;
  /** @defaultValue 'us-east-1' */
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** Path-style addressing (`endpoint/bucket/key`); most self-hosted services need it. @defaultValue true */
  readonly forcePathStyle?: boolean;
}

function isMissing(err: unknown): boolean {
  if (err instanceof NoSuchKey || err instanceof NotFound) return true;
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** The S3 adapter of the storage port, for any S3-compatible service. */
export class S3ObjectStore implements ObjectStore {
  readonly describe: string;
  readonly client: S3Client;
  readonly directUploads: DirectUploads;
  private readonly bucket: string;
  private readonly clientConfig: S3ClientConfig;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.describe = `s3://${options.bucket}${options.endpoint === undefined ? '' : ` at ${options.endpoint}`}`;
    this.clientConfig = {
      region: options.region ?? 'us-east-1',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? true,
      ...(options.accessKeyId !== undefined && options.secretAccessKey !== undefined
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      // The SDK's default CRC32 trailer checksums on streamed bodies are not understood by
      // every S3-compatible server (s3rver and older MinIO store the aws-chunked framing as
      // data); checksums only where the API requires them keeps streamed uploads intact.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    this.client = new S3Client(this.clientConfig);
    this.directUploads = s3DirectUploads(this.client, this.bucket);
  }

  async put(key: string, body: Buffer | string | Readable, options: PutOptions = {}): Promise<void> {
    assertValidKey(key);
    // lib-storage's Upload sends small bodies as one PutObject and streams large ones as a
    // multipart upload with bounded memory (queueSize × partSize).
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ...(options.contentType === undefined ? {} : { ContentType: options.contentType }),
      },
      queueSize: 4,
      partSize: 8 * 1024 * 1024,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string): Promise<Buffer> {
    const s = await this.stream(key);
    const parts: Buffer[] = [];
    for await (const p of s) parts.push(p as Buffer);
    return Buffer.concat(parts);
  }

  async stream(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    assertValidKey(key);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end ?? ''}` }),
        }),
      );
      if (!(out.Body instanceof Readable)) throw new Error(`S3 returned no stream for ${key}`);
      return out.Body;
    } catch (err) {
      if (isMissing(err)) throw new ObjectNotFoundError(key);
      throw err;
    }
  }

  async head(key: string): Promise<{ sizeBytes: number } | undefined> {
    assertValidKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { sizeBytes: out.ContentLength ?? 0 };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key !== undefined) yield { key: o.Key, sizeBytes: o.Size ?? 0 };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<number> {
    let batch: string[] = [];
    let n = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      n += batch.length;
      batch = [];
    };
    for await (const o of this.list(prefix)) {
      batch.push(o.key);
      if (batch.length === 1000) await flush();
    }
    await flush();
    return n;
  }

  async readableLocation(key: string, expiresInS = 6 * 3600): Promise<string> {
    assertValidKey(key);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInS });
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /**
   * tus's S3Store: an upload is a multipart upload of its key, its record a `<key>.info`
   * object, and the bytes of a request that end short of a part a `<key>.part` object until the
   * next request completes the part. Parts of 8 MiB, as `put` uses.
   */
  async resumableUploads(options: ResumableStoreOptions = {}): Promise<DataStore> {
    const { S3Store } = await import('@tus/s3-store');
    return new S3Store({
      partSize: 8 * 1024 * 1024,
      // Expiry is vodforge's (orchestrator/uploads/): object tags are not needed for it, and not every S3-compatible server keeps them.
      useTags: false,
      ...(options.metadataCache === undefined ? {} : { cache: options.metadataCache() }),
      s3ClientConfig: { ...this.clientConfig, bucket: this.bucket },
    });
  }
}
