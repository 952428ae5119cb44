/**
 * Typed errors for the ladder core. Codes are stable strings that the worker records on the
 * title when it falls back to the fixed ladder, so never rename one once shipped.
 */
export type LadderErrorCode =
  /** An option or input field is missing, of the wrong type or out of range. */
  | 'LADDER_INVALID_ARGUMENT'
  /** No rate-quality point survived the constraints (upscaling, bitrate range, size caps). */
  | 'LADDER_NO_CANDIDATES'
  /** No point fits the bottom-rung device cap, so no ladder can satisfy it. */
  | 'LADDER_BOTTOM_CAP_UNMET'
  /** A BD-rate curve has fewer than two points. */
  | 'BD_RATE_TOO_FEW_POINTS'
  /** A BD-rate curve has two points with the same quality: log-rate is not a function of it. */
  | 'BD_RATE_DUPLICATE_QUALITY'
  /** The two curves share no quality range to integrate over. */
  | 'BD_RATE_NO_OVERLAP';

export class LadderError extends Error {
  readonly code: LadderErrorCode;

  constructor(code: LadderErrorCode, message: string) {
    super(message);
    this.code = code;
    // Set explicitly (not from the class name) so it survives minification and a trip
    // through a BullMQ job's failedReason.
    this.name = 'LadderError';
  }
}

/** An argument failed validation; `field` is the dotted path of the offending value. */
export class LadderArgumentError extends LadderError {
  readonly field: string;
  readonly received: unknown;

  constructor(field: string, expectation: string, received: unknown) {
    super('LADDER_INVALID_ARGUMENT', `Expected \`${field}\` to be ${expectation}, got ${describe(received)}`);
    this.name = 'LadderArgumentError';
    this.field = field;
    this.received = received;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return `${String(value)} (${value === null ? 'null' : typeof value})`;
  }
  return `${Array.isArray(value) ? 'array' : typeof value}`;
}
