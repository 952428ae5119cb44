import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * Two validators: path and query strings arrive as text and are coerced to the schema's
 * types; JSON bodies are validated as sent, so `{"name": 42}` is a 400, not the string "42".
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const base: Options = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false };
  const coercing = new Ajv({ ...base, coerceTypes: 'array' });
  const strict = new Ajv({ ...base, coerceTypes: false });
  addFormats.default(coercing);
  addFormats.default(strict);
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
}
