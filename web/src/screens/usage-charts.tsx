import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { UsageEntry } from '@flowrun/client';
import { Empty, formatNumber, formatUsd } from '../ui';
import { usageSeries } from '../usage-series';
import { otherKey, topSeries } from '../usage-top';
import { TableWrap } from '../table-wrap';

const palette = ['#4f46e5', '#0ea5e9', '#16a34a', '#f59e0b', '#dc2626', '#9333ea', '#64748b'];
const groupNames: Record<string, string> = { flow: 'flows', model: 'models', customer: 'customers', tag: 'tags' };

/** Cost (stacked bars) and tokens (lines) over time for the costliest keys (the rest summed as one), then every key's totals. */
export function UsageCharts({ entries, daily, groupBy }: { entries: UsageEntry[]; daily: boolean; groupBy: string }) {
  const { rows, keys, total, folded, totals } = useMemo(() => {
    const series = usageSeries(entries, daily);
    const format = new Intl.DateTimeFormat(undefined, daily ? { month: 'short', day: 'numeric' } : { hour: '2-digit', minute: '2-digit' });
    const top = topSeries(series, palette.length);
    return { ...top, totals: series.totals, rows: top.rows.map((row) => ({ ...row, label: format.format(new Date(row.bucket)) })) };
  }, [entries, daily]);
  if (entries.length === 0) return <Empty>No runs in this range.</Empty>;
  const what = groupNames[groupBy] ?? groupBy;
  return (
    <>
      {folded > 0 && (
        <p className="chart-note" data-testid="chart-top-note">
          The charts show the top {keys.length - 1} of {total} {what} by cost; the other {folded} are summed as “{otherKey}”. The table
          below lists them all.
        </p>
      )}
      <ChartLegend keys={keys} />
      <div className="split">
        <section className="panel" aria-label="Cost over time">
          <h3 style={{ marginTop: 0 }}>Cost (USD)</h3>
          <div className="chart">
            <ResponsiveContainer>
              <BarChart data={rows}>
                <CartesianGrid strokeDasharray="3 3" opacity={0.3} />
                <XAxis dataKey="label" fontSize={11} />
                <YAxis fontSize={11} width={56} tickFormatter={(value: number) => formatUsd(value)} />
                <Tooltip formatter={(value) => formatUsd(Number(value))} />
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
                <YAxis fontSize={11} width={56} tickFormatter={(value: number) => compact.format(value)} />
                <Tooltip formatter={(value) => formatNumber(Number(value))} />
                {keys.map((key, index) => (
                  <Line key={key} dataKey={`tokens:${key}`} name={key} stroke={palette[index]} isAnimationActive={false} connectNulls />
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

const compact = new Intl.NumberFormat(undefined, { notation: 'compact' });

/** One legend for both charts, outside them: long names wrap or are cut with their full name on hover, never squeezing a chart. */
function ChartLegend({ keys }: { keys: string[] }) {
  return (
    <ul className="chart-legend" aria-label="Series">
      {keys.map((key, index) => (
        <li key={key} title={key}>
          <span className="swatch" style={{ background: palette[index] }} aria-hidden="true" />
          <span className="name">{key}</span>
        </li>
      ))}
    </ul>
  );
}

function UsageTotals({ totals }: { totals: UsageEntry[] }) {
  return (
    <TableWrap label="Usage totals" style={{ marginTop: 12 }}>
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
    </TableWrap>
  );
}
