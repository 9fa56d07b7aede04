import type { RecordData } from '../protocol/record.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';
import { fromJson, toJson } from './json-column.js';

export async function getRecord(db: Database, scope: TenantScope, id: string): Promise<RecordData | null> {
  const row = await db.selectFrom('records').selectAll().where('id', '=', id).where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode).executeTakeFirst();
  return row ? { id: row.id, name: row.name, type: row.type, metadata: fromJson(row.metadata) ?? {}, created: false } : null;
}

export async function createRecord(db: Database, scope: TenantScope, record: Omit<RecordData, 'id' | 'created'>, id: string, now: string): Promise<RecordData> {
  await db.insertInto('records').values({
    id, tenant_id: scope.tenantId, mode: scope.mode, name: record.name, type: record.type, metadata: toJson(record.metadata), created_at: now, updated_at: now,
  }).execute();
  return { ...record, id, created: true };
}

export async function updateRecordMetadata(db: Database, scope: TenantScope, id: string, metadata: Record<string, unknown>, now: string): Promise<void> {
  await db.updateTable('records').set({ metadata: toJson(metadata), updated_at: now })
    .where('id', '=', id).where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode).execute();
}
