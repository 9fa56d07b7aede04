import { createHash, randomBytes } from 'node:crypto';
import { FlowrunError } from '../protocol/errors.js';
import type { KeyMode } from '../protocol/tenant.js';
import { isPostgres, type Database } from './database.js';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  mode: KeyMode;
  name: string | null;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
  /** This key's own limits; null takes the server's default (FLOWRUN_RATE_LIMIT_PER_MINUTE, FLOWRUN_MAX_RUNS_IN_FLIGHT). */
  rateLimitPerMinute: number | null;
  maxRunsInFlight: number | null;
  /** The key that made this one through the API; null for the operator's keys (the CLI). */
  createdByKeyId: string | null;
}

export type KeyLimits = Pick<ApiKeyInfo, 'rateLimitPerMinute' | 'maxRunsInFlight'>;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** 40 random base62 characters (~238 bits) after `tv_test_` / `tv_live_`. */
export function generateKey(mode: KeyMode): string {
  const bytes = randomBytes(64);
  let body = '';
  for (const byte of bytes) {
    if (byte >= 248) continue; // keep the distribution uniform over 62 symbols
    body += alphabet[byte % 62];
    if (body.length === 40) break;
  }
  return body.length === 40 ? `tv_${mode}_${body}` : generateKey(mode);
}

/** Stores only the key's SHA-256 and a display prefix; returns the full key, which is never retrievable again. */
export async function createApiKey(db: Database, options: NewKeyOptions): Promise<{ key: string; info: ApiKeyInfo }> {
  const key = generateKey(options.mode);
  const row = {
    id: options.id,
    tenant_id: options.tenantId,
    mode: options.mode,
    name: options.name ?? null,
    key_hash: hashKey(key),
    key_prefix: `${key.slice(0, 12)}…`,
    created_at: options.now,
    revoked_at: null,
    rate_limit_per_minute: options.limits?.rateLimitPerMinute ?? null,
    max_runs_in_flight: options.limits?.maxRunsInFlight ?? null,
    created_by_key_id: options.createdBy ?? null,
  };
  await db.insertInto('api_keys').values(row).execute();
  return { key, info: toInfo(row) };
}

export interface NewKeyOptions {
  tenantId: string;
  mode: KeyMode;
  name?: string;
  id: string;
  now: string;
  limits?: Partial<KeyLimits>;
  createdBy?: string;
}

/**
 * A key made by another key (`POST /v1/keys`), in one transaction: the maker must still be active in the store
 * (on PostgreSQL its row is locked, so a revocation and a creation by the revoked key are ordered; a key cached
 * by a process after its revocation cannot mint a survivor), and the tenant's live keys of this mode stay under
 * `maxKeys`. Throws UNAUTHORIZED for a revoked maker and QUOTA_EXCEEDED past the count.
 */
export async function createKeyByKey(
  db: Database,
  options: NewKeyOptions & { createdBy: string; maxKeys: number },
): Promise<{ key: string; info: ApiKeyInfo }> {
  return db.transaction().execute(async (trx) => {
    let maker = trx.selectFrom('api_keys').select('id').where('id', '=', options.createdBy).where('revoked_at', 'is', null);
    if (isPostgres(trx)) maker = maker.forUpdate();
    if (!(await maker.executeTakeFirst()))
      throw new FlowrunError('UNAUTHORIZED', 'Invalid API key: this key was revoked, so it cannot make keys');
    if (options.maxKeys > 0) {
      const live = await liveKeyCount(trx, options.tenantId, options.mode);
      if (live >= options.maxKeys)
        throw new FlowrunError(
          'QUOTA_EXCEEDED',
          `This tenant has ${live} active ${options.mode} keys, the most it may have; revoke one first (DELETE /v1/keys/{id})`,
          [{ code: 'QUOTA_EXCEEDED', path: 'keys', message: `at most ${options.maxKeys} active keys per tenant and mode` }],
        );
    }
    return createApiKey(trx, options);
  });
}

async function liveKeyCount(db: Database, tenantId: string, mode: KeyMode): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll().as('keys'))
    .where('tenant_id', '=', tenantId)
    .where('mode', '=', mode)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.keys ?? 0);
}

export async function findActiveKey(db: Database, key: string): Promise<ApiKeyInfo | null> {
  const row = await db
    .selectFrom('api_keys')
    .selectAll()
    .where('key_hash', '=', hashKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? toInfo(row) : null;
}

/** A key's own limits by id, revoked or not; null for no such key. */
export async function keyLimitsOf(db: Database, id: string): Promise<KeyLimits | null> {
  const row = await db
    .selectFrom('api_keys')
    .select(['rate_limit_per_minute', 'max_runs_in_flight'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return null;
  return {
    rateLimitPerMinute: row.rate_limit_per_minute === null ? null : Number(row.rate_limit_per_minute),
    maxRunsInFlight: row.max_runs_in_flight === null ? null : Number(row.max_runs_in_flight),
  };
}

/** Whether any key (even revoked) was ever created: a new server has none, and says how to make one. */
export async function hasApiKeys(db: Database): Promise<boolean> {
  return (await db.selectFrom('api_keys').select('id').limit(1).executeTakeFirst()) !== undefined;
}

export async function listApiKeys(db: Database, tenantId?: string): Promise<ApiKeyInfo[]> {
  let query = db.selectFrom('api_keys').selectAll().orderBy('created_at');
  if (tenantId) query = query.where('tenant_id', '=', tenantId);
  return (await query.execute()).map(toInfo);
}

/** Sets a key's own limits (null: back to the server's defaults); false when no key has that id. */
export async function setKeyLimits(db: Database, id: string, limits: Partial<KeyLimits>): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({
      ...(limits.rateLimitPerMinute !== undefined ? { rate_limit_per_minute: limits.rateLimitPerMinute } : {}),
      ...(limits.maxRunsInFlight !== undefined ? { max_runs_in_flight: limits.maxRunsInFlight } : {}),
    })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes by id; returns false when no active key has that id. */
export async function revokeApiKey(db: Database, id: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

function toInfo(row: {
  id: string;
  tenant_id: string;
  mode: KeyMode;
  name: string | null;
  key_prefix: string;
  created_at: string;
  revoked_at: string | null;
  rate_limit_per_minute: number | null;
  max_runs_in_flight: number | null;
  created_by_key_id: string | null;
}): ApiKeyInfo {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    mode: row.mode,
    name: row.name,
    prefix: row.key_prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    rateLimitPerMinute: row.rate_limit_per_minute === null ? null : Number(row.rate_limit_per_minute),
    maxRunsInFlight: row.max_runs_in_flight === null ? null : Number(row.max_runs_in_flight),
    createdByKeyId: row.created_by_key_id,
  };
}
