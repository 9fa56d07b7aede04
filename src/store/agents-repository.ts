import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';
import { fromJson, toJson } from './json-column.js';

export interface StoredAgent {
  id: string;
  name: string;
  description: string | null;
  /** The agent as the API received it (Runtype's shape), validated again when it runs. */
  definition: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

type Row = { id: string; name: string; description: string | null; definition: string; created_at: string; updated_at: string };
const toAgent = (row: Row): StoredAgent => ({
  id: row.id,
  name: row.name,
  description: row.description,
  definition: fromJson(row.definition) ?? {},
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});
const scoped = (db: Database, scope: TenantScope) =>
  db.selectFrom('agents').selectAll().where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);

export async function listAgents(db: Database, scope: TenantScope): Promise<StoredAgent[]> {
  return (await scoped(db, scope).orderBy('created_at').execute()).map(toAgent);
}

export async function getAgent(db: Database, scope: TenantScope, id: string): Promise<StoredAgent | null> {
  const row = await scoped(db, scope).where('id', '=', id).executeTakeFirst();
  return row ? toAgent(row) : null;
}

export async function insertAgent(
  db: Database,
  scope: TenantScope,
  agent: { name: string; description?: string; definition: Record<string, unknown> },
  id: string,
  now: string,
): Promise<StoredAgent> {
  await db
    .insertInto('agents')
    .values({
      id,
      tenant_id: scope.tenantId,
      mode: scope.mode,
      name: agent.name,
      description: agent.description ?? null,
      definition: toJson(agent.definition),
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id, name: agent.name, description: agent.description ?? null, definition: agent.definition, createdAt: now, updatedAt: now };
}

export async function updateAgent(
  db: Database,
  scope: TenantScope,
  id: string,
  agent: { name: string; description?: string; definition: Record<string, unknown> },
  now: string,
): Promise<void> {
  await db
    .updateTable('agents')
    .set({ name: agent.name, description: agent.description ?? null, definition: toJson(agent.definition), updated_at: now })
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .execute();
}

export async function deleteAgent(db: Database, scope: TenantScope, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('agents')
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
