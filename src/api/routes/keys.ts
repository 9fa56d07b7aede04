import { ApiKeyList, describedBody, KeyBody, NewApiKey, RevokedKey, routeParams, type ZodApp } from '../contract.js';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { FlowrunError, type ErrorDetail } from '../../protocol/errors.js';
import { effectiveLimits, type EffectiveLimits } from '../../runs/limits.js';
import type { ApiKeyInfo } from '../../store/keys-repository.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';

const view = (info: ApiKeyInfo, limits: EffectiveLimits) => ({
  id: info.id,
  name: info.name,
  prefix: info.prefix,
  mode: info.mode,
  createdAt: info.createdAt,
  revokedAt: info.revokedAt,
  rateLimitPerMinute: info.rateLimitPerMinute,
  maxRunsInFlight: info.maxRunsInFlight,
  limits: {
    rateLimitPerMinute: limits.key.rateLimitPerMinute,
    maxRunsInFlight: limits.key.maxRunsInFlight,
    tenantRateLimitPerMinute: limits.tenant.rateLimitPerMinute,
    tenantMaxRunsInFlight: limits.tenant.maxRunsInFlight,
  },
});

/**
 * A key made through the API may ask only for limits at or below the operator's ceiling (the tenant's admin-set
 * one, else the server's settings); no limit at all (0) is the operator's alone (the CLI's `keys create`).
 */
function checkAskedLimits(body: z.infer<typeof KeyBody>, ceiling: EffectiveLimits['ceiling']): void {
  const details: ErrorDetail[] = [];
  for (const field of ['rateLimitPerMinute', 'maxRunsInFlight'] as const) {
    const asked = body[field];
    if (asked === undefined || asked === null) continue;
    const most = ceiling[field];
    if (asked === 0)
      details.push({
        code: 'INVALID_VALUE',
        path: field,
        message: `0 means no limit, which only the operator can set${most > 0 ? `; ask for 1 to ${most}` : ''}`,
      });
    else if (most > 0 && asked > most)
      details.push({ code: 'INVALID_VALUE', path: field, message: `at most ${most}, this tenant's ceiling set by the operator` });
  }
  if (details.length > 0)
    throw new FlowrunError('VALIDATION_ERROR', `A key may not ask for more than the operator allows: ${details[0]!.message}`, details);
}

/** Keys made through the API per tenant and mode per minute (the operator's CLI is not counted). */
async function limitCreations(deps: AppDeps, request: FastifyRequest): Promise<void> {
  const perMinute = deps.settings.limits.keyCreationsPerMinute;
  if (perMinute === 0) return;
  const now = deps.clock.now();
  const windowStart = Math.floor(now / 60_000) * 60_000;
  const made = await deps.rateLimiter.hit(`keys:${request.scope.tenantId}:${request.scope.mode}`, windowStart);
  if (made > perMinute)
    throw new FlowrunError(
      'RATE_LIMITED',
      `Too many keys made: this tenant may make ${perMinute} keys a minute`,
      [{ code: 'RATE_LIMITED', message: `${made} key creations in this minute; the limit is ${perMinute}` }],
      { retryAfterSeconds: Math.max(1, Math.ceil((windowStart + 60_000 - now) / 1000)) },
    );
}

/**
 * `/v1/keys`: a tenant's API keys of the calling key's mode (a test key never sees or makes live keys). A new
 * key is answered once, in full; after that only its prefix is shown (the store keeps its SHA-256 only). Every
 * key is shown with the limits that really apply to it.
 */
export function registerKeyRoutes(app: ZodApp, deps: AppDeps, forgetKey: (keyId: string) => void): void {
  const ownKeys = async (scope: { tenantId: string; mode: string }) =>
    (await deps.store.listApiKeys(scope.tenantId)).filter((info) => info.mode === scope.mode);
  const limitsOf = async (request: FastifyRequest) => {
    const tenant = await deps.store.getTenantLimits(request.scope.tenantId, request.scope.mode);
    return (info: ApiKeyInfo) => effectiveLimits(info, tenant, deps.settings.limits);
  };

  app.get('/v1/keys', { schema: { response: { 200: ApiKeyList } } }, async (request) => {
    const limits = await limitsOf(request);
    return { data: (await ownKeys(request.scope)).map((info) => view(info, limits(info))) };
  });

  app.post('/v1/keys', { schema: { body: describedBody(KeyBody), response: { 201: NewApiKey } } }, async (request, reply) => {
    const body = parseInput(KeyBody, request.body ?? {});
    checkAskedLimits(body, request.limits.ceiling);
    await limitCreations(deps, request);
    const { key, info } = await deps.store.createKeyByKey({
      tenantId: request.scope.tenantId,
      mode: request.scope.mode,
      id: deps.ids.next('key'),
      now: new Date(deps.clock.now()).toISOString(),
      createdBy: request.scope.keyId!,
      maxKeys: request.limits.maxKeys,
      ...(body.name ? { name: body.name } : {}),
      limits: {
        ...(body.rateLimitPerMinute !== undefined ? { rateLimitPerMinute: body.rateLimitPerMinute } : {}),
        ...(body.maxRunsInFlight !== undefined ? { maxRunsInFlight: body.maxRunsInFlight } : {}),
      },
    });
    return reply.status(201).send({ ...view(info, (await limitsOf(request))(info)), key });
  });

  app.delete('/v1/keys/:id', { schema: { params: routeParams('id'), response: { 200: RevokedKey } } }, async (request) => {
    const { id } = request.params;
    if (!(await ownKeys(request.scope)).some((info) => info.id === id && info.revokedAt === null))
      throw new FlowrunError('NOT_FOUND', `No active key ${id} of this tenant and mode`);
    await deps.store.revokeApiKey(id, new Date(deps.clock.now()).toISOString());
    forgetKey(id);
    return { id, revoked: true };
  });
}
