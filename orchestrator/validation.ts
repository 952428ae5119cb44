import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Two validators: path and query strings arrive as text and are coerced to the schema's
 * types; JSON bodies are validated as sent, so `{"name": 42}` is a 400, not the string "42".
 */
const BASE: Options = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false };

/** The validator of JSON bodies, for a body validated away from its route (a plan in its thread). */
export function bodyAjv(): Ajv {
  const strict = new Ajv({ ...BASE, coerceTypes: false });
  addFormats.default(strict);
  return strict;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const coercing = new Ajv({ ...BASE, coerceTypes: 'array' });
  addFormats.default(coercing);
  const strict = bodyAjv();
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
}
