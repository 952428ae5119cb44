import { LocalObjectStore } from './local.ts';
import type { ObjectStore } from './port.ts';

export type StorageConfig =
  | { readonly kind: 'local'; readonly root: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly endpoint?: string;
      readonly region?: string;
      readonly accessKeyId?: string;
      readonly secretAccessKey?: string;
    };

/**
 * The store a config names. The S3 adapter is imported only when asked for: the AWS SDK adds
 * ~25 MB resident and start-up time to a process, for nothing when storage is local.
 */
export async function createObjectStore(config: StorageConfig): Promise<ObjectStore> {
  switch (config.kind) {
    case 'local':
      return new LocalObjectStore(config.root);
    case 's3': {
      const { S3ObjectStore } = await import('./s3.ts');
      return new S3ObjectStore(config);
    }
  }
}

export type { ObjectStore, ObjectInfo } from './port.ts';
