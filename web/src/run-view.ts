/** What the playground shows of a run, built up from its Unified events as they arrive. */
export type Block =
  | { kind: 'step'; id: string; name: string; stepType: string; status: 'running' | 'done' | 'failed'; error?: string }
  | { kind: 'text'; id: string; text: string }
  | { kind: 'reasoning'; id: string; text: string }
  | { kind: 'tool'; id: string; name: string; input: string; parameters?: unknown; result?: unknown; status: 'running' | 'done' | 'failed' }
  | { kind: 'approval'; id: string; toolName?: string; description: string; parameters?: unknown; decision?: string }
  | { kind: 'await'; id: string; toolName: string; parameters?: unknown; answered?: boolean }
  | { kind: 'result'; id: string; value: unknown }
  | { kind: 'end'; id: string; success: boolean; message: string };

export interface RunView {
  executionId?: string;
  blocks: Block[];
  status: 'idle' | 'running' | 'paused' | 'completed' | 'failed';
}

type Event = { type: string; [field: string]: unknown };

const text = (value: unknown) => (typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value));

function upsert(blocks: Block[], id: string, kind: Block['kind'], make: () => Block, change: (block: Block) => Block): Block[] {
  const index = blocks.findIndex((block) => block.id === id && block.kind === kind);
  if (index === -1) return [...blocks, change(make())];
  return blocks.map((block, position) => (position === index ? change(block) : block));
}

/** The view after one more event. */
export function applyEvent(view: RunView, event: Event): RunView {
  const executionId = view.executionId ?? (typeof event.executionId === 'string' ? event.executionId : undefined);
  const next = (blocks: Block[], status = view.status): RunView => ({ executionId, blocks, status });
  const id = text(event.toolCallId ?? event.approvalId ?? event.id);
  switch (event.type) {
    case 'execution_start':
      return next(view.blocks, 'running');
    case 'step_start':
      return next([...view.blocks, { kind: 'step', id, name: text(event.name), stepType: text(event.stepType), status: 'running' }]);
    case 'step_complete': {
      // A step that streams no text (a template, a transform, a tool call) shows its result instead.
      const step = view.blocks.find((block) => block.kind === 'step' && block.id === id);
      const shown = step && step.kind === 'step' && step.stepType !== 'prompt' && event.result !== undefined && event.result !== null;
      const blocks = shown ? [...view.blocks, { kind: 'result' as const, id, value: event.result }] : view.blocks;
      return next(
        blocks.map((block) =>
          block.kind === 'step' && block.id === id
            ? {
                ...block,
                status: event.success === false ? 'failed' : 'done',
                error: event.error ? text((event.error as { message?: unknown }).message ?? event.error) : undefined,
              }
            : block,
        ),
      );
    }
    case 'text_delta':
      return next(
        upsert(
          view.blocks,
          id,
          'text',
          () => ({ kind: 'text', id, text: '' }),
          (block) => ({ ...block, text: (block as { text: string }).text + text(event.delta) }) as Block,
        ),
      );
    case 'reasoning_delta':
      return next(
        upsert(
          view.blocks,
          id,
          'reasoning',
          () => ({ kind: 'reasoning', id, text: '' }),
          (block) => ({ ...block, text: (block as { text: string }).text + text(event.delta) }) as Block,
        ),
      );
    case 'tool_start':
      return next(
        upsert(
          view.blocks,
          id,
          'tool',
          () => ({ kind: 'tool', id, name: text(event.toolName), input: '', status: 'running' }),
          (block) => block,
        ),
      );
    case 'tool_input_delta':
      return next(
        upsert(
          view.blocks,
          id,
          'tool',
          () => ({ kind: 'tool', id, name: text(event.toolName), input: '', status: 'running' }),
          (block) => ({
            ...(block as Extract<Block, { kind: 'tool' }>),
            input: (block as Extract<Block, { kind: 'tool' }>).input + text(event.delta),
          }),
        ),
      );
    case 'tool_input_complete':
      return next(
        upsert(
          view.blocks,
          id,
          'tool',
          () => ({ kind: 'tool', id, name: text(event.toolName), input: '', status: 'running' }),
          (block) => ({
            ...(block as Extract<Block, { kind: 'tool' }>),
            parameters: event.parameters,
          }),
        ),
      );
    case 'tool_complete':
      return next(
        upsert(
          view.blocks,
          id,
          'tool',
          () => ({ kind: 'tool', id, name: text(event.toolName), input: '', status: 'running' }),
          (block) => ({
            ...(block as Extract<Block, { kind: 'tool' }>),
            result: event.success === false ? event.error : event.result,
            status: event.success === false ? 'failed' : 'done',
          }),
        ),
      );
    case 'approval_start':
      return next(
        [
          ...view.blocks,
          {
            kind: 'approval',
            id,
            toolName: event.toolName ? text(event.toolName) : undefined,
            description: text(event.description ?? event.reason),
            parameters: event.parameters,
          },
        ],
        'paused',
      );
    case 'approval_complete':
      return next(
        view.blocks.map((block) => (block.kind === 'approval' && block.id === id ? { ...block, decision: text(event.decision) } : block)),
      );
    case 'await':
      return next([...view.blocks, { kind: 'await', id, toolName: text(event.toolName), parameters: event.parameters }], 'paused');
    case 'execution_complete':
      if (view.status === 'paused' && event.success !== false && event.stopReason === 'paused') return next(view.blocks, 'paused');
      return next(
        [
          ...view.blocks,
          {
            kind: 'end',
            id: 'end',
            success: event.success !== false,
            message: event.success === false ? 'The run failed.' : 'The run completed.',
          },
        ],
        event.success === false ? 'failed' : view.status === 'paused' ? 'paused' : 'completed',
      );
    case 'execution_error':
      return next(
        [
          ...view.blocks,
          {
            kind: 'end',
            id: 'end',
            success: false,
            message: `${text(event.code)}: ${text((event.error as { message?: unknown } | undefined)?.message ?? event.error)}`,
          },
        ],
        'failed',
      );
    default:
      return view;
  }
}
