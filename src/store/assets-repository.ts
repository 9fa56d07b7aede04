import type { AssetVisibility } from '../protocol/asset.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';

/** Where an asset's bytes are: in its row, in a folder, or in an S3-compatible bucket. */
export type AssetStorage = 'database' | 'folder' | 's3';

/** An asset's row without its bytes. */
export interface AssetRow {
  id: string;
  tenantId: string;
  mode: TenantScope['mode'];
  fileName: string;
  contentType: string;
  size: number;
  visibility: AssetVisibility;
  storage: AssetStorage;
  storageKey: string | null;
  executionId: string | null;
  createdAt: string;
}

const columns = [
  'id',
  'tenant_id',
  'mode',
  'file_name',
  'content_type',
  'size',
  'visibility',
  'storage',
  'storage_key',
  'execution_id',
  'created_at',
] as const;

type Row = {
  id: string;
  tenant_id: string;
  mode: string;
  file_name: string;
  content_type: string;
  size: number;
  visibility: string;
  storage: string;
  storage_key: string | null;
  execution_id: string | null;
  created_at: string;
};

const toAsset = (row: Row): AssetRow => ({
  id: row.id,
  tenantId: row.tenant_id,
  mode: row.mode as TenantScope['mode'],
  fileName: row.file_name,
  contentType: row.content_type,
  size: Number(row.size),
  visibility: row.visibility as AssetVisibility,
  storage: row.storage as AssetStorage,
  storageKey: row.storage_key,
  executionId: row.execution_id,
  createdAt: row.created_at,
});

/** Stores an asset's row; `content` is its bytes when the database holds them (null otherwise). */
export async function insertAsset(
  db: Database,
  asset: Omit<AssetRow, 'tenantId' | 'mode'> & { scope: TenantScope; content: Uint8Array | null },
): Promise<AssetRow> {
  await db
    .insertInto('assets')
    .values({
      id: asset.id,
      tenant_id: asset.scope.tenantId,
      mode: asset.scope.mode,
      file_name: asset.fileName,
      content_type: asset.contentType,
      size: asset.size,
      visibility: asset.visibility,
      storage: asset.storage,
      storage_key: asset.storageKey,
      content: asset.content === null ? null : Buffer.from(asset.content.buffer, asset.content.byteOffset, asset.content.byteLength),
      execution_id: asset.executionId,
      created_at: asset.createdAt,
    })
    .execute();
  const { scope, content: _content, ...rest } = asset;
  return { ...rest, tenantId: scope.tenantId, mode: scope.mode };
}

/** The tenant's asset (this mode); null when it has none with that id. */
export async function getAsset(db: Database, scope: TenantScope, id: string): Promise<AssetRow | null> {
  const row = await db
    .selectFrom('assets')
    .select(columns)
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return row ? toAsset(row) : null;
}

/** An asset by id alone, whoever owns it: only for a signed public URL, whose signature names the id. */
export async function getAssetById(db: Database, id: string): Promise<AssetRow | null> {
  const row = await db.selectFrom('assets').select(columns).where('id', '=', id).executeTakeFirst();
  return row ? toAsset(row) : null;
}

/** The bytes an asset's row holds (null when they are in a folder or bucket, or the asset is gone). */
export async function readAssetContent(db: Database, id: string): Promise<Uint8Array | null> {
  const row = await db.selectFrom('assets').select('content').where('id', '=', id).executeTakeFirst();
  return row?.content ? new Uint8Array(row.content) : null;
}

/** A page of the tenant's assets, newest first, with how many there are in all. */
export async function listAssets(
  db: Database,
  scope: TenantScope,
  page: { limit: number; offset: number },
): Promise<{ items: AssetRow[]; total: number }> {
  const scoped = db.selectFrom('assets').where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);
  const rows = await scoped
    .select(columns)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const counted = await scoped.select((builder) => builder.fn.countAll<number>().as('count')).executeTakeFirst();
  return { items: rows.map(toAsset), total: Number(counted?.count ?? 0) };
}

/** Deletes the tenant's asset; answers its row (to remove its bytes from a folder or bucket), null when there was none. */
export async function deleteAsset(db: Database, scope: TenantScope, id: string): Promise<AssetRow | null> {
  const row = await db
    .deleteFrom('assets')
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .returning(columns)
    .executeTakeFirst();
  return row ? toAsset(row) : null;
}
