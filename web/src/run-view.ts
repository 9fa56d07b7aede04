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
type ToolBlock = Extract<Block, { kind: 'tool' }>;
/** One event's change: the blocks after it, and the status when it changes. */
type Change = { blocks: Block[]; status?: RunView['status'] };

const text = (value: unknown) => (typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value));
const errorText = (value: unknown) => text((value as { message?: unknown } | undefined)?.message ?? value);

/** The blocks with the one of `kind` and `id` changed (made first when there is none yet). */
function upsert<K extends Block['kind']>(
  blocks: Block[],
  kind: K,
  id: string,
  make: () => Extract<Block, { kind: K }>,
  change: (block: Extract<Block, { kind: K }>) => Extract<Block, { kind: K }>,
): Block[] {
  const index = blocks.findIndex((block) => block.id === id && block.kind === kind);
  if (index === -1) return [...blocks, change(make())];
  return blocks.map((block, position) => (position === index ? change(block as Extract<Block, { kind: K }>) : block));
}

const appendText = (kind: 'text' | 'reasoning') => (view: RunView, event: Event, id: string) => ({
  blocks: upsert(
    view.blocks,
    kind,
    id,
    () => ({ kind, id, text: '' }),
    (block) => ({ ...block, text: block.text + text(event.delta) }),
  ),
});

const changeTool = (view: RunView, event: Event, id: string, change: (block: ToolBlock) => ToolBlock) => ({
  blocks: upsert(view.blocks, 'tool', id, () => ({ kind: 'tool', id, name: text(event.toolName), input: '', status: 'running' }), change),
});

/** What each Unified event does to the view; events not listed change nothing. */
const eventHandlers: Record<string, (view: RunView, event: Event, id: string) => Change> = {
  execution_start: (view) => ({ blocks: view.blocks, status: 'running' }),
  step_start: (view, event, id) => ({
    blocks: [...view.blocks, { kind: 'step', id, name: text(event.name), stepType: text(event.stepType), status: 'running' }],
  }),
  step_complete: (view, event, id) => {
    // A step that streams no text (a template, a transform, a tool call) shows its result instead.
    const step = view.blocks.find((block) => block.kind === 'step' && block.id === id);
    const shown = step?.kind === 'step' && step.stepType !== 'prompt' && event.result != null;
    const blocks: Block[] = shown ? [...view.blocks, { kind: 'result', id, value: event.result }] : view.blocks;
    const failed = event.success === false;
    return {
      blocks: blocks.map((block) =>
        block.kind === 'step' && block.id === id
          ? { ...block, status: failed ? 'failed' : 'done', error: event.error ? errorText(event.error) : undefined }
          : block,
      ),
    };
  },
  text_delta: appendText('text'),
  reasoning_delta: appendText('reasoning'),
  tool_start: (view, event, id) => changeTool(view, event, id, (block) => block),
  tool_input_delta: (view, event, id) => changeTool(view, event, id, (block) => ({ ...block, input: block.input + text(event.delta) })),
  tool_input_complete: (view, event, id) => changeTool(view, event, id, (block) => ({ ...block, parameters: event.parameters })),
  tool_complete: (view, event, id) =>
    changeTool(view, event, id, (block) => ({
      ...block,
      result: event.success === false ? event.error : event.result,
      status: event.success === false ? 'failed' : 'done',
    })),
  approval_start: (view, event, id) => ({
    blocks: [
      ...view.blocks,
      {
        kind: 'approval',
        id,
        toolName: event.toolName ? text(event.toolName) : undefined,
        description: text(event.description ?? event.reason),
        parameters: event.parameters,
      },
    ],
    status: 'paused',
  }),
  approval_complete: (view, event, id) => ({
    blocks: view.blocks.map((block) =>
      block.kind === 'approval' && block.id === id ? { ...block, decision: text(event.decision) } : block,
    ),
  }),
  await: (view, event, id) => ({
    blocks: [...view.blocks, { kind: 'await', id, toolName: text(event.toolName), parameters: event.parameters }],
    status: 'paused',
  }),
  execution_complete: (view, event) => {
    const success = event.success !== false;
    return {
      blocks: [...view.blocks, { kind: 'end', id: 'end', success, message: success ? 'The run completed.' : 'The run failed.' }],
      status: success ? 'completed' : 'failed',
    };
  },
  execution_error: (view, event) => ({
    blocks: [...view.blocks, { kind: 'end', id: 'end', success: false, message: `${text(event.code)}: ${errorText(event.error)}` }],
    status: 'failed',
  }),
};

/** The view after one more event. (A pause ends the Unified stream with no frame of its own: the view stays paused.) */
export function applyEvent(view: RunView, event: Event): RunView {
  const handler = eventHandlers[event.type];
  if (!handler) return view;
  const executionId = view.executionId ?? (typeof event.executionId === 'string' ? event.executionId : undefined);
  const change = handler(view, event, text(event.toolCallId ?? event.approvalId ?? event.id));
  return { executionId, blocks: change.blocks, status: change.status ?? view.status };
}
