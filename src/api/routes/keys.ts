import { ApiKeyList, NewApiKey, RevokedKey } from '../response-schemas.js';
import { z } from 'zod';
import { FlowrunError } from '../../protocol/errors.js';
import type { ApiKeyInfo } from '../../store/keys-repository.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';
import { describedBody, routeParams, type ZodApp } from '../route-schemas.js';

const KeyBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    rateLimitPerMinute: z.number().int().min(0).nullable().optional(),
    maxRunsInFlight: z.number().int().min(0).nullable().optional(),
  })
  .strict();

const view = (info: ApiKeyInfo) => ({
  id: info.id,
  name: info.name,
  prefix: info.prefix,
  mode: info.mode,
  createdAt: info.createdAt,
  revokedAt: info.revokedAt,
  rateLimitPerMinute: info.rateLimitPerMinute,
  maxRunsInFlight: info.maxRunsInFlight,
});

/**
 * `/v1/keys`: a tenant's API keys of the calling key's mode (a test key never sees or makes live keys). A new
 * key is answered once, in full; after that only its prefix is shown (the store keeps its SHA-256 only).
 */
export function registerKeyRoutes(app: ZodApp, deps: AppDeps): void {
  const ownKeys = async (scope: { tenantId: string; mode: string }) =>
    (await deps.store.listApiKeys(scope.tenantId)).filter((info) => info.mode === scope.mode);

  app.get('/v1/keys', { schema: { response: { 200: ApiKeyList } } }, async (request) => ({
    data: (await ownKeys(request.scope)).map(view),
  }));

  app.post('/v1/keys', { schema: { body: describedBody(KeyBody), response: { 201: NewApiKey } } }, async (request, reply) => {
    const body = parseInput(KeyBody, request.body ?? {});
    const { key, info } = await deps.store.createApiKey({
      tenantId: request.scope.tenantId,
      mode: request.scope.mode,
      id: deps.ids.next('key'),
      now: new Date(deps.clock.now()).toISOString(),
      ...(body.name ? { name: body.name } : {}),
      limits: {
        ...(body.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: body.rateLimitPerMinute } : {}),
        ...(body.maxRunsInFlight !== undefined ? { maxRunsInFlight: body.maxRunsInFlight } : {}),
      },
    });
    return reply.status(201).send({ ...view(info), key });
  });

  app.delete('/v1/keys/:id', { schema: { params: routeParams('id'), response: { 200: RevokedKey } } }, async (request) => {
    const { id } = request.params;
    if (!(await ownKeys(request.scope)).some((info) => info.id === id && info.revokedAt === null))
      throw new FlowrunError('NOT_FOUND', `No active key ${id} of this tenant and mode`);
    await deps.store.revokeApiKey(id, new Date(deps.clock.now()).toISOString());
    return { id, revoked: true };
  });
}
