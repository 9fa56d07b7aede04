import type { TenantScope } from '../protocol/tenant.js';
import type { Usage } from '../protocol/usage.js';
import type { Database } from './database.js';
import { fromJson } from './json-column.js';

export interface RunLogEntry {
  id: string;
  flowId: string | null;
  flowName: string;
  status: string;
  customerId: string | null;
  tags: string[];
  creditsUsed: number;
  usage: Usage | null;
  createdAt: string;
  durationMs: number | null;
  meta: Record<string, unknown> | null;
}

export interface RunLogQuery {
  flowId?: string;
  tag?: string;
  customerId?: string;
  status?: string;
  from?: string;
  to?: string;
  limit: number;
  offset: number;
}

/** The filters runs are listed and summed by (PromptShuttle's run log, GET /v1/executions, the usage statistics). */
export function runFilters(db: Database, scope: TenantScope, query: Omit<RunLogQuery, 'limit' | 'offset'>) {
  let base = db.selectFrom('executions').where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);
  if (query.flowId) base = base.where('flow_id', '=', query.flowId);
  if (query.customerId) base = base.where('customer_id', '=', query.customerId);
  if (query.status) base = base.where('status', '=', query.status);
  // Times are compared as stored (ISO 8601 in UTC), so an offset a client sent is converted first.
  if (query.from) base = base.where('created_at', '>=', new Date(query.from).toISOString());
  if (query.to) base = base.where('created_at', '<', new Date(query.to).toISOString());
  // Tags are a JSON array of strings; matching the quoted tag finds it exactly.
  if (query.tag) base = base.where('tags', 'like', `%${JSON.stringify(query.tag).replace(/[%_]/g, '')}%`);
  return base;
}

export async function listRuns(db: Database, scope: TenantScope, query: RunLogQuery): Promise<{ items: RunLogEntry[]; total: number }> {
  const base = runFilters(db, scope, query);
  const [rows, count] = await Promise.all([
    base
      .select(['id', 'flow_id', 'flow_name', 'status', 'customer_id', 'tags', 'credits_used', 'usage', 'created_at', 'duration_ms', 'meta'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit)
      .offset(query.offset)
      .execute(),
    base.select((eb) => eb.fn.countAll().as('count')).executeTakeFirst(),
  ]);
  return {
    total: Number(count?.count ?? 0),
    items: rows.map((row) => ({
      id: row.id,
      flowId: row.flow_id,
      flowName: row.flow_name,
      status: row.status,
      customerId: row.customer_id,
      tags: fromJson<string[]>(row.tags) ?? [],
      creditsUsed: Number(row.credits_used ?? 0),
      usage: fromJson<Usage>(row.usage),
      createdAt: row.created_at,
      durationMs: row.duration_ms,
      meta: fromJson(row.meta),
    })),
  };
}

export type UsageGroup = 'customer' | 'tag' | 'flow' | 'model';

export interface UsageQuery {
  from?: string;
  to?: string;
  groupBy: UsageGroup;
  flowId?: string;
  customerId?: string;
  /** Totals per hour or per day (UTC) as well as per group: each entry then has its `period`'s start. */
  interval?: 'hour' | 'day';
}

interface UsageEntry {
  key: string;
  period?: string;
  runs: number;
  creditsUsed: number;
  costUsd: number;
  tokensIn: number;
  tokensOut: number;
  reasoningTokens: number;
}

/**
 * Usage totals for a time range, grouped by customer, tag, flow or model (a run with several tags counts for each;
 * by model, each model call counts its own tokens and cost, and a run's credits go to the run's first model).
 */
export async function usageTotals(db: Database, scope: TenantScope, query: UsageQuery): Promise<UsageEntry[]> {
  const rows = await runFilters(db, scope, query)
    .select(['id', 'customer_id', 'tags', 'flow_name', 'credits_used', 'usage', 'created_at'])
    .execute();
  const models =
    query.groupBy === 'model'
      ? await modelCalls(
          db,
          rows.map((row) => row.id),
        )
      : new Map<string, ModelCall[]>();
  const totals = new Map<string, UsageEntry>();
  const add = (key: string, period: string | undefined, usage: Usage | null, credits: number, run: boolean) => {
    const id = `${period ?? ''}\u0000${key}`;
    const entry = totals.get(id) ?? {
      key,
      ...(period ? { period } : {}),
      runs: 0,
      creditsUsed: 0,
      costUsd: 0,
      tokensIn: 0,
      tokensOut: 0,
      reasoningTokens: 0,
    };
    if (run) entry.runs++;
    entry.creditsUsed += credits;
    entry.costUsd = Math.round((entry.costUsd + (usage?.costUsd ?? 0)) * 1e9) / 1e9;
    entry.tokensIn += usage?.inputTokens ?? 0;
    entry.tokensOut += usage?.outputTokens ?? 0;
    entry.reasoningTokens += usage?.reasoningTokens ?? 0;
    totals.set(id, entry);
  };
  for (const row of rows) {
    const period = query.interval ? periodOf(row.created_at, query.interval) : undefined;
    const credits = Number(row.credits_used ?? 0);
    if (query.groupBy === 'model') {
      const calls = models.get(row.id) ?? [];
      if (calls.length === 0) add('(no model)', period, fromJson<Usage>(row.usage), credits, true);
      calls.forEach((call, index) =>
        add(call.model, period, call.usage, index === 0 ? credits : 0, calls.findIndex((other) => other.model === call.model) === index),
      );
      continue;
    }
    const keys =
      query.groupBy === 'customer'
        ? [row.customer_id ?? '(none)']
        : query.groupBy === 'flow'
          ? [row.flow_name]
          : (fromJson<string[]>(row.tags) ?? []);
    for (const key of keys.length ? keys : ['(none)']) add(key, period, fromJson<Usage>(row.usage), credits, true);
  }
  return [...totals.values()].sort(
    (a, b) =>
      (a.period ?? '').localeCompare(b.period ?? '') ||
      b.creditsUsed - a.creditsUsed ||
      b.costUsd - a.costUsd ||
      a.key.localeCompare(b.key),
  );
}

/** The start (UTC) of the hour or day `iso` falls in. */
function periodOf(iso: string, interval: 'hour' | 'day'): string {
  const date = new Date(iso);
  if (interval === 'day') date.setUTCHours(0, 0, 0, 0);
  else date.setUTCMinutes(0, 0, 0);
  return date.toISOString();
}

interface ModelCall {
  model: string;
  usage: Usage | null;
}

/** Each run's model calls (the steps' `responses`), read in slices so a long range does not build one huge query. */
async function modelCalls(db: Database, executionIds: string[]): Promise<Map<string, ModelCall[]>> {
  const calls = new Map<string, ModelCall[]>();
  for (let start = 0; start < executionIds.length; start += 500) {
    const steps = await db
      .selectFrom('execution_steps')
      .select(['execution_id', 'responses'])
      .where('execution_id', 'in', executionIds.slice(start, start + 500))
      .where('responses', 'is not', null)
      .orderBy('execution_id')
      .orderBy('step_index')
      .execute();
    for (const step of steps) {
      const list = calls.get(step.execution_id) ?? [];
      for (const response of fromJson<Array<{ model: string; usage?: Usage }>>(step.responses) ?? [])
        list.push({ model: response.model, usage: response.usage ?? null });
      calls.set(step.execution_id, list);
    }
  }
  return calls;
}
