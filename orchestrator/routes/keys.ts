import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RouteDeps } from '../deps.ts';
import { HttpErrors } from '../errors.ts';
import { ErrorBody } from '../schemas.ts';
import { ROLES, type Role } from '../auth/roles.ts';

const KeyRecord = Type.Object({ id: Type.String(), name: Type.String(), role: Type.String(), createdAt: Type.String() });

/** Admin routes for API keys. A key is returned once, at creation; only its hash is kept. */
export const keyRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, deps) => {
  const { keys } = deps;
  app.post(
    '/v1/keys',
    {
      schema: {
        tags: ['ops'],
        summary: 'Create an API key (admin); the key is shown only in this response',
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100 }), role: Type.Unsafe<Role>({ type: 'string', enum: [...ROLES] }) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Intersect([KeyRecord, Type.Object({ key: Type.String() })]), 400: ErrorBody },
      },
    },
    async (req, reply) => {
      const { key, record } = await keys.create(req.body.role, req.body.name);
      return reply.status(201).send({ ...record, key });
    },
  );
  app.get(
    '/v1/keys',
    { schema: { tags: ['ops'], summary: 'List API keys (never the keys themselves)', response: { 200: Type.Array(KeyRecord) } } },
    async () => keys.list(),
  );
  app.delete(
    '/v1/keys/:id',
    {
      schema: {
        tags: ['ops'],
        summary: 'Revoke an API key',
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null(), 404: ErrorBody },
      },
    },
    async (req, reply) => {
      if (!(await keys.revoke(req.params.id))) throw new HttpErrors.KeyNotFound(req.params.id);
      return reply.status(204).send(null);
    },
  );
};
