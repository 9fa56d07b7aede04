import { createHash } from 'node:crypto';
import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';
import { fromJson, toJson } from './json-column.js';

/** A flow version's content: dispatch-style `steps`, PromptShuttle-style `templates` with an `entrypoint`, or both. */
export interface StoredFlowDefinition {
  name: string;
  description?: string;
  steps?: unknown[];
  templates?: unknown[];
  entrypoint?: string;
}

export interface StoredFlow {
  id: string;
  slug: string | null;
  name: string;
  description: string | null;
  versionId: string;
  version: number;
  locked: boolean;
  definition: StoredFlowDefinition;
}

export interface FlowVersionInfo {
  id: string;
  version: number;
  locked: boolean;
  createdAt: string;
  environments: string[];
}

export function definitionHash(definition: StoredFlowDefinition): string {
  return createHash('sha256').update(stableStringify(definition)).digest('hex');
}

type FlowRow = { id: string; slug: string | null; name: string; description: string | null; current_version_id: string | null };

async function findFlowRow(db: Database, scope: TenantScope, idOrSlug: string): Promise<FlowRow | undefined> {
  return db
    .selectFrom('flows')
    .select(['id', 'slug', 'name', 'description', 'current_version_id'])
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
    .executeTakeFirst();
}

/** The flow (by id or slug) at `versionId`, or at its current version. */
export async function getFlow(db: Database, scope: TenantScope, idOrSlug: string, versionId?: string): Promise<StoredFlow | null> {
  const flow = await findFlowRow(db, scope, idOrSlug);
  if (!flow) return null;
  const version = await db
    .selectFrom('flow_versions')
    .selectAll()
    .where('flow_id', '=', flow.id)
    .where('id', '=', versionId ?? flow.current_version_id ?? '')
    .executeTakeFirst();
  if (!version) return null;
  return {
    id: flow.id,
    slug: flow.slug,
    name: flow.name,
    description: flow.description,
    versionId: version.id,
    version: version.version,
    locked: version.locked === 1,
    definition: fromJson<StoredFlowDefinition>(version.definition)!,
  };
}

/** The version active in `environment`, or null when none is. */
export async function getActiveVersionId(db: Database, flowId: string, environment: string): Promise<string | null> {
  const row = await db
    .selectFrom('flow_environments')
    .select('version_id')
    .where('flow_id', '=', flowId)
    .where('environment', '=', environment)
    .executeTakeFirst();
  return row?.version_id ?? null;
}

export async function findFlowByName(db: Database, scope: TenantScope, name: string): Promise<StoredFlow | null> {
  const flow = await db
    .selectFrom('flows')
    .select('id')
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('name', '=', name)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  return flow ? getFlow(db, scope, flow.id) : null;
}

export async function listFlows(
  db: Database,
  scope: TenantScope,
): Promise<
  Array<{
    id: string;
    slug: string | null;
    name: string;
    description: string | null;
    currentVersionId: string | null;
    createdAt: string;
    updatedAt: string;
  }>
> {
  const rows = await db
    .selectFrom('flows')
    .selectAll()
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    currentVersionId: row.current_version_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

export async function listVersions(db: Database, flowId: string): Promise<FlowVersionInfo[]> {
  const [versions, active] = await Promise.all([
    db
      .selectFrom('flow_versions')
      .select(['id', 'version', 'locked', 'created_at'])
      .where('flow_id', '=', flowId)
      .orderBy('version')
      .execute(),
    db.selectFrom('flow_environments').select(['environment', 'version_id']).where('flow_id', '=', flowId).execute(),
  ]);
  return versions.map((row) => ({
    id: row.id,
    version: row.version,
    locked: row.locked === 1,
    createdAt: row.created_at,
    environments: active
      .filter((entry) => entry.version_id === row.id)
      .map((entry) => entry.environment)
      .sort(),
  }));
}

export async function slugTaken(db: Database, scope: TenantScope, slug: string, exceptFlowId?: string): Promise<boolean> {
  let query = db
    .selectFrom('flows')
    .select('id')
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('slug', '=', slug);
  if (exceptFlowId) query = query.where('id', '!=', exceptFlowId);
  return (await query.executeTakeFirst()) !== undefined;
}

export async function createFlow(
  db: Database,
  scope: TenantScope,
  definition: StoredFlowDefinition,
  ids: { flowId: string; versionId: string },
  now: string,
  slug: string | null = null,
): Promise<StoredFlow> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('flows')
      .values({
        id: ids.flowId,
        slug,
        tenant_id: scope.tenantId,
        mode: scope.mode,
        name: definition.name,
        description: definition.description ?? null,
        current_version_id: ids.versionId,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx
      .insertInto('flow_versions')
      .values({
        id: ids.versionId,
        flow_id: ids.flowId,
        version: 1,
        definition: toJson(definition),
        definition_hash: definitionHash(definition),
        created_at: now,
        locked: 0,
      })
      .execute();
  });
  return {
    id: ids.flowId,
    slug,
    name: definition.name,
    description: definition.description ?? null,
    versionId: ids.versionId,
    version: 1,
    locked: false,
    definition,
  };
}

/**
 * Makes `definition` the flow's current content. Unchanged → the current version. A current version that is
 * not locked is edited in place; a locked one (it was activated somewhere) is never changed: a new version is
 * forked from it.
 */
export async function upsertFlowVersion(
  db: Database,
  flow: StoredFlow,
  definition: StoredFlowDefinition,
  versionId: string,
  now: string,
  options: { forkAlways?: boolean } = {},
): Promise<StoredFlow> {
  if (definitionHash(flow.definition) === definitionHash(definition)) return flow;
  if (!flow.locked && !options.forkAlways) {
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('flow_versions')
        .set({ definition: toJson(definition), definition_hash: definitionHash(definition) })
        .where('id', '=', flow.versionId)
        .where('locked', '=', 0)
        .execute();
      await trx
        .updateTable('flows')
        .set({ name: definition.name, description: definition.description ?? null, updated_at: now })
        .where('id', '=', flow.id)
        .execute();
    });
    return { ...flow, name: definition.name, description: definition.description ?? null, definition };
  }
  let version = flow.version + 1;
  await db.transaction().execute(async (trx) => {
    const latest = await trx
      .selectFrom('flow_versions')
      .select((eb) => eb.fn.max('version').as('max'))
      .where('flow_id', '=', flow.id)
      .executeTakeFirst();
    version = Math.max(version, Number(latest?.max ?? 0) + 1);
    await trx
      .insertInto('flow_versions')
      .values({
        id: versionId,
        flow_id: flow.id,
        version,
        definition: toJson(definition),
        definition_hash: definitionHash(definition),
        created_at: now,
        locked: 0,
      })
      .execute();
    await trx
      .updateTable('flows')
      .set({ current_version_id: versionId, name: definition.name, description: definition.description ?? null, updated_at: now })
      .where('id', '=', flow.id)
      .execute();
  });
  return { ...flow, versionId, version, locked: false, definition, name: definition.name, description: definition.description ?? null };
}

export async function updateFlowSlug(db: Database, flowId: string, slug: string | null, now: string): Promise<void> {
  await db.updateTable('flows').set({ slug, updated_at: now }).where('id', '=', flowId).execute();
}

export async function deleteFlow(db: Database, scope: TenantScope, flowId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .deleteFrom('flows')
      .where('id', '=', flowId)
      .where('tenant_id', '=', scope.tenantId)
      .where('mode', '=', scope.mode)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await trx.deleteFrom('flow_environments').where('flow_id', '=', flowId).execute();
    await trx.deleteFrom('flow_versions').where('flow_id', '=', flowId).execute();
    return true;
  });
}

/** Activates a version in an environment and locks it: from now on it is immutable. */
export async function activateVersion(
  db: Database,
  flowId: string,
  versionId: string,
  environment: string,
  now: string,
): Promise<string | null> {
  return db.transaction().execute(async (trx) => {
    const previous = await trx
      .selectFrom('flow_environments')
      .select('version_id')
      .where('flow_id', '=', flowId)
      .where('environment', '=', environment)
      .executeTakeFirst();
    await trx.updateTable('flow_versions').set({ locked: 1 }).where('id', '=', versionId).where('flow_id', '=', flowId).execute();
    await trx
      .insertInto('flow_environments')
      .values({ flow_id: flowId, environment, version_id: versionId, activated_at: now })
      .onConflict((conflict) => conflict.columns(['flow_id', 'environment']).doUpdateSet({ version_id: versionId, activated_at: now }))
      .execute();
    return previous?.version_id ?? null;
  });
}

/** What is active where, for every flow of the tenant (or the given ones). */
export async function listActivations(
  db: Database,
  scope: TenantScope,
  flowIds?: string[],
): Promise<Array<{ flowId: string; environment: string; versionId: string; activatedAt: string }>> {
  let query = db
    .selectFrom('flow_environments')
    .innerJoin('flows', 'flows.id', 'flow_environments.flow_id')
    .select([
      'flow_environments.flow_id as flowId',
      'flow_environments.environment',
      'flow_environments.version_id as versionId',
      'flow_environments.activated_at as activatedAt',
    ])
    .where('flows.tenant_id', '=', scope.tenantId)
    .where('flows.mode', '=', scope.mode);
  if (flowIds?.length) query = query.where('flows.id', 'in', flowIds);
  return query.execute();
}

export async function versionExists(db: Database, flowId: string, versionId: string): Promise<boolean> {
  return (
    (await db.selectFrom('flow_versions').select('id').where('flow_id', '=', flowId).where('id', '=', versionId).executeTakeFirst()) !==
    undefined
  );
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
