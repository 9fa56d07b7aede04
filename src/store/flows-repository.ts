import { createHash } from 'node:crypto';
import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';
import { fromJson, toJson } from './json-column.js';

/** What a flow version stores: the definition as received (steps validated again at each run). */
export interface StoredFlowDefinition {
  name: string;
  description?: string;
  steps: unknown[];
}

export interface StoredFlow {
  id: string;
  name: string;
  description: string | null;
  versionId: string;
  version: number;
  definition: StoredFlowDefinition;
}

export function definitionHash(definition: StoredFlowDefinition): string {
  return createHash('sha256').update(stableStringify(definition)).digest('hex');
}

export async function getFlow(db: Database, scope: TenantScope, flowId: string, versionId?: string): Promise<StoredFlow | null> {
  const flow = await db.selectFrom('flows').selectAll().where('id', '=', flowId).where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode).executeTakeFirst();
  if (!flow) return null;
  const version = await db.selectFrom('flow_versions').selectAll()
    .where('flow_id', '=', flow.id)
    .where('id', '=', versionId ?? flow.current_version_id ?? '')
    .executeTakeFirst();
  if (!version) return null;
  return { id: flow.id, name: flow.name, description: flow.description, versionId: version.id, version: version.version, definition: fromJson<StoredFlowDefinition>(version.definition)! };
}

export async function findFlowByName(db: Database, scope: TenantScope, name: string): Promise<StoredFlow | null> {
  const flow = await db.selectFrom('flows').select('id').where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode).where('name', '=', name)
    .orderBy('created_at', 'desc').executeTakeFirst();
  return flow ? getFlow(db, scope, flow.id) : null;
}

export async function createFlow(
  db: Database, scope: TenantScope, definition: StoredFlowDefinition, ids: { flowId: string; versionId: string }, now: string,
): Promise<StoredFlow> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('flows').values({
      id: ids.flowId, tenant_id: scope.tenantId, mode: scope.mode, name: definition.name, description: definition.description ?? null,
      current_version_id: ids.versionId, created_at: now, updated_at: now,
    }).execute();
    await trx.insertInto('flow_versions').values({
      id: ids.versionId, flow_id: ids.flowId, version: 1, definition: toJson(definition), definition_hash: definitionHash(definition), created_at: now,
    }).execute();
  });
  return { id: ids.flowId, name: definition.name, description: definition.description ?? null, versionId: ids.versionId, version: 1, definition };
}

/** Adds a version and makes it current, unless the definition is unchanged (then the current one is returned). */
export async function upsertFlowVersion(db: Database, flow: StoredFlow, definition: StoredFlowDefinition, versionId: string, now: string): Promise<StoredFlow> {
  if (definitionHash(flow.definition) === definitionHash(definition)) return flow;
  const version = flow.version + 1;
  await db.transaction().execute(async (trx) => {
    const latest = await trx.selectFrom('flow_versions').select((eb) => eb.fn.max('version').as('max')).where('flow_id', '=', flow.id).executeTakeFirst();
    const next = Math.max(version, Number(latest?.max ?? 0) + 1);
    await trx.insertInto('flow_versions').values({
      id: versionId, flow_id: flow.id, version: next, definition: toJson(definition), definition_hash: definitionHash(definition), created_at: now,
    }).execute();
    await trx.updateTable('flows').set({ current_version_id: versionId, description: definition.description ?? null, updated_at: now }).where('id', '=', flow.id).execute();
  });
  return { ...flow, versionId, version, definition, description: definition.description ?? null };
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined).sort().map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
