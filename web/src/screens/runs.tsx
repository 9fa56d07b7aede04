import type { Execution } from '@flowrun/client';
import { useSession } from '../app';
import { useDebounced, useLoad } from '../hooks';
import { Link, navigate, useLocation } from '../router';
import { Async, Empty, formatDuration, formatNumber, formatTime, formatUsd, PageHeader, Pager, StatusBadge } from '../ui';

const pageSize = 50;
const statuses = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'];

/** A `datetime-local` value (the browser's zone) as ISO 8601, or undefined. */
const toIso = (local: string | null) => (local ? new Date(local).toISOString() : undefined);

/** The runs, newest first, a page at a time (the server pages: ten thousand runs cost one page). Filters live in the URL. */
export function RunsScreen() {
  const { client } = useSession();
  const { query } = useLocation();
  const filters = {
    flowId: query.get('flow') ?? '',
    status: query.get('status') ?? '',
    tag: query.get('tag') ?? '',
    customerId: query.get('customer') ?? '',
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
  };
  const offset = Number(query.get('offset') ?? 0) || 0;
  const tag = useDebounced(filters.tag, 300);
  const customer = useDebounced(filters.customerId, 300);
  const flows = useLoad(async () => (await client.flows.list()).data as Array<{ id: string; name: string }>, []);
  const runs = useLoad(
    () =>
      client.executions.list({
        flowId: filters.flowId || undefined,
        status: filters.status || undefined,
        tag: tag || undefined,
        customerId: customer || undefined,
        from: toIso(filters.from),
        to: toIso(filters.to),
        limit: pageSize,
        offset,
      }),
    [filters.flowId, filters.status, tag, customer, filters.from, filters.to, offset],
  );
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== 'offset') next.delete('offset');
    navigate(`/runs${next.size ? `?${next}` : ''}`, { replace: true });
  };
  return (
    <>
      <PageHeader title="Runs">
        <button type="button" className="secondary" onClick={runs.reload}>
          Refresh
        </button>
      </PageHeader>
      <form className="toolbar" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <div>
          <label htmlFor="f-flow">Flow</label>
          <select id="f-flow" value={filters.flowId} onChange={(event) => set('flow', event.target.value)}>
            <option value="">all</option>
            {(flows.data ?? []).map((flow) => (
              <option key={flow.id} value={flow.id}>
                {flow.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-status">Status</label>
          <select id="f-status" value={filters.status} onChange={(event) => set('status', event.target.value)}>
            <option value="">all</option>
            {statuses.map((status) => (
              <option key={status}>{status}</option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="f-tag">Tag</label>
          <input id="f-tag" size={10} value={filters.tag} onChange={(event) => set('tag', event.target.value)} />
        </div>
        <div>
          <label htmlFor="f-customer">Customer</label>
          <input id="f-customer" size={12} value={filters.customerId} onChange={(event) => set('customer', event.target.value)} />
        </div>
        <div>
          <label htmlFor="f-from">From</label>
          <input id="f-from" type="datetime-local" value={filters.from} onChange={(event) => set('from', event.target.value)} />
        </div>
        <div>
          <label htmlFor="f-to">To</label>
          <input id="f-to" type="datetime-local" value={filters.to} onChange={(event) => set('to', event.target.value)} />
        </div>
      </form>
      <Async state={runs} what="runs">
        {(page) =>
          page.data.length === 0 ? (
            <Empty>
              {offset > 0 || Object.values(filters).some(Boolean)
                ? 'No run matches these filters.'
                : 'No runs yet. Start one in the playground.'}
            </Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table aria-label="Runs">
                  <thead>
                    <tr>
                      <th>Started</th>
                      <th>Flow</th>
                      <th>Status</th>
                      <th className="num">Duration</th>
                      <th className="num hide-narrow">Tokens</th>
                      <th className="num hide-narrow">Cost</th>
                      <th className="hide-narrow">Customer</th>
                      <th className="hide-narrow">Tags</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(page.data as Execution[]).map((run) => (
                      <tr key={run.id} className="clickable" onClick={() => navigate(`/runs/${encodeURIComponent(run.id)}`)}>
                        <td>
                          <Link to={`/runs/${encodeURIComponent(run.id)}`}>{formatTime(run.createdAt)}</Link>
                        </td>
                        <td>{run.kind === 'agent' ? `agent: ${run.flowName}` : run.flowName}</td>
                        <td>
                          <StatusBadge status={run.status} />
                        </td>
                        <td className="num">{formatDuration(run.durationMs)}</td>
                        <td className="num hide-narrow">{formatNumber((run.usage?.inputTokens ?? 0) + (run.usage?.outputTokens ?? 0))}</td>
                        <td className="num hide-narrow">{formatUsd(run.usage?.costUsd)}</td>
                        <td className="hide-narrow">{run.customerId ?? '—'}</td>
                        <td className="hide-narrow">{(run.tags ?? []).join(', ') || '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager
                offset={offset}
                limit={pageSize}
                total={page.pagination?.total ?? page.data.length}
                onChange={(next) => set('offset', next ? String(next) : '')}
              />
            </>
          )
        }
      </Async>
    </>
  );
}
