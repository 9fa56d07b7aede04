import { useState } from 'react';
import { useSession } from '../use-session';
import { useLoad } from '../hooks';
import { Async, Empty, formatNumber, formatTime, formatWhen, formatUsd, PageHeader, Pager } from '../ui';
import { UsageCharts } from './usage-charts';
import { TableWrap } from '../table-wrap';

const ranges = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30 } as const;
type Range = keyof typeof ranges;
type Group = 'flow' | 'model' | 'customer' | 'tag';

/** Cost and tokens over time per flow, model, customer or tag, and the credit balance and ledger: every figure from the API. */
export function UsageScreen() {
  const { client } = useSession();
  const [range, setRange] = useState<Range>('7d');
  const [groupBy, setGroupBy] = useState<Group>('flow');
  const daily = range !== '24h';
  // Hourly totals from the server, summed here into the browser's own days (the server's periods are UTC).
  const usage = useLoad(async () => {
    const from = new Date(Date.now() - ranges[range] * 3_600_000);
    if (daily) from.setHours(0, 0, 0, 0);
    return (await client.statistics.usage({ from: from.toISOString(), groupBy, interval: 'hour' })).data;
  }, [range, groupBy]);
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
        {(entries) => <UsageCharts entries={entries} daily={daily} groupBy={groupBy} />}
      </Async>
      <h2>Credits</h2>
      <Credits />
    </>
  );
}

function Credits() {
  const { client } = useSession();
  const [offset, setOffset] = useState(0);
  const balance = useLoad(() => client.credits.balance(), []);
  const ledger = useLoad(() => client.credits.ledger({ limit: 20, offset }), [offset]);
  return (
    <>
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
              <TableWrap label="Ledger">
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
                        <td className="nowrap" title={formatTime(entry.createdAt)}>
                          {formatWhen(entry.createdAt)}
                        </td>
                        <td>{entry.reason}</td>
                        <td className="num">{formatNumber(entry.delta)}</td>
                        <td className="num">{formatNumber(entry.balanceAfter)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              <Pager offset={offset} limit={20} total={page.pagination?.total ?? page.data.length} onChange={setOffset} />
            </>
          )
        }
      </Async>
    </>
  );
}
