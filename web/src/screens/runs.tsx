import { shownStatus } from '@flowrun/client';
import type { Execution, ExecutionStatus } from '@flowrun/client';
import { useSession } from '../use-session';
import { PickOne, useFlowList } from '../choices';
import { useDebounced, useLoad } from '../hooks';
import { Link, navigate, useLocation } from '../router';
import { Async, Empty, formatDuration, formatNumber, formatTime, formatWhen, formatUsd, PageHeader, Pager, StatusBadge } from '../ui';
import { TableWrap } from '../table-wrap';

const pageSize = 50;
const statuses: ExecutionStatus[] = ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled'];

/** A `datetime-local` value (the browser's zone) as ISO 8601, or undefined. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : undefined);

interface Filters {
  flow: string;
  status: string;
  tag: string;
  customer: string;
  from: string;
  to: string;
}

/** The runs, newest first, a page at a time (the server pages: ten thousand runs cost one page). Filters live in the URL. */
export function RunsScreen() {
  const { client } = useSession();
  const { query } = useLocation();
  const filters: Filters = {
    flow: query.get('flow') ?? '',
    status: query.get('status') ?? '',
    tag: query.get('tag') ?? '',
    customer: query.get('customer') ?? '',
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
  };
  const offset = Number(query.get('offset') ?? 0) || 0;
  // Typed filters wait for a pause in typing before they ask the server.
  const tag = useDebounced(filters.tag, 300);
  const customer = useDebounced(filters.customer, 300);
  const runs = useLoad(
    () =>
      client.executions.list({
        flowId: filters.flow || undefined,
        status: statuses.find((status) => status === filters.status),
        tag: tag || undefined,
        customerId: customer || undefined,
        from: toIso(filters.from),
        to: toIso(filters.to),
        limit: pageSize,
        offset,
      }),
    [filters.flow, filters.status, tag, customer, filters.from, filters.to, offset],
  );
  const set = (key: keyof Filters | 'offset', value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== 'offset') next.delete('offset');
    navigate(`/runs${next.size ? `?${next}` : ''}`, { replace: true });
  };
  const filtered = offset > 0 || Object.values(filters).some(Boolean);
  return (
    <>
      <PageHeader title="Runs">
        <button type="button" className="secondary" onClick={runs.reload}>
          Refresh
        </button>
      </PageHeader>
      <RunFilters filters={filters} onChange={set} />
      <Async state={runs} what="runs">
        {(page) =>
          page.data.length === 0 ? (
            <Empty>{filtered ? 'No run matches these filters.' : 'No runs yet. Start one in the playground.'}</Empty>
          ) : (
            <>
              <RunsTable runs={page.data} />
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

function RunFilters({ filters, onChange }: { filters: Filters; onChange: (key: keyof Filters, value: string) => void }) {
  const flows = useFlowList();
  const input = (key: keyof Filters, label: string, props: { size?: number; type?: string } = {}) => (
    <div>
      <label htmlFor={`f-${key}`}>{label}</label>
      <input id={`f-${key}`} {...props} value={filters[key]} onChange={(event) => onChange(key, event.target.value)} />
    </div>
  );
  return (
    <form className="toolbar filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
      <PickOne
        id="f-flow"
        label="Flow"
        value={filters.flow}
        items={flows}
        onChange={(flow) => onChange('flow', flow)}
        empty="all"
        className=""
      />
      <div>
        <label htmlFor="f-status">Status</label>
        <select id="f-status" value={filters.status} onChange={(event) => onChange('status', event.target.value)}>
          <option value="">all</option>
          {statuses.map((status) => (
            <option key={status}>{status}</option>
          ))}
        </select>
      </div>
      {input('tag', 'Tag', { size: 10 })}
      {input('customer', 'Customer', { size: 12 })}
      {input('from', 'From', { type: 'datetime-local' })}
      {input('to', 'To', { type: 'datetime-local' })}
    </form>
  );
}

function RunsTable({ runs }: { runs: Execution[] }) {
  return (
    <TableWrap label="Runs">
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
          {runs.map((run) => (
            <tr key={run.id} className="clickable" onClick={() => navigate(`/runs/${encodeURIComponent(run.id)}`)}>
              <td className="nowrap">
                <Link to={`/runs/${encodeURIComponent(run.id)}`} title={formatTime(run.createdAt)}>
                  {formatWhen(run.createdAt)}
                </Link>
              </td>
              <td>{run.kind === 'agent' ? `agent: ${run.flowName}` : run.flowName}</td>
              <td>
                <StatusBadge status={shownStatus(run)} />
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
    </TableWrap>
  );
}
