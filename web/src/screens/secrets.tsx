import { useState } from 'react';
import type { SecretMetadata } from '@flowrun/client';
import { useSession } from '../use-session';
import { useLoad } from '../hooks';
import { ActionButton, Async, ConfirmAction, Empty, formatTime, formatWhen, Modal, PageHeader, StatusBadge } from '../ui';
import { TableWrap } from '../table-wrap';

/**
 * This tenant's managed secrets of this mode (`{{secret:KEY}}` in flows and tools): create, rotate, delete. A value
 * is write-only: the server never sends one back, so this screen only ever shows a masked preview.
 */
export function SecretsScreen() {
  const { client, mode } = useSession();
  const secrets = useLoad(async () => (await client.secrets.list()).data, []);
  const [editing, setEditing] = useState<SecretMetadata | 'new' | null>(null);
  return (
    <>
      <PageHeader title="Secrets">
        <button type="button" onClick={() => setEditing('new')}>
          Create secret
        </button>
      </PageHeader>
      <p className="muted">
        Use a secret in a flow or tool as <code>{'{{secret:KEY}}'}</code> (headers, bodies, URLs, MCP credentials). Values are sealed with
        the server&apos;s <code>FLOWRUN_SECRET_KEY</code> and never shown again.
      </p>
      <Async state={secrets} what="secrets">
        {(list) =>
          list.length === 0 ? (
            <Empty>No secrets.</Empty>
          ) : (
            <SecretsTable secrets={list} onRotate={(secret) => setEditing(secret)} onChanged={secrets.reload} />
          )
        }
      </Async>
      {editing && (
        <SecretForm
          mode={mode}
          secret={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            secrets.reload();
          }}
        />
      )}
    </>
  );
}

function SecretsTable({
  secrets,
  onRotate,
  onChanged,
}: {
  secrets: SecretMetadata[];
  onRotate: (secret: SecretMetadata) => void;
  onChanged: () => void;
}) {
  const { client } = useSession();
  return (
    <TableWrap label="Secrets">
      <table aria-label="Secrets">
        <thead>
          <tr>
            <th>Key</th>
            <th>Value</th>
            <th>Status</th>
            <th className="hide-narrow">Version</th>
            <th className="hide-narrow">Updated</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {secrets.map((secret) => (
            <tr key={secret.id}>
              <td>
                <code>{secret.key}</code>
                {secret.description && <div className="muted">{secret.description}</div>}
              </td>
              <td className="mono">{secret.valuePreview ?? <span className="muted">not set</span>}</td>
              <td>
                <StatusBadge status={secret.status} />
              </td>
              <td className="hide-narrow">{secret.version}</td>
              <td className="hide-narrow nowrap" title={formatTime(secret.updatedAt)}>
                {formatWhen(secret.updatedAt)}
              </td>
              <td className="row">
                <button type="button" className="secondary" onClick={() => onRotate(secret)} aria-label={`Rotate ${secret.key}`}>
                  {secret.status === 'pending' ? 'Set value' : 'Rotate'}
                </button>
                <ConfirmAction
                  label={`Delete ${secret.key}`}
                  question={`Delete ${secret.key}? Steps that use {{secret:${secret.key}}} fail with SECRET_NOT_FOUND.`}
                  onConfirmed={async () => (await client.secrets.delete(secret.id), onChanged())}
                >
                  Delete
                </ConfirmAction>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** Creates a secret, or (given one) sets a new value for it: a rotation. The value field is write-only. */
function SecretForm({
  mode,
  secret,
  onClose,
  onSaved,
}: {
  mode: string;
  secret: SecretMetadata | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { client } = useSession();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [description, setDescription] = useState(secret?.description ?? '');
  const save = async () => {
    if (secret) {
      await client.secrets.update(secret.id, {
        value,
        expectedVersion: secret.version,
        ...(description !== (secret.description ?? '') ? { description } : {}),
      });
    } else {
      await client.secrets.create({ key, value, ...(description ? { description } : {}) });
    }
    onSaved();
  };
  return (
    <Modal title={secret ? `Rotate ${secret.key}` : `Create a ${mode} secret`} onClose={onClose}>
      {!secret && (
        <>
          <label htmlFor="secret-key">Key (letters, digits and _, e.g. STRIPE_API_KEY)</label>
          <input id="secret-key" value={key} onChange={(event) => setKey(event.target.value)} placeholder="API_TOKEN" autoComplete="off" />
        </>
      )}
      <label htmlFor="secret-value">{secret ? 'New value (8 characters or more)' : 'Value (8 characters or more)'}</label>
      <input
        id="secret-value"
        type="password"
        value={value}
        onChange={(event) => setValue(event.target.value)}
        autoComplete="new-password"
      />
      <label htmlFor="secret-description">Description</label>
      <input id="secret-description" value={description} onChange={(event) => setDescription(event.target.value)} />
      <p className="row">
        <ActionButton onAction={save} disabled={value.length < 8 || (!secret && key.length < 2)}>
          {secret ? 'Rotate' : 'Create'}
        </ActionButton>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </p>
    </Modal>
  );
}
