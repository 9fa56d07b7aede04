import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { UsageEntry } from '@flowrun/client';
import { Empty, formatNumber, formatUsd } from '../ui';
import { usageSeries } from '../usage-series';

const palette = ['#4f46e5', '#0ea5e9', '#16a34a', '#f59e0b', '#dc2626', '#9333ea', '#64748b'];

/** Cost (stacked bars) and tokens (lines) over time per group key, then each key's totals. */
export function UsageCharts({ entries, daily }: { entries: UsageEntry[]; daily: boolean }) {
  const { rows, keys, totals } = useMemo(() => {
    const series = usageSeries(entries, daily);
    const format = new Intl.DateTimeFormat(undefined, daily ? { month: 'short', day: 'numeric' } : { hour: '2-digit', minute: '2-digit' });
    return {
      ...series,
      rows: series.rows.map((row) => ({ ...row, label: format.format(new Date(row.bucket)) })),
      keys: series.keys.slice(0, palette.length),
    };
  }, [entries, daily]);
  if (entries.length === 0) return <Empty>No runs in this range.</Empty>;
  return (
    <>
      <div className="split">
        <section className="panel" aria-label="Cost over time">
          <h3 style={{ marginTop: 0 }}>Cost (USD)</h3>
          <div className="chart">
            <ResponsiveContainer>
              <BarChart data={rows}>
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
              <LineChart data={rows}>
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
      <UsageTotals totals={totals} />
    </>
  );
}

function UsageTotals({ totals }: { totals: UsageEntry[] }) {
  return (
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
  );
}
