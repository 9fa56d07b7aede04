import type { Store } from '../store/store.js';
import type { FastifyRequest } from 'fastify';
import { FlowrunError } from '../protocol/errors.js';
import type { TenantScope } from '../protocol/tenant.js';
import { hashKey } from '../store/keys-repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    scope: TenantScope;
  }
}

/**
 * Resolves `Authorization: Bearer tv_test_…|tv_live_…` (the `Bearer` word is optional, as in Runtype's own
 * curl examples) to a tenant and mode. Verified keys are cached by hash for `ttlMs`.
 */
export interface Caller {
  scope: TenantScope;
  /** Requests per minute this key may send (0: no limit). */
  rateLimitPerMinute: number;
}

const createKeyHint = 'Create one on the server with `npx flowrun keys create` (it prints the key once).';

export function createAuthenticator(
  store: Store,
  ttlMs: number,
  now: () => number,
  defaults: { rateLimitPerMinute: number; maxRunsInFlight: number },
) {
  const cache = new Map<string, { caller: Caller; expires: number }>();
  return async (request: FastifyRequest): Promise<Caller> => {
    const header = request.headers.authorization;
    if (!header) throw new FlowrunError('UNAUTHORIZED', `Missing API key: send Authorization: Bearer <key>. ${createKeyHint}`);
    const key = header.replace(/^Bearer\s+/i, '').trim();
    if (!/^tv_(test|live)_[A-Za-z0-9]{32,200}$/.test(key))
      throw new FlowrunError('UNAUTHORIZED', `Invalid API key: a Flowrun key starts with tv_test_ or tv_live_. ${createKeyHint}`);
    const hash = hashKey(key);
    const cached = cache.get(hash);
    if (cached && cached.expires > now()) return cached.caller;
    const found = await store.findActiveKey(key);
    if (!found) {
      cache.delete(hash);
      throw new FlowrunError('UNAUTHORIZED', `Invalid API key: this server knows no such key, or it was revoked. ${createKeyHint}`);
    }
    const caller: Caller = {
      scope: {
        tenantId: found.tenantId,
        mode: found.mode,
        keyId: found.id,
        maxRunsInFlight: found.maxRunsInFlight ?? defaults.maxRunsInFlight,
      },
      rateLimitPerMinute: found.rateLimitPerMinute ?? defaults.rateLimitPerMinute,
    };
    if (cache.size > 10_000) cache.clear();
    cache.set(hash, { caller, expires: now() + ttlMs });
    return caller;
  };
}
