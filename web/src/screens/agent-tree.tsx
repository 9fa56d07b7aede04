import { useState } from 'react';
import type { ExecutionTree } from '@flowrun/client';
import { useSession } from '../use-session';
import { useLoad } from '../hooks';
import { Link } from '../router';
import { Async, formatDuration, formatUsd, StatusBadge } from '../ui';

/** A node of `GET /v1/executions/{id}/tree`: a run, its tool calls, the runs they started, and what each cost. */
type TreeNode = ExecutionTree;

export function AgentTree({ id }: { id: string }) {
  const { client } = useSession();
  const tree = useLoad(async () => await client.executions.tree(id), [id]);
  return (
    <section aria-label="Agent tree">
      <h2>Agent tree</h2>
      <Async state={tree} what="the tree">
        {(root) => (
          <div className="tree">
            <ul>
              <TreeItem node={root} />
            </ul>
          </div>
        )}
      </Async>
    </section>
  );
}

function TreeItem({ node }: { node: TreeNode }) {
  const [open, setOpen] = useState(true);
  const children = node.children ?? [];
  return (
    <li>
      <button
        type="button"
        className="ghost"
        aria-expanded={open}
        disabled={children.length === 0}
        onClick={() => setOpen(!open)}
        style={{ fontSize: 13 }}
      >
        {children.length === 0 ? '•' : open ? '▾' : '▸'}
      </button>
      <Link to={`/runs/${encodeURIComponent(node.executionId)}`}>{node.name}</Link> <span className="muted">({node.kind})</span>{' '}
      <StatusBadge status={node.status} /> {formatDuration(node.durationMs)} · own {formatUsd(node.costUsd)} · total{' '}
      {formatUsd(node.cumulativeCostUsd)} · {node.toolCalls.length} tool call(s)
      {open && children.length > 0 && (
        <ul>
          {children.map((child) => (
            <TreeItem key={child.executionId} node={child} />
          ))}
        </ul>
      )}
    </li>
  );
}
