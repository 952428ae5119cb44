/**
 * Typed errors for the CDN planner core. Codes are stable strings (the operator API maps them to
 * HTTP errors), so never rename one once shipped.
 */
export type PlannerErrorCode =
  /** An input or option field is missing, of the wrong type or out of range. */
  | 'PLANNER_INVALID_INPUT'
  /** Two records claim the same identity (appliance id, title id or file key). */
  | 'PLANNER_DUPLICATE_ID'
  /** A record refers to something that does not exist (unknown appliance, title or key). */
  | 'PLANNER_UNKNOWN_REFERENCE';

export class PlannerError extends Error {
  readonly code: PlannerErrorCode;
  /** Dotted path of the offending value, e.g. `appliances[3].fillWindow.tz`. */
  readonly field: string;
  readonly received: unknown;

  constructor(code: PlannerErrorCode, field: string, message: string, received: unknown) {
    super(message);
    this.code = code;
    this.field = field;
    this.received = received;
    // Set explicitly (not from the class name) so it survives minification and JSON transport.
    this.name = 'PlannerError';
  }
}

/** A field failed validation: "Expected `field` to be …, got …". */
export class PlannerInputError extends PlannerError {
  constructor(field: string, expectation: string, received: unknown) {
    super('PLANNER_INVALID_INPUT', field, `Expected \`${field}\` to be ${expectation}, got ${describe(received)}`, received);
    this.name = 'PlannerInputError';
  }
}

export class PlannerDuplicateError extends PlannerError {
  constructor(field: string, received: unknown, firstSeenAt: string) {
    super('PLANNER_DUPLICATE_ID', field, `Duplicate \`${field}\` ${describe(received)}, first seen at \`${firstSeenAt}\``, received);
    this.name = 'PlannerDuplicateError';
  }
}

export class PlannerReferenceError extends PlannerError {
  constructor(field: string, what: string, received: unknown) {
    super('PLANNER_UNKNOWN_REFERENCE', field, `\`${field}\` refers to an unknown ${what}: ${describe(received)}`, received);
    this.name = 'PlannerReferenceError';
  }
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return `${String(value)} (${value === null ? 'null' : typeof value})`;
  }
  return Array.isArray(value) ? 'array' : typeof value;
}
