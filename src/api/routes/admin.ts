import {
  describedBody,
  describedResponses,
  routeParams,
  TenantLimitsAnswer,
  TenantLimitsBody,
  TopUp,
  TopUpBody,
  type ZodApp,
} from '../contract.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { FlowrunError } from '../../protocol/errors.js';
import type { AppDeps } from '../app-deps.js';
import { parseInput } from '../parse-input.js';

/** Compares two secrets in constant time: both are hashed first, so not even their lengths leak. */
export function tokensEqual(given: string, expected: string): boolean {
  const left = createHash('sha256').update(given).digest();
  const right = createHash('sha256').update(expected).digest();
  return timingSafeEqual(left, right);
}

function requireAdmin(token: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const given = header.replace(/^Bearer\s+/i, '').trim();
    if (!given || !tokensEqual(given, token))
      throw new FlowrunError('UNAUTHORIZED', 'Admin routes need Authorization: Bearer $FLOWRUN_ADMIN_TOKEN');
  };
}

/**
 * Operator routes. They exist only when FLOWRUN_ADMIN_TOKEN is set, and live in their own encapsulated plugin
 * whose hook checks the token on the matched route, so no spelling of the URL (percent-encoding, doubled
 * slashes, dot segments, absolute-form targets) can reach them with a tenant key.
 */
export function registerAdminRoutes(app: ZodApp, deps: AppDeps): void {
  const token = deps.settings.adminToken;
  if (!token) return;
  void app.register(async (admin) => {
    admin.addHook('onRequest', requireAdmin(token));
    admin.post(
      '/admin/credits',
      { config: { access: 'admin' }, schema: { body: describedBody(TopUpBody), response: describedResponses({ 200: TopUp }) } },
      async (request) => {
        const body = parseInput(TopUpBody, request.body);
        const now = new Date(deps.clock.now()).toISOString();
        const balance = await deps.store.addCredits(
          { tenantId: body.tenantId, mode: body.mode },
          body.amount,
          { id: deps.ids.next('ledger'), now, reason: body.reason },
          deps.settings.initialCredits,
        );
        return { tenantId: body.tenantId, mode: body.mode, creditsLeft: balance };
      },
    );
    // A tenant's ceiling: what its keys may ask for, and what they may do together.
    admin.put(
      '/admin/tenants/:tenantId/limits',
      {
        config: { access: 'admin' },
        schema: {
          params: routeParams('tenantId'),
          body: describedBody(TenantLimitsBody),
          response: describedResponses({ 200: TenantLimitsAnswer }),
        },
      },
      async (request) => {
        const { mode, ...limits } = parseInput(TenantLimitsBody, request.body);
        const { tenantId } = request.params as { tenantId: string };
        const saved = await deps.store.setTenantLimits({ tenantId, mode }, limits, new Date(deps.clock.now()).toISOString());
        return { tenantId, mode, ...saved };
      },
    );
  });
}
