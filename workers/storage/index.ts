import { LocalObjectStore } from './local.ts';
import { S3ObjectStore } from './s3.ts';
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

export function createObjectStore(config: StorageConfig): ObjectStore {
  switch (config.kind) {
    case 'local':
      return new LocalObjectStore(config.root);
    case 's3':
      return new S3ObjectStore(config);
  }
}

export type { ObjectStore, ObjectInfo } from './port.ts';
