import { useState } from 'react';
import type { FlowVersionInfo } from '@flowrun/client';
import { useSession } from '../use-session';
import { diffLines, editorFlowOf, type EditorFlow } from '../flow-json';
import { useLoad } from '../hooks';
import { ActionButton, Async, formatTime, formatWhen, Json } from '../ui';
import { TableWrap } from '../table-wrap';

type Version = FlowVersionInfo;

/** A flow's versions: compare any two (or one with the editor), activate one in an environment, promote between environments. */
export function VersionsPanel({
  flowId,
  current,
  onRestore,
}: {
  flowId: string;
  current: EditorFlow;
  onRestore: (flow: EditorFlow) => void;
}) {
  const { client } = useSession();
  const versions = useLoad(async () => (await client.flows.versions(flowId)).data, [flowId]);
  const environments = useLoad(async () => (await client.environments.list()).data, []);
  const definitionOf = async (which: string): Promise<EditorFlow> =>
    which === 'editor' ? current : editorFlowOf((await client.flows.version(flowId, which)).definition);
  return (
    <section aria-label="Versions and environments">
      <h2>Versions and environments</h2>
      <Async state={versions} what="versions">
        {(list) => (
          <>
            <VersionsTable
              flowId={flowId}
              versions={list}
              environments={environments.data ?? []}
              onRestore={async (id) => onRestore(await definitionOf(id))}
              onActivated={versions.reload}
            />
            <Compare versions={list} definitionOf={definitionOf} />
          </>
        )}
      </Async>
      <Promotion flowId={flowId} environments={environments.data ?? []} onPromoted={versions.reload} />
    </section>
  );
}

function VersionsTable({
  flowId,
  versions,
  environments,
  onRestore,
  onActivated,
}: {
  flowId: string;
  versions: Version[];
  environments: string[];
  onRestore: (versionId: string) => Promise<void>;
  onActivated: () => void;
}) {
  const { client } = useSession();
  const [environment, setEnvironment] = useState('');
  return (
    <>
      <div className="toolbar">
        <div>
          <label htmlFor="environment">Environment to activate in</label>
          <select id="environment" value={environment} onChange={(event) => setEnvironment(event.target.value)}>
            <option value="">choose…</option>
            {environments.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </div>
      </div>
      <TableWrap label="Versions">
        <table aria-label="Versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Created</th>
              <th>Active in</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version) => (
              <tr key={version.id}>
                <td>v{version.version}</td>
                <td className="nowrap" title={formatTime(version.createdAt)}>
                  {formatWhen(version.createdAt)}
                </td>
                <td>{version.environments.join(', ') || '—'}</td>
                <td className="row">
                  <ActionButton className="secondary" onAction={() => onRestore(version.id)}>
                    Load into editor
                  </ActionButton>
                  <ActionButton
                    className="secondary"
                    disabled={!environment}
                    label={`Activate v${version.version} in ${environment || 'an environment'}`}
                    onAction={async () => {
                      await client.flows.activate(flowId, version.id, { environment });
                      onActivated();
                    }}
                  >
                    Activate in {environment || '…'}
                  </ActionButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}

/** Two versions (or one and the editor) side by side as a line diff of their JSON. */
function Compare({ versions, definitionOf }: { versions: Version[]; definitionOf: (which: string) => Promise<EditorFlow> }) {
  const [left, setLeft] = useState('');
  const [right, setRight] = useState('editor');
  const [diff, setDiff] = useState<Array<{ kind: ' ' | '+' | '-'; text: string }> | null>(null);
  const text = (flow: EditorFlow) => JSON.stringify({ name: flow.name, steps: flow.steps }, null, 2);
  const options = versions.map((version) => (
    <option key={version.id} value={version.id}>
      v{version.version}
    </option>
  ));
  return (
    <>
      <div className="toolbar" style={{ marginTop: 10 }}>
        <div>
          <label htmlFor="diff-left">Compare</label>
          <select id="diff-left" value={left} onChange={(event) => setLeft(event.target.value)}>
            <option value="">version…</option>
            {options}
          </select>
        </div>
        <div>
          <label htmlFor="diff-right">with</label>
          <select id="diff-right" value={right} onChange={(event) => setRight(event.target.value)}>
            <option value="editor">the editor</option>
            {options}
          </select>
        </div>
        <ActionButton
          className="secondary"
          disabled={!left}
          onAction={async () => setDiff(diffLines(text(await definitionOf(left)), text(await definitionOf(right))))}
        >
          Show diff
        </ActionButton>
      </div>
      {diff && <Diff lines={diff} />}
    </>
  );
}

function Diff({ lines }: { lines: Array<{ kind: ' ' | '+' | '-'; text: string }> }) {
  const changed = lines.filter((line) => line.kind !== ' ').length;
  return (
    <div aria-label="Diff">
      <p className="muted">{changed === 0 ? 'No differences.' : `${changed} changed line(s).`}</p>
      <pre className="json">
        {lines.map((line, index) => (
          <div key={index} style={{ color: line.kind === '+' ? 'var(--ok)' : line.kind === '-' ? 'var(--danger)' : undefined }}>
            {line.kind} {line.text}
          </div>
        ))}
      </pre>
    </div>
  );
}

/** Promotion: what differs between two environments for this flow, and copying the source's active version over. */
function Promotion({ flowId, environments, onPromoted }: { flowId: string; environments: string[]; onPromoted: () => void }) {
  const { client } = useSession();
  const [source, setSource] = useState('');
  const [target, setTarget] = useState('');
  const [preview, setPreview] = useState<unknown>(null);
  return (
    <div className="toolbar" style={{ marginTop: 10 }} aria-label="Promotion">
      <div>
        <label htmlFor="promote-source">Promote from</label>
        <select id="promote-source" value={source} onChange={(event) => setSource(event.target.value)}>
          <option value="">environment…</option>
          {environments.map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </div>
      <div>
        <label htmlFor="promote-target">to</label>
        <select id="promote-target" value={target} onChange={(event) => setTarget(event.target.value)}>
          <option value="">environment…</option>
          {environments.map((name) => (
            <option key={name}>{name}</option>
          ))}
        </select>
      </div>
      <ActionButton
        className="secondary"
        disabled={!source || !target || source === target}
        onAction={async () => {
          const diff = (await client.environments.diff(source, target)) as { flows?: Array<{ flowId?: string }> };
          setPreview({ ...diff, flows: (diff.flows ?? []).filter((entry) => !entry.flowId || entry.flowId === flowId) });
        }}
      >
        Preview
      </ActionButton>
      <ActionButton
        disabled={!source || !target || source === target}
        onAction={async () => {
          setPreview(await client.environments.promote({ sourceEnvironment: source, targetEnvironment: target, flowIds: [flowId] }));
          onPromoted();
        }}
      >
        Promote
      </ActionButton>
      {preview !== null && <Json value={preview} />}
    </div>
  );
}
