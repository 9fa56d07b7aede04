import { useState } from 'react';
import type { ApiKey } from '@flowrun/client';
import { useSession } from '../use-session';
import { useLoad } from '../hooks';
import { ActionButton, Async, ConfirmAction, CopyButton, Empty, formatTime, formatWhen, Modal, PageHeader, StatusBadge } from '../ui';
import { TableWrap } from '../table-wrap';

/** This tenant's keys of this mode: create (the key is shown once), list, revoke. */
export function KeysScreen() {
  const { client, mode } = useSession();
  const keys = useLoad(async () => (await client.keys.list()).data, []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ key: string; name: string | null } | null>(null);
  return (
    <>
      <PageHeader title="API keys">
        <button type="button" onClick={() => setCreating(true)}>
          Create key
        </button>
      </PageHeader>
      {created && <NewKeyNotice created={created} onDone={() => setCreated(null)} />}
      <Async state={keys} what="keys">
        {(list) => (list.length === 0 ? <Empty>No keys.</Empty> : <KeysTable keys={list} onRevoked={keys.reload} />)}
      </Async>
      {creating && (
        <CreateKey
          mode={mode}
          onClose={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            setCreated(key);
            keys.reload();
          }}
        />
      )}
    </>
  );
}

function NewKeyNotice({ created, onDone }: { created: { key: string; name: string | null }; onDone: () => void }) {
  return (
    <div className="panel" role="status" aria-label="New key" style={{ marginBottom: 14 }}>
      <strong>Your new key{created.name ? ` “${created.name}”` : ''}.</strong> Copy it now: Flowrun keeps only its hash and will not show it
      again.
      <div className="row" style={{ marginTop: 8 }}>
        <code data-testid="new-key" style={{ overflowWrap: 'anywhere' }}>
          {created.key}
        </code>
        <CopyButton text={created.key} />
        <button type="button" className="secondary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

function KeysTable({ keys, onRevoked }: { keys: ApiKey[]; onRevoked: () => void }) {
  const { client, keyPrefix } = useSession();
  return (
    <TableWrap label="Keys">
      <table aria-label="Keys">
        <thead>
          <tr>
            <th>Name</th>
            <th>Key</th>
            <th className="hide-narrow">Created</th>
            <th className="hide-narrow">Limits</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => {
            // The keys list shows prefixes only; the session knows its own key's (the same first characters).
            const own = !key.revokedAt && key.prefix === keyPrefix;
            return (
              <tr key={key.id} aria-current={own ? 'true' : undefined} className={own ? 'own-key' : undefined}>
                <td>
                  {key.name ?? <span className="muted">unnamed</span>}{' '}
                  {own && (
                    <span className="badge you" data-testid="own-key" title="This tab is signed in with this key">
                      your key
                    </span>
                  )}
                </td>
                <td className="mono">{key.prefix}</td>
                <td className="hide-narrow nowrap" title={formatTime(key.createdAt)}>
                  {formatWhen(key.createdAt)}
                </td>
                <td className="hide-narrow">
                  <KeyLimits limits={key.limits} />
                </td>
                <td>
                  {key.revokedAt ? (
                    <StatusBadge status="revoked" />
                  ) : (
                    <ConfirmAction
                      label={`Revoke ${key.name ?? key.prefix}`}
                      question={`Revoke ${key.name ?? key.prefix}? Clients using it stop working.${own ? ' It is the key this tab is signed in with: the dashboard signs out.' : ''}`}
                      onConfirmed={async () => (await client.keys.revoke(key.id), onRevoked())}
                    >
                      Revoke
                    </ConfirmAction>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** The limits that really apply: the key's own (held to the operator's ceiling) and the tenant's total. */
function KeyLimits({ limits }: { limits: ApiKey['limits'] }) {
  const per = (value: number, unit: string) => (value > 0 ? `${value.toLocaleString()} ${unit}` : 'no limit');
  return (
    <span title={`Tenant total: ${per(limits.tenantRateLimitPerMinute, '/min')} · ${per(limits.tenantMaxRunsInFlight, 'runs at once')}`}>
      {per(limits.rateLimitPerMinute, '/min')} · {per(limits.maxRunsInFlight, 'runs at once')}
    </span>
  );
}

function CreateKey({
  mode,
  onClose,
  onCreated,
}: {
  mode: string;
  onClose: () => void;
  onCreated: (key: { key: string; name: string | null }) => void;
}) {
  const { client } = useSession();
  const [name, setName] = useState('');
  const [rate, setRate] = useState('');
  const [inFlight, setInFlight] = useState('');
  const create = async () => {
    const key = await client.keys.create({
      ...(name ? { name } : {}),
      ...(rate ? { rateLimitPerMinute: Number(rate) } : {}),
      ...(inFlight ? { maxRunsInFlight: Number(inFlight) } : {}),
    });
    onCreated({ key: key.key, name: key.name });
  };
  return (
    <Modal title={`Create a ${mode} key`} onClose={onClose}>
      <label htmlFor="key-name">Name</label>
      <input id="key-name" value={name} onChange={(event) => setName(event.target.value)} placeholder="ci, my-app…" />
      <label htmlFor="key-rate">Requests per minute (empty: the most this tenant may have)</label>
      <input id="key-rate" type="number" min={1} value={rate} onChange={(event) => setRate(event.target.value)} />
      <label htmlFor="key-flight">Runs at once (empty: the most this tenant may have)</label>
      <input id="key-flight" type="number" min={1} value={inFlight} onChange={(event) => setInFlight(event.target.value)} />
      <p className="row">
        <ActionButton onAction={create}>Create</ActionButton>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </p>
    </Modal>
  );
}
