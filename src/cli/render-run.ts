import { shownStatus, type CarriedWarning, type UnifiedEvent } from '@flowrun/client';
import { cliCommand } from './invocation.js';
import type { Terminal } from './terminal.js';

/** What a run printed: how it ended, for the command's exit code (a denial is a decision, not a failure). */
export interface RenderedRun {
  status: 'completed' | 'failed' | 'denied' | 'paused' | 'unknown';
  executionId?: string;
}

const number = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const usd = (value: unknown): string => `$${number(value).toFixed(number(value) < 0.01 ? 6 : 4)}`;
const seconds = (ms: unknown): string => `${(number(ms) / 1000).toFixed(1)}s`;

/** A tool's arguments or result on one line, cut at `limit` characters. */
export function oneLine(value: unknown, limit = 200): string {
  const text = (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))).replace(/\s+/g, ' ');
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

interface RenderState {
  result: RenderedRun;
  terminal: Terminal;
  spinner: { stop(): void } | null;
  tokens: number;
  cost: number;
  midLine: boolean;
}

/** Before a line of its own: the spinner goes, and streamed text gets its line break. */
function settle(state: RenderState): void {
  state.spinner?.stop();
  state.spinner = null;
  if (state.midLine) state.terminal.write('\n');
  state.midLine = false;
}

type Handlers = { [Type in UnifiedEvent['type']]?: (event: Extract<UnifiedEvent, { type: Type }>, state: RenderState) => void };

/** One printer per event a person cares about; the rest (deltas of tool input, reasoning, …) print nothing. */
const handlers: Handlers = {
  execution_start: (event, { result, terminal }) => {
    result.executionId = String(event.executionId ?? '');
    terminal.write(`${terminal.bold(String(event.flowName ?? 'run'))} ${terminal.dim(result.executionId)}\n`);
  },
  step_start: (event, state) => {
    state.spinner = state.terminal.spin(`${String(event.name)} ${state.terminal.dim(`(${String(event.stepType)})`)}`);
  },
  text_delta: (event, state) => {
    state.spinner?.stop();
    state.spinner = null;
    state.terminal.write(state.terminal.dim(String(event.delta ?? '')));
    state.midLine = true;
  },
  tool_input_complete: (event, state) => {
    settle(state);
    const { terminal } = state;
    terminal.write(`  ${terminal.yellow('→')} ${String(event.toolName ?? 'tool')} ${terminal.dim(oneLine(event.parameters ?? {}))}\n`);
  },
  tool_complete: (event, state) => {
    settle(state);
    const { terminal } = state;
    const name = String(event.toolName ?? 'tool');
    if (event.success === false) terminal.write(`  ${terminal.red('✖')} ${name} ${terminal.red(oneLine(event.error ?? 'failed'))}\n`);
    else terminal.write(`  ${terminal.green('←')} ${name} ${terminal.dim(oneLine(event.result ?? null))}\n`);
  },
  step_complete: (event, state) => {
    settle(state);
    const { terminal } = state;
    state.tokens += number(event.tokensUsed);
    state.cost += number(event.cost);
    const mark = event.success === false ? terminal.red('✖') : terminal.green('✔');
    const usage = event.tokensUsed === undefined ? '' : `  ${number(event.tokensUsed)} tokens  ${usd(event.cost)}`;
    const failure = event.success === false ? `  ${terminal.red(String(event.error ?? 'failed'))}` : '';
    terminal.write(`${mark} ${String(event.name)}  ${terminal.dim(seconds(event.durationMs))}${terminal.dim(usage)}${failure}\n`);
  },
  approval_start: (event, state) => {
    settle(state);
    const { terminal, result } = state;
    terminal.write(
      `${terminal.yellow('⏸')} waits for an approval: ${String(event.description ?? '')} ${terminal.dim(String(event.approvalId))}\n`,
    );
    terminal.write(
      terminal.dim(`  decide with: ${cliCommand()} approve ${result.executionId ?? ''} ${String(event.approvalId)} [--deny]\n`),
    );
    result.status = 'paused';
  },
  await: (event, state) => {
    settle(state);
    const { terminal } = state;
    terminal.write(
      `${terminal.yellow('⏸')} waits for the client tool ${String(event.toolName)} ${terminal.dim(String(event.toolCallId))}\n`,
    );
    state.result.status = 'paused';
  },
  execution_complete: (event, state) => {
    settle(state);
    const { terminal } = state;
    const tokens = number(event.totalTokensUsed) || state.tokens;
    terminal.write(
      `${terminal.green('completed')} in ${seconds(event.durationMs)}  ${tokens} tokens  ${usd(event.totalCost ?? state.cost)}\n`,
    );
    state.result.status = 'completed';
  },
  execution_error: (event, state) => {
    settle(state);
    const { terminal } = state;
    const error = (event.error ?? {}) as { code?: string; message?: string };
    const status = shownStatus({ status: 'failed', error });
    const paint = status === 'failed' ? terminal.red : terminal.yellow;
    terminal.write(`${paint(status)} ${error.code ?? ''}: ${error.message ?? ''}\n`);
    state.result.status = status === 'failed' ? 'failed' : 'denied';
  },
};

/** The warnings a frame carries (they came before it: printed first). */
function printWarnings(warnings: CarriedWarning[] | undefined, state: RenderState): void {
  for (const warning of warnings ?? []) {
    settle(state);
    state.terminal.write(`${state.terminal.yellow('⚠')} ${String(warning.message ?? warning.code ?? 'warning')}\n`);
  }
}

/**
 * Prints a run's unified events for a person: a spinner per running step, then its line (time, tokens, cost);
 * the model's text as it streams; each tool call with its arguments and then its result; each warning (a
 * `{{variable}}` that rendered as nothing, with the name probably meant); a running total of tokens and cost; how it
 * ended (a denied approval as denied) and what to do if it paused.
 */
export async function renderRun(events: AsyncIterable<UnifiedEvent>, terminal: Terminal): Promise<RenderedRun> {
  const state: RenderState = { result: { status: 'unknown' }, terminal, spinner: null, tokens: 0, cost: 0, midLine: false };
  for await (const event of events) {
    printWarnings(event.warnings, state);
    const handle = handlers[event.type] as ((event: UnifiedEvent, state: RenderState) => void) | undefined;
    handle?.(event, state);
  }
  settle(state);
  return state.result;
}
