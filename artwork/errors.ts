/**
 * Typed errors for the artwork core. Each has a stable `code` and sets `name` explicitly so the
 * error survives a process boundary (a BullMQ worker serialises it) without relying on the
 * constructor name.
 *
 * A title with no usable frame is not an error: `selectArtwork` returns an entry flagged
 * `usable: false` with a reason. Errors here are for callers passing bad options or pixels.
 */

/** Stable codes; tests and callers match on these, never on messages. */
export type ArtworkErrorCode = 'ARTWORK_INVALID_OPTION' | 'ARTWORK_INVALID_FRAME' | 'ARTWORK_UNDECODABLE_IMAGE';

export class ArtworkError extends Error {
  readonly code: ArtworkErrorCode;

  constructor(code: ArtworkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'ArtworkError';
  }
}

/** An option failed validation; the message names the field and the value received. */
export class InvalidArtworkOptionError extends ArtworkError {
  constructor(field: string, expected: string, received: unknown) {
    super('ARTWORK_INVALID_OPTION', `Expected \`${field}\` to be ${expected}, got ${describe(received)}`);
    this.name = 'InvalidArtworkOptionError';
  }
}

/** Raw pixels whose length does not match width × height × channels, or similar. */
export class InvalidFrameError extends ArtworkError {
  constructor(message: string) {
    super('ARTWORK_INVALID_FRAME', message);
    this.name = 'InvalidFrameError';
  }
}

/** sharp could not decode an encoded image (corrupt, truncated, unsupported). */
export class UndecodableImageError extends ArtworkError {
  constructor(message: string, cause: unknown) {
    super('ARTWORK_UNDECODABLE_IMAGE', message, { cause });
    this.name = 'UndecodableImageError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return String(value);
}
