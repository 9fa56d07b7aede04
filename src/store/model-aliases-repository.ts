import type { TenantScope } from '../protocol/tenant.js';
import type { Database } from './database.js';
import { fromJson, toJson } from './json-column.js';

export type RoutingStrategy = 'Sequential' | 'Random' | 'WeightedRandom' | 'RoundRobin';

export interface ModelAlias {
  alias: string;
  models: string[];
  strategy: RoutingStrategy;
  weights: number[] | null;
}

type Row = { alias: string; models: string; strategy: string; weights: string | null };
const toAlias = (row: Row): ModelAlias => ({
  alias: row.alias,
  models: fromJson<string[]>(row.models) ?? [],
  strategy: row.strategy as RoutingStrategy,
  weights: fromJson<number[]>(row.weights),
});

export async function listAliases(db: Database, scope: TenantScope): Promise<ModelAlias[]> {
  const rows = await db
    .selectFrom('model_aliases')
    .selectAll()
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .orderBy('alias')
    .execute();
  return rows.map(toAlias);
}

export async function putAlias(db: Database, scope: TenantScope, alias: ModelAlias, now: string): Promise<void> {
  await db
    .insertInto('model_aliases')
    .values({
      tenant_id: scope.tenantId,
      mode: scope.mode,
      alias: alias.alias,
      models: toJson(alias.models),
      strategy: alias.strategy,
      weights: alias.weights ? toJson(alias.weights) : null,
      counter: 0,
      updated_at: now,
    })
    .onConflict((conflict) =>
      conflict.columns(['tenant_id', 'mode', 'alias']).doUpdateSet({
        models: toJson(alias.models),
        strategy: alias.strategy,
        weights: alias.weights ? toJson(alias.weights) : null,
        updated_at: now,
      }),
    )
    .execute();
}

export async function deleteAlias(db: Database, scope: TenantScope, alias: string): Promise<boolean> {
  const result = await db
    .deleteFrom('model_aliases')
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('alias', '=', alias)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/**
 * The models to try, in order, for `model`: itself when it is no alias; else the alias's models ordered by its
 * strategy (Sequential: as listed; Random: shuffled; WeightedRandom: the first drawn by weight, then the rest;
 * RoundRobin: rotated by a counter kept in the store). `random` is injected for tests.
 */
export async function resolveAlias(
  db: Database,
  scope: TenantScope,
  model: string,
  random: () => number = Math.random,
): Promise<string[] | null> {
  const row = await db
    .selectFrom('model_aliases')
    .selectAll()
    .where('tenant_id', '=', scope.tenantId)
    .where('mode', '=', scope.mode)
    .where('alias', '=', model)
    .executeTakeFirst();
  if (!row) return null;
  const alias = toAlias(row);
  const models = [...alias.models];
  switch (alias.strategy) {
    case 'Sequential':
      return models;
    case 'Random':
      for (let index = models.length - 1; index > 0; index--) {
        const other = Math.floor(random() * (index + 1));
        [models[index], models[other]] = [models[other]!, models[index]!];
      }
      return models;
    case 'WeightedRandom': {
      const weights = alias.weights ?? models.map(() => 1);
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      let draw = random() * total;
      let chosen = 0;
      for (; chosen < models.length - 1; chosen++) {
        draw -= weights[chosen] ?? 0;
        if (draw < 0) break;
      }
      return [models[chosen]!, ...models.filter((_, index) => index !== chosen)];
    }
    case 'RoundRobin': {
      const updated = await db
        .updateTable('model_aliases')
        .set((eb) => ({ counter: eb('counter', '+', 1) }))
        .where('tenant_id', '=', scope.tenantId)
        .where('mode', '=', scope.mode)
        .where('alias', '=', model)
        .returning('counter')
        .executeTakeFirst();
      const offset = ((updated?.counter ?? 1) - 1) % models.length;
      return [...models.slice(offset), ...models.slice(0, offset)];
    }
  }
}
