import { useMemo } from 'react';
import { Background, Controls, Handle, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { EditorStep } from './flow-json';
import { pathKey, type StepPath } from './steps';

type StepNodeData = { step: EditorStep; selected: boolean; label: string };

function StepNode({ data }: NodeProps<Node<StepNodeData>>) {
  return (
    <div className={`step-node${data.selected ? ' selected' : ''}`} data-testid="step-node">
      <Handle type="target" position={Position.Top} />
      <div>
        <strong>{data.step.name || data.step.id}</strong>
      </div>
      <div className="type">
        {data.step.type}
        {data.step.enabled === false ? ' · disabled' : ''}
        {data.label ? ` · ${data.label}` : ''}
      </div>
      <Handle type="source" position={Position.Bottom} />
    </div>
  );
}

const nodeTypes = { step: StepNode };
const rowHeight = 90;
const columnWidth = 230;

/**
 * Lays the steps out top to bottom; a conditional's branches go to its right (true, then false), and the steps
 * after it continue below the longer branch. Returns the rows the list took.
 */
function layout(
  steps: EditorStep[],
  prefix: StepPath,
  x: number,
  y: number,
  selected: string | null,
  nodes: Node<StepNodeData>[],
  edges: Edge[],
  entry?: { from: string; label: string },
): number {
  let rows = 0;
  let previous: string | undefined;
  for (const [index, step] of steps.entries()) {
    const path = [...prefix, index];
    const id = pathKey(path);
    const branchRows: number[] = [];
    nodes.push({ id, type: 'step', position: { x, y: y + rows * rowHeight }, data: { step, selected: selected === id, label: '' } });
    if (previous) edges.push({ id: `${previous}->${id}`, source: previous, target: id });
    else if (entry) edges.push({ id: `${entry.from}->${id}`, source: entry.from, target: id, label: entry.label });
    if (step.type === 'conditional') {
      ['trueSteps', 'falseSteps'].forEach((branch, column) => {
        const list = (step.config[branch] as EditorStep[] | undefined) ?? [];
        branchRows.push(
          layout(list, [...path, branch], x + (column + 1) * columnWidth, y + (rows + 1) * rowHeight, selected, nodes, edges, {
            from: id,
            label: branch === 'trueSteps' ? 'true' : 'false',
          }),
        );
      });
    }
    rows += 1 + Math.max(0, ...branchRows);
    previous = id;
  }
  return rows;
}

/** The flow as a graph (@xyflow/react): click a step to edit it. */
export function FlowGraph({
  steps,
  selected,
  onSelect,
}: {
  steps: EditorStep[];
  selected: string | null;
  onSelect: (path: StepPath) => void;
}) {
  const { nodes, edges } = useMemo(() => {
    const nodes: Node<StepNodeData>[] = [];
    const edges: Edge[] = [];
    layout(steps, [], 0, 0, selected, nodes, edges);
    return { nodes, edges };
  }, [steps, selected]);
  return (
    <div className="graph" aria-label="Flow graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
        nodesDraggable={false}
        nodesConnectable={false}
        onNodeClick={(_, node) => onSelect(node.id.split('/').map((part) => (/^\d+$/.test(part) ? Number(part) : part)))}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
