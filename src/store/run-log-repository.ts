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

function runFilters(db: Database, scope: TenantScope, query: Omit<RunLogQuery, 'limit' | 'offset'>) {
  let base = db.selectFrom('executions').where('tenant_id', '=', scope.tenantId).where('mode', '=', scope.mode);
  if (query.flowId) base = base.where('flow_id', '=', query.flowId);
  if (query.customerId) base = base.where('customer_id', '=', query.customerId);
  if (query.status) base = base.where('status', '=', query.status);
  if (query.from) base = base.where('created_at', '>=', query.from);
  if (query.to) base = base.where('created_at', '<', query.to);
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

/** Usage totals for a time range, grouped by customer or by tag (a run with several tags counts for each). */
export async function usageTotals(
  db: Database,
  scope: TenantScope,
  query: { from?: string; to?: string; groupBy: 'customer' | 'tag'; flowId?: string },
) {
  const rows = await runFilters(db, scope, query).select(['customer_id', 'tags', 'credits_used', 'usage']).execute();
  const totals = new Map<
    string,
    { key: string; runs: number; creditsUsed: number; costUsd: number; tokensIn: number; tokensOut: number; reasoningTokens: number }
  >();
  for (const row of rows) {
    const keys = query.groupBy === 'customer' ? [row.customer_id ?? '(none)'] : (fromJson<string[]>(row.tags) ?? ['(none)']);
    const usage = fromJson<Usage>(row.usage);
    for (const key of keys.length ? keys : ['(none)']) {
      const entry = totals.get(key) ?? { key, runs: 0, creditsUsed: 0, costUsd: 0, tokensIn: 0, tokensOut: 0, reasoningTokens: 0 };
      entry.runs++;
      entry.creditsUsed += Number(row.credits_used ?? 0);
      entry.costUsd = Math.round((entry.costUsd + (usage?.costUsd ?? 0)) * 1e9) / 1e9;
      entry.tokensIn += usage?.inputTokens ?? 0;
      entry.tokensOut += usage?.outputTokens ?? 0;
      entry.reasoningTokens += usage?.reasoningTokens ?? 0;
      totals.set(key, entry);
    }
  }
  return [...totals.values()].sort((a, b) => b.creditsUsed - a.creditsUsed || a.key.localeCompare(b.key));
}
