import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';

/** `active`: has a value and resolves; `pending`: created without a value yet; `revoked`: kept, but never resolves. */
export type ManagedSecretStatus = 'active' | 'pending' | 'revoked';

/** What is said about a managed secret: everything but its value (which only the vault's sealed text holds). */
export interface ManagedSecret {
  id: string;
  key: string;
  description: string | null;
  valuePreview: string | null;
  status: ManagedSecretStatus;
  version: number;
  lastRotatedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A secret as a run needs it: its key, status and sealed value (opened by the caller, in memory only). */
export interface SealedSecret {
  key: string;
  status: ManagedSecretStatus;
  valueSealed: string | null;
}

type Row = {
  id: string;
  key: string;
  description: string | null;
  value_preview: string | null;
  status: string;
  version: number;
  last_rotated_at: string | null;
  created_at: string;
  updated_at: string;
};

const metadataOf = (row: Row): ManagedSecret => ({
  id: row.id,
  key: row.key,
  description: row.description,
  valuePreview: row.value_preview,
  status: row.status as ManagedSecretStatus,
  version: Number(row.version),
  lastRotatedAt: row.last_rotated_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const metadataColumns = [
  'id',
  'key',
  'description',
  'value_preview',
  'status',
  'version',
  'last_rotated_at',
  'created_at',
  'updated_at',
] as const;

/** The tenant's secrets (this mode), by key. */
export async function listSecrets(db: Database, scope: TenantScope): Promise<ManagedSecret[]> {
  const rows = await db
    .selectFrom('managed_secrets')
    .select(metadataColumns)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .orderBy('key')
    .execute();
  return rows.map(metadataOf);
}

/** One secret by id or by key; null when this tenant and mode has none. */
export async function getSecret(db: Database, scope: TenantScope, idOrKey: string): Promise<ManagedSecret | null> {
  const row = await db
    .selectFrom('managed_secrets')
    .select(metadataColumns)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where((where) => where.or([where('id', '=', idOrKey), where('key', '=', idOrKey)]))
    .executeTakeFirst();
  return row ? metadataOf(row) : null;
}

export interface NewSecret {
  id: string;
  key: string;
  description: string | null;
  valueSealed: string | null;
  valuePreview: string | null;
  now: string;
}

/** Creates a secret; null when the key is taken in this tenant and mode (the unique key decides a race). */
export async function insertSecret(db: Database, scope: TenantScope, secret: NewSecret): Promise<ManagedSecret | null> {
  if (await getSecret(db, scope, secret.key)) return null;
  const row: Row = {
    id: secret.id,
    key: secret.key,
    description: secret.description,
    value_preview: secret.valuePreview,
    status: secret.valueSealed === null ? 'pending' : 'active',
    version: 1,
    last_rotated_at: null,
    created_at: secret.now,
    updated_at: secret.now,
  };
  try {
    await db
      .insertInto('managed_secrets')
      .values({ ...row, tenant_id: scope.tenantId, mode: scope.mode, value_sealed: secret.valueSealed })
      .execute();
  } catch (error) {
    if (await getSecret(db, scope, secret.key)) return null;
    throw error;
  }
  return metadataOf(row);
}

export interface SecretChange {
  description?: string;
  /** A new value, sealed: a rotation (the version goes up, the secret becomes active). */
  value?: { sealed: string; preview: string };
  status?: 'active' | 'revoked';
  /** The version the caller last saw: the change is refused when the secret moved on since. */
  expectedVersion?: number;
  now: string;
}

/**
 * Changes a secret's description, value or status. A new value bumps the version and `lastRotatedAt`. Returns
 * null when there is no such secret, 'version_mismatch' when `expectedVersion` is not its version (checked in the
 * update itself, so two rotations racing cannot both win).
 */
export async function updateSecret(
  db: Database,
  scope: TenantScope,
  idOrKey: string,
  change: SecretChange,
): Promise<ManagedSecret | 'version_mismatch' | null> {
  const current = await getSecret(db, scope, idOrKey);
  if (!current) return null;
  if (change.expectedVersion !== undefined && change.expectedVersion !== current.version) return 'version_mismatch';
  const status = nextStatus(current, change);
  const result = await db
    .updateTable('managed_secrets')
    .set({
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.value
        ? {
            value_sealed: change.value.sealed,
            value_preview: change.value.preview,
            version: current.version + 1,
            last_rotated_at: change.now,
          }
        : {}),
      status,
      updated_at: change.now,
    })
    .where('id', '=', current.id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('version', '=', current.version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return 'version_mismatch';
  return getSecret(db, scope, current.id);
}

/** A new value makes a pending secret active; a pending one cannot be made active without one. */
function nextStatus(current: ManagedSecret, change: SecretChange): ManagedSecretStatus {
  const wanted = change.status ?? current.status;
  if (change.value) return wanted === 'pending' ? 'active' : wanted;
  return wanted === 'active' && current.status === 'pending' ? 'pending' : wanted;
}

/** Deletes a secret; false when there was none. */
export async function deleteSecret(db: Database, scope: TenantScope, idOrKey: string): Promise<boolean> {
  const current = await getSecret(db, scope, idOrKey);
  if (!current) return false;
  const result = await db
    .deleteFrom('managed_secrets')
    .where('id', '=', current.id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The named secrets this tenant and mode has, sealed, in any status (keys it has not are left out). */
export async function findSealedSecrets(db: Database, scope: TenantScope, keys: string[]): Promise<SealedSecret[]> {
  if (keys.length === 0) return [];
  const rows = await db
    .selectFrom('managed_secrets')
    .select(['key', 'status', 'value_sealed'])
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('key', 'in', keys)
    .execute();
  return rows.map((row) => ({ key: row.key, status: row.status as ManagedSecretStatus, valueSealed: row.value_sealed }));
}
