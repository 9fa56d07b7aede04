import type { RecordData } from '../protocol/record.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';
import { fromJson, toJson } from './json-column.js';

export async function getRecord(db: Database, scope: TenantScope, id: string): Promise<RecordData | null> {
  const row = await db
    .selectFrom('records')
    .selectAll()
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function createRecord(
  db: Database,
  scope: TenantScope,
  record: Omit<RecordData, 'id' | 'created'>,
  id: string,
  now: string,
): Promise<RecordData> {
  await db
    .insertInto('records')
    .values({
      id,
      tenant_id: scope.tenantId,
      mode: scope.mode,
      name: record.name,
      type: record.type,
      metadata: toJson(record.metadata),
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { ...record, id, created: true, createdAt: now, updatedAt: now };
}

export async function updateRecordMetadata(
  db: Database,
  scope: TenantScope,
  id: string,
  metadata: Record<string, unknown>,
  now: string,
): Promise<void> {
  await db
    .updateTable('records')
    .set({ metadata: toJson(metadata), updated_at: now })
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .execute();
}

const scopedRecords = (db: Database, scope: TenantScope) =>
  db.selectFrom('records').selectAll().where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);
const toRecord = (row: {
  id: string;
  name: string;
  type: string;
  metadata: string;
  created_at: string;
  updated_at: string;
}): RecordData => ({
  id: row.id,
  name: row.name,
  type: row.type,
  metadata: fromJson(row.metadata) ?? {},
  created: false,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export interface RecordQuery {
  type?: string;
  name?: string;
  limit: number;
  offset: number;
}

export async function listRecords(db: Database, scope: TenantScope, query: RecordQuery): Promise<{ items: RecordData[]; total: number }> {
  let base = db.selectFrom('records').where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);
  if (query.type) base = base.where('type', '=', query.type);
  if (query.name) base = base.where('name', '=', query.name);
  const [rows, count] = await Promise.all([
    base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute(),
    base.select((eb) => eb.fn.countAll().as('count')).executeTakeFirst(),
  ]);
  return { items: rows.map(toRecord), total: Number(count?.count ?? 0) };
}

/** The newest record of a type and name. */
export async function findRecord(
  db: Database,
  scope: TenantScope,
  type: string | undefined,
  name: string | undefined,
): Promise<RecordData | null> {
  let query = scopedRecords(db, scope);
  if (type) query = query.where('type', '=', type);
  if (name) query = query.where('name', '=', name);
  const row = await query.orderBy('created_at', 'desc').executeTakeFirst();
  return row ? toRecord(row) : null;
}

export async function updateRecord(
  db: Database,
  scope: TenantScope,
  id: string,
  changes: { name?: string; type?: string; metadata?: Record<string, unknown> },
  now: string,
): Promise<RecordData | null> {
  const result = await db
    .updateTable('records')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.type !== undefined ? { type: changes.type } : {}),
      ...(changes.metadata !== undefined ? { metadata: toJson(changes.metadata) } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0 ? getRecord(db, scope, id) : null;
}

export async function deleteRecord(db: Database, scope: TenantScope, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('records')
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
