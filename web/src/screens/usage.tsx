import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { UsageEntry } from '@flowrun/client';
import { useSession } from '../app';
import { useLoad } from '../hooks';
import { Async, Empty, formatNumber, formatTime, formatUsd, PageHeader, Pager } from '../ui';

const ranges = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30 } as const;
type Range = keyof typeof ranges;
type Group = 'flow' | 'model' | 'customer' | 'tag';
const palette = ['#4f46e5', '#0ea5e9', '#16a34a', '#f59e0b', '#dc2626', '#9333ea', '#64748b'];

/** The periods of a range in the browser's zone: hours for a day, days (local midnight to midnight) beyond. */
function bucketOf(iso: string, hourly: boolean): string {
  const date = new Date(iso);
  if (!hourly) date.setHours(0, 0, 0, 0);
  return date.toISOString();
}

/** Cost and tokens over time per flow, model, customer or tag, and the credit balance and ledger: every figure from the API. */
export function UsageScreen() {
  const { client } = useSession();
  const [range, setRange] = useState<Range>('7d');
  const [groupBy, setGroupBy] = useState<Group>('flow');
  const [ledgerOffset, setLedgerOffset] = useState(0);
  const hourly = range === '24h';
  // Hourly totals from the server, summed here into the browser's own days (the server's periods are UTC).
  const usage = useLoad(async () => {
    const from = new Date(Date.now() - ranges[range] * 3_600_000);
    if (!hourly) from.setHours(0, 0, 0, 0);
    return (await client.statistics.usage({ from: from.toISOString(), groupBy, interval: 'hour' })).data;
  }, [range, groupBy]);
  const balance = useLoad(() => client.credits.balance(), []);
  const ledger = useLoad(() => client.credits.ledger({ limit: 20, offset: ledgerOffset }), [ledgerOffset]);
  return (
    <>
      <PageHeader title="Usage">
        <label htmlFor="usage-range" style={{ margin: 0 }}>
          Range
        </label>
        <select id="usage-range" value={range} onChange={(event) => setRange(event.target.value as Range)}>
          <option value="24h">last 24 hours</option>
          <option value="7d">last 7 days</option>
          <option value="30d">last 30 days</option>
        </select>
        <label htmlFor="usage-group" style={{ margin: 0 }}>
          By
        </label>
        <select id="usage-group" value={groupBy} onChange={(event) => setGroupBy(event.target.value as Group)}>
          <option value="flow">flow</option>
          <option value="model">model</option>
          <option value="customer">customer</option>
          <option value="tag">tag</option>
        </select>
      </PageHeader>
      <Async state={usage} what="usage">
        {(entries) => <Charts entries={entries} hourly={hourly} />}
      </Async>
      <h2>Credits</h2>
      <Async state={balance} what="the balance">
        {(value) => (
          <div className="grid-cards">
            <div className="stat">
              <div className="muted">Balance ({value.mode})</div>
              <div className="value" data-testid="credits-left">
                {formatNumber(value.creditsLeft)}
              </div>
              <div className="muted">{formatUsd(value.creditsLeft / 1_000_000)} · 1,000,000 credits = 1 USD</div>
            </div>
          </div>
        )}
      </Async>
      <Async state={ledger} what="the ledger">
        {(page) =>
          page.data.length === 0 ? (
            <Empty>The ledger is empty.</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table aria-label="Ledger">
                  <thead>
                    <tr>
                      <th>When</th>
                      <th>Reason</th>
                      <th className="num">Change</th>
                      <th className="num">Balance after</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.data.map((entry) => (
                      <tr key={entry.id}>
                        <td>{formatTime(entry.createdAt)}</td>
                        <td>{entry.reason}</td>
                        <td className="num">{formatNumber(entry.delta)}</td>
                        <td className="num">{formatNumber(entry.balanceAfter)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager offset={ledgerOffset} limit={20} total={page.pagination?.total ?? page.data.length} onChange={setLedgerOffset} />
            </>
          )
        }
      </Async>
    </>
  );
}

function Charts({ entries, hourly }: { entries: UsageEntry[]; hourly: boolean }) {
  const { series, keys, totals } = useMemo(() => {
    const totals = new Map<string, UsageEntry>();
    const byPeriod = new Map<string, Record<string, number | string>>();
    for (const entry of entries) {
      const total = totals.get(entry.key) ?? {
        ...entry,
        period: undefined,
        runs: 0,
        creditsUsed: 0,
        costUsd: 0,
        tokensIn: 0,
        tokensOut: 0,
        reasoningTokens: 0,
      };
      total.runs += entry.runs;
      total.creditsUsed += entry.creditsUsed;
      total.costUsd += entry.costUsd;
      total.tokensIn += entry.tokensIn;
      total.tokensOut += entry.tokensOut;
      total.reasoningTokens += entry.reasoningTokens;
      totals.set(entry.key, total);
      const bucket = bucketOf(entry.period!, hourly);
      const row = byPeriod.get(bucket) ?? { bucket };
      row[`cost:${entry.key}`] = Number(row[`cost:${entry.key}`] ?? 0) + entry.costUsd;
      row[`tokens:${entry.key}`] = Number(row[`tokens:${entry.key}`] ?? 0) + entry.tokensIn + entry.tokensOut;
      byPeriod.set(bucket, row);
    }
    const keys = [...totals.values()]
      .sort((a, b) => b.costUsd - a.costUsd || b.tokensIn + b.tokensOut - (a.tokensIn + a.tokensOut))
      .map((entry) => entry.key);
    const format = new Intl.DateTimeFormat(undefined, hourly ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric' });
    const series = [...byPeriod.values()]
      .sort((a, b) => String(a.bucket).localeCompare(String(b.bucket)))
      .map((row) => ({ ...row, label: format.format(new Date(String(row.bucket))) }));
    return { series, keys: keys.slice(0, palette.length), totals: [...totals.values()] };
  }, [entries, hourly]);
  if (entries.length === 0) return <Empty>No runs in this range.</Empty>;
  return (
    <>
      <div className="split">
        <section className="panel" aria-label="Cost over time">
          <h3 style={{ marginTop: 0 }}>Cost (USD)</h3>
          <div className="chart">
            <ResponsiveContainer>
              <BarChart data={series}>
                <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                <XAxis dataKey="label" fontSize={11} />
                <YAxis fontSize={11} width={60} />
                <Tooltip formatter={(value) => formatUsd(Number(value))} />
                <Legend />
                {keys.map((key, index) => (
                  <Bar key={key} dataKey={`cost:${key}`} name={key} stackId="cost" fill={palette[index]} isAnimationActive={false} />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </div>
        </section>
        <section className="panel" aria-label="Tokens over time">
          <h3 style={{ marginTop: 0 }}>Tokens</h3>
          <div className="chart">
            <ResponsiveContainer>
              <LineChart data={series}>
                <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                <XAxis dataKey="label" fontSize={11} />
                <YAxis fontSize={11} width={60} />
                <Tooltip formatter={(value) => formatNumber(Number(value))} />
                <Legend />
                {keys.map((key, index) => (
                  <Line
                    key={key}
                    dataKey={`tokens:${key}`}
                    name={key}
                    stroke={palette[index]}
                    dot={false}
                    isAnimationActive={false}
                    connectNulls
                  />
                ))}
              </LineChart>
            </ResponsiveContainer>
          </div>
        </section>
      </div>
      <div className="table-wrap" style={{ marginTop: 12 }}>
        <table aria-label="Usage totals">
          <thead>
            <tr>
              <th>Key</th>
              <th className="num">Runs</th>
              <th className="num">Tokens in</th>
              <th className="num">Tokens out</th>
              <th className="num">Cost</th>
              <th className="num">Credits</th>
            </tr>
          </thead>
          <tbody>
            {totals.map((entry) => (
              <tr key={entry.key}>
                <td>{entry.key}</td>
                <td className="num">{formatNumber(entry.runs)}</td>
                <td className="num">{formatNumber(entry.tokensIn)}</td>
                <td className="num">{formatNumber(entry.tokensOut)}</td>
                <td className="num">{formatUsd(entry.costUsd)}</td>
                <td className="num">{formatNumber(entry.creditsUsed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
