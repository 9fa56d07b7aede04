import { useEffect, useRef, useState } from 'react';
import { useSession } from '../use-session';
import { applyEvent, type RunView } from '../run-view';

export type Target = 'flow' | 'agent' | 'json';
export interface RunRequest {
  target: Target;
  flowId: string;
  agentId: string;
  metadata: string;
  inputs: string;
  message: string;
  body: string;
}

const idle: RunView = { blocks: [], status: 'idle' };

function parseObject(text: string, what: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * A playground run: started, then continued by approvals and client-tool answers, each a new stream read into the
 * same view. `generation` counts the streams read, so the raw-frames panel follows each continuation.
 */
export function usePlaygroundRun() {
  const { client } = useSession();
  const [view, setView] = useState<RunView>(idle);
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const consume = async (stream: AsyncIterable<{ type: string }>) => {
    setError(undefined);
    try {
      for await (const event of stream) setView((current) => applyEvent(current, event as { type: string }));
    } catch (caught) {
      if ((caught as Error).name !== 'AbortError') setError(caught);
    }
    setGeneration((value) => value + 1);
  };
  const streamOf = (request: RunRequest, signal: AbortSignal) => {
    const options = { dialect: 'unified' as const, signal };
    if (request.target === 'agent')
      return client.agents.execute(request.agentId, { messages: [{ role: 'user', content: request.message }] }, options);
    if (request.target === 'json') return client.dispatch(parseObject(request.body, 'The dispatch body'), options);
    const record = { name: 'Playground', type: 'standalone', metadata: parseObject(request.metadata, 'The record') };
    return client.dispatch({ record, flow: { id: request.flowId }, inputs: parseObject(request.inputs, 'The inputs') }, options);
  };
  return {
    view,
    error,
    generation,
    async run(request: RunRequest) {
      abort.current?.abort();
      abort.current = new AbortController();
      setView({ ...idle, status: 'running' });
      setError(undefined);
      try {
        await consume(streamOf(request, abort.current.signal));
      } catch (caught) {
        setError(caught);
        setView((current) => ({ ...current, status: 'failed' }));
      }
    },
    stop: () => abort.current?.abort(),
    async decide(approvalId: string, decision: 'approved' | 'denied') {
      setView((current) => ({ ...current, status: 'running' }));
      await consume(client.approve({ executionId: view.executionId!, approvalId, decision }, { dialect: 'unified' }));
    },
    async answer(toolCallId: string, output: unknown) {
      setView((current) => ({
        ...current,
        status: 'running',
        blocks: current.blocks.map((block) => (block.kind === 'await' && block.id === toolCallId ? { ...block, answered: true } : block)),
      }));
      await consume(client.resume({ executionId: view.executionId!, toolOutputs: { [toolCallId]: output } }, { dialect: 'unified' }));
    },
  };
}
