import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';
import { fromJson, toJson } from './json-column.js';

export const builtInEnvironments = ['production', 'staging'];

export async function listEnvironments(db: Database, scope: TenantScope): Promise<string[]> {
  const rows = await db
    .selectFrom('environments')
    .select('name')
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .execute();
  return [...new Set([...builtInEnvironments, ...rows.map((row) => row.name)])].sort();
}

/** false when it exists already. */
export async function createEnvironment(db: Database, scope: TenantScope, name: string, now: string): Promise<boolean> {
  if (builtInEnvironments.includes(name)) return false;
  const result = await db
    .insertInto('environments')
    .values({ tenant_id: scope.tenantId, mode: scope.mode, name, created_at: now })
    .onConflict((conflict) => conflict.columns(['tenant_id', 'mode', 'name']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export interface AuditEntry {
  id: string;
  action: string;
  flowId: string | null;
  details: Record<string, unknown>;
  comment: string | null;
  createdAt: string;
}

export async function appendAudit(db: Database, scope: TenantScope, entry: Omit<AuditEntry, 'createdAt'>, now: string): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: entry.id,
      tenant_id: scope.tenantId,
      mode: scope.mode,
      action: entry.action,
      flow_id: entry.flowId,
      details: toJson(entry.details),
      comment: entry.comment,
      created_at: now,
    })
    .execute();
}

export async function listAudit(db: Database, scope: TenantScope, options: { flowId?: string; limit: number }): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);
  if (options.flowId) query = query.where('flow_id', '=', options.flowId);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map((row) => ({
    id: row.id,
    action: row.action,
    flowId: row.flow_id,
    details: fromJson(row.details) ?? {},
    comment: row.comment,
    createdAt: row.created_at,
  }));
}
