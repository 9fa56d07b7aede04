import { useState } from 'react';
import { useSession } from '../use-session';
import type { FlowSummary } from '@flowrun/client';
import { editorFlowOf, exportDispatchBody, importFlow, requestSteps } from '../flow-json';
import { download } from '../download';
import { useLoad } from '../hooks';
import { Link, navigate } from '../router';
import { ActionButton, Async, ConfirmAction, Empty, formatTime, formatWhen, Modal, PageHeader } from '../ui';
import { TableWrap } from '../table-wrap';

export function FlowsScreen() {
  const { client } = useSession();
  const flows = useLoad(async () => (await client.flows.list()).data, []);
  const [search, setSearch] = useState('');
  const [importing, setImporting] = useState(false);
  const needle = search.trim().toLowerCase();
  return (
    <>
      <PageHeader title="Flows">
        <input
          type="search"
          aria-label="Search flows"
          placeholder="Search flows"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <button type="button" className="secondary" onClick={() => setImporting(true)}>
          Import JSON
        </button>
        <Link className="button" to="/flows/new">
          New flow
        </Link>
      </PageHeader>
      <Async state={flows} what="flows">
        {(list) => {
          const shown = list.filter(
            (flow) => !needle || `${flow.name} ${flow.slug ?? ''} ${flow.description ?? ''}`.toLowerCase().includes(needle),
          );
          if (list.length === 0)
            return (
              <Empty>
                No flows yet. <Link to="/flows/new">Build one</Link> or import a dispatch body as JSON.
              </Empty>
            );
          if (shown.length === 0) return <Empty>No flow matches “{search}”.</Empty>;
          return <FlowsTable flows={shown} onDeleted={flows.reload} />;
        }}
      </Async>
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
    </>
  );
}

function FlowsTable({ flows, onDeleted }: { flows: FlowSummary[]; onDeleted: () => void }) {
  const { client } = useSession();
  const exportFlow = async (flow: FlowSummary) => {
    const stored = await client.flows.get(flow.id);
    download(`${flow.slug ?? flow.id}.json`, JSON.stringify(exportDispatchBody(editorFlowOf(stored.definition)), null, 2));
  };
  return (
    <TableWrap label="Flows">
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th className="hide-narrow">Slug</th>
            <th className="hide-narrow">Updated</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {flows.map((flow) => (
            <tr key={flow.id}>
              <td>
                <Link to={`/flows/${encodeURIComponent(flow.id)}`}>{flow.name}</Link>
                {flow.description && <div className="muted">{flow.description}</div>}
              </td>
              <td className="hide-narrow mono">{flow.slug ?? '—'}</td>
              <td className="hide-narrow nowrap" title={formatTime(flow.updatedAt)}>
                {formatWhen(flow.updatedAt)}
              </td>
              <td className="row">
                <Link className="button secondary" to={`/playground?flow=${encodeURIComponent(flow.id)}`}>
                  Run
                </Link>
                <ActionButton className="secondary" onAction={() => exportFlow(flow)} label={`Export ${flow.name}`}>
                  Export
                </ActionButton>
                <ConfirmAction
                  label={`Delete ${flow.name}`}
                  question={`Delete the flow “${flow.name}” and its versions?`}
                  onConfirmed={async () => (await client.flows.delete(flow.id), onDeleted())}
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

function ImportDialog({ onClose }: { onClose: () => void }) {
  const { client } = useSession();
  const [text, setText] = useState('');
  const save = async () => {
    const flow = importFlow(text);
    const created = (await client.flows.create({ name: flow.name, description: flow.description, steps: requestSteps(flow.steps) })) as {
      id: string;
    };
    navigate(`/flows/${encodeURIComponent(created.id)}`);
  };
  return (
    <Modal title="Import a flow" onClose={onClose}>
      <p className="muted">
        Paste a dispatch body (what Export gives, or any `POST /v1/dispatch` body with an inline flow) or a flow with steps.
      </p>
      <label htmlFor="import-file">From a file</label>
      <input
        id="import-file"
        type="file"
        accept="application/json,.json"
        onChange={(event) => void event.target.files?.[0]?.text().then(setText)}
      />
      <label htmlFor="import-json">JSON</label>
      <textarea id="import-json" rows={12} value={text} onChange={(event) => setText(event.target.value)} />
      <p className="row">
        <ActionButton onAction={save} disabled={text.trim() === ''}>
          Import
        </ActionButton>
        <button type="button" className="secondary" onClick={onClose}>
          Cancel
        </button>
      </p>
    </Modal>
  );
}
