import type { Store } from '../store/store.js';
import type { FastifyRequest } from 'fastify';
import { FlowrunError } from '../protocol/errors.js';
import type { TenantScope } from '../protocol/tenant.js';
import { effectiveLimits, type EffectiveLimits, type LimitSettings } from '../runs/limits.js';
import { hashKey } from '../store/keys-repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    scope: TenantScope;
    /** What the calling key may do: its own limits, its tenant's together, and the ceiling of the keys it makes. */
    limits: EffectiveLimits;
  }
}

/**
 * Resolves `Authorization: Bearer tv_test_…|tv_live_…` (the `Bearer` word is optional, as in Runtype's own
 * curl examples) to a tenant and mode. Verified keys are cached by hash for `ttlMs`; `forget` drops a revoked
 * key at once (this process's revocations, and the other processes' as their relay reports them).
 */
export interface Caller {
  scope: TenantScope;
  limits: EffectiveLimits;
}

export interface Authenticator {
  (request: FastifyRequest): Promise<Caller>;
  forget(keyId: string): void;
}

// The server cannot know how its operator runs the CLI: `flowrun` installed, `npx flowrun` as a dependency, or the
// clone's own build (where `npx flowrun` would install the project into npm's cache instead of using it).
const createKeyHint =
  "Create one on the server with the CLI's `keys create` (in a clone of Flowrun: `node dist/cli/index.js keys create`); it prints the key once.";

export function createAuthenticator(store: Store, ttlMs: number, now: () => number, settings: LimitSettings): Authenticator {
  const cache = new Map<string, { caller: Caller; expires: number }>();
  const hashes = new Map<string, string>();
  const authenticate = async (request: FastifyRequest): Promise<Caller> => {
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
    const limits = effectiveLimits(found, await store.getTenantLimits(found.tenantId, found.mode), settings);
    const caller: Caller = {
      scope: {
        tenantId: found.tenantId,
        mode: found.mode,
        keyId: found.id,
        maxRunsInFlight: limits.key.maxRunsInFlight,
        tenantMaxRunsInFlight: limits.tenant.maxRunsInFlight,
      },
      limits,
    };
    if (cache.size > 10_000) {
      cache.clear();
      hashes.clear();
    }
    cache.set(hash, { caller, expires: now() + ttlMs });
    hashes.set(found.id, hash);
    return caller;
  };
  return Object.assign(authenticate, {
    forget(keyId: string) {
      const hash = hashes.get(keyId);
      if (hash === undefined) return;
      cache.delete(hash);
      hashes.delete(keyId);
    },
  });
}
