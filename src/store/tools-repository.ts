import type { ResolvedTool } from '../engine/ports.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';
import { fromJson, toJson } from './json-column.js';

export interface StoredTool extends ResolvedTool {
  createdAt: string;
  updatedAt: string;
}

type Row = {
  id: string;
  name: string;
  description: string;
  tool_type: string;
  parameters_schema: string;
  config: string;
  created_at: string;
  updated_at: string;
};

function toTool(row: Row): StoredTool {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    toolType: row.tool_type as ResolvedTool['toolType'],
    parametersSchema: fromJson(row.parameters_schema) ?? {},
    config: fromJson(row.config) ?? {},
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const scoped = (db: Database, scope: TenantScope) =>
  db.selectFrom('tools').selectAll().where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);

export async function listTools(db: Database, scope: TenantScope): Promise<StoredTool[]> {
  return (await scoped(db, scope).orderBy('name').execute()).map(toTool);
}

export async function getTool(db: Database, scope: TenantScope, idOrName: string): Promise<StoredTool | null> {
  const row = await scoped(db, scope)
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
  return row ? toTool(row) : null;
}

/** The saved tools among `idsOrNames`, keyed by both id and name. */
export async function findTools(db: Database, scope: TenantScope, idsOrNames: string[]): Promise<Record<string, StoredTool>> {
  if (idsOrNames.length === 0) return {};
  const rows = await scoped(db, scope)
    .where((eb) => eb.or([eb('id', 'in', idsOrNames), eb('name', 'in', idsOrNames)]))
    .execute();
  const found: Record<string, StoredTool> = {};
  for (const tool of rows.map(toTool)) {
    found[tool.id] = tool;
    found[tool.name] = tool;
  }
  return found;
}

export async function insertTool(
  db: Database,
  scope: TenantScope,
  tool: Omit<ResolvedTool, 'id'>,
  id: string,
  now: string,
): Promise<StoredTool> {
  await db
    .insertInto('tools')
    .values({
      id,
      tenant_id: scope.tenantId,
      mode: scope.mode,
      name: tool.name,
      description: tool.description,
      tool_type: tool.toolType,
      parameters_schema: toJson(tool.parametersSchema),
      config: toJson(tool.config),
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { ...tool, id, createdAt: now, updatedAt: now };
}

export async function updateTool(db: Database, scope: TenantScope, id: string, tool: Omit<ResolvedTool, 'id'>, now: string): Promise<void> {
  await db
    .updateTable('tools')
    .set({
      name: tool.name,
      description: tool.description,
      tool_type: tool.toolType,
      parameters_schema: toJson(tool.parametersSchema),
      config: toJson(tool.config),
      updated_at: now,
    })
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .execute();
}

export async function deleteTool(db: Database, scope: TenantScope, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('tools')
    .where('id', '=', id)
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
