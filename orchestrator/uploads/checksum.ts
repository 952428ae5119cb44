/**
 * The tus checksum extension's request header, `Upload-Checksum: <algorithm> <base64 digest>`:
 * the body of the request must hash to it, or the server answers 460 and keeps none of it.
 * Pure: a header in, what to check it against out.
 */
import { createHash, type Hash } from 'node:crypto';

/** Algorithms the server checks (`Tus-Checksum-Algorithm`): the protocol requires sha1; sha256 is what vodforge's CLI sends. */
export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { sha1: 20, sha256: 32 };

export interface ExpectedChecksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly digest: Buffer;
}

/** Why a header was refused: `unsupported` (another algorithm, 400 per the protocol) or `malformed`. */
export class ChecksumHeaderError extends Error {
  override readonly name = 'ChecksumHeaderError';
  constructor(
    readonly reason: 'unsupported' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

/** The checksum a request declares, `undefined` without the header. */
export function parseUploadChecksum(header: string | undefined): ExpectedChecksum | undefined {
  if (header === undefined) return undefined;
  const m = /^([A-Za-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim());
  if (m === null)
    throw new ChecksumHeaderError('malformed', `Upload-Checksum must be "<algorithm> <base64 digest>", got ${JSON.stringify(header)}`);
  const algorithm = (m[1] ?? '').toLowerCase();
  if (!(CHECKSUM_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new ChecksumHeaderError(
      'unsupported',
      `Upload-Checksum algorithm ${JSON.stringify(algorithm)} is not one of ${CHECKSUM_ALGORITHMS.join(', ')}`,
    );
  }
  const a = algorithm as ChecksumAlgorithm;
  const digest = Buffer.from(m[2] ?? '', 'base64');
  if (digest.length !== DIGEST_BYTES[a]) {
    throw new ChecksumHeaderError('malformed', `Upload-Checksum ${a} digest must be ${DIGEST_BYTES[a]} bytes, got ${digest.length}`);
  }
  return { algorithm: a, digest };
}

export const checksumHash = (c: ExpectedChecksum): Hash => createHash(c.algorithm);
