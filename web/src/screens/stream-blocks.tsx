import { useState } from 'react';
import type { Block } from '../run-view';
import { ActionButton, Json, StatusBadge } from '../ui';

type Decide = (approvalId: string, decision: 'approved' | 'denied') => Promise<void>;
type Answer = (toolCallId: string, output: unknown) => Promise<void>;

/** One piece of a streamed run: a step's heading, its text, reasoning, a tool call, an approval, a client tool, the end. */
export function BlockView({ block, onDecide, onAnswer }: { block: Block; onDecide: Decide; onAnswer: Answer }) {
  switch (block.kind) {
    case 'step':
      return (
        <h3>
          {block.name} <span className="muted">({block.stepType})</span>{' '}
          {block.status === 'running' ? '…' : block.status === 'failed' ? '✗' : '✓'}
          {block.error && <span className="inline-error">{block.error}</span>}
        </h3>
      );
    case 'text':
      return (
        <div className="output" data-testid="stream-text">
          {block.text}
        </div>
      );
    case 'result':
      return (
        <div className="output" data-testid="step-result">
          {typeof block.value === 'string' ? block.value : JSON.stringify(block.value, null, 2)}
        </div>
      );
    case 'reasoning':
      return (
        <details className="card reasoning" open>
          <summary>Reasoning</summary>
          {block.text}
        </details>
      );
    case 'tool':
      return <ToolCard block={block} />;
    case 'approval':
      return <ApprovalCard block={block} onDecide={onDecide} />;
    case 'await':
      return <ClientToolCard block={block} onAnswer={onAnswer} />;
    case 'end':
      return (
        <p role="status" className={block.success ? 'muted' : 'inline-error'}>
          {block.message}
        </p>
      );
  }
}

function ToolCard({ block }: { block: Extract<Block, { kind: 'tool' }> }) {
  return (
    <details className="card">
      <summary>
        Tool {block.name} · {block.status}
      </summary>
      <div className="muted">Arguments</div>
      <Json value={block.parameters ?? block.input} />
      {block.result !== undefined && (
        <>
          <div className="muted">Result</div>
          <Json value={block.result} />
        </>
      )}
    </details>
  );
}

function ApprovalCard({ block, onDecide }: { block: Extract<Block, { kind: 'approval' }>; onDecide: Decide }) {
  return (
    <div className="card approval panel" role="group" aria-label="Approval">
      <strong>Approval needed</strong> {block.toolName && <span className="mono">{block.toolName}</span>}
      <p>{block.description}</p>
      {block.parameters !== undefined && <Json value={block.parameters} />}
      {block.decision ? (
        <StatusBadge status={block.decision} />
      ) : (
        <div className="row">
          <ActionButton onAction={() => onDecide(block.id, 'approved')}>Approve</ActionButton>
          <ActionButton className="danger" onAction={() => onDecide(block.id, 'denied')}>
            Deny
          </ActionButton>
        </div>
      )}
    </div>
  );
}

/** A client tool the run waits for: the page answers it with the output typed here (JSON, or plain text). */
function ClientToolCard({ block, onAnswer }: { block: Extract<Block, { kind: 'await' }>; onAnswer: Answer }) {
  const [output, setOutput] = useState('{}');
  const send = () => {
    let value: unknown = output;
    try {
      value = JSON.parse(output);
    } catch {
      // plain text is an answer too
    }
    return onAnswer(block.id, value);
  };
  return (
    <div className="card approval panel" role="group" aria-label="Client tool">
      <strong>The run asks this page to run the tool {block.toolName}</strong>
      <Json value={block.parameters} />
      {block.answered ? (
        <span className="muted">Answered.</span>
      ) : (
        <>
          <label htmlFor={`out-${block.id}`}>Its output (JSON or text)</label>
          <textarea id={`out-${block.id}`} rows={3} value={output} onChange={(event) => setOutput(event.target.value)} />
          <ActionButton onAction={send}>Send output</ActionButton>
        </>
      )}
    </div>
  );
}
