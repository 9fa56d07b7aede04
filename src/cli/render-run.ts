import type { UnifiedEvent } from '@flowrun/client';
import type { Terminal } from './terminal.js';

/** What a run printed: how it ended, for the command's exit code. */
export interface RenderedRun {
  status: 'completed' | 'failed' | 'paused' | 'unknown';
  executionId?: string;
}

const number = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const usd = (value: unknown): string => `$${number(value).toFixed(number(value) < 0.01 ? 6 : 4)}`;
const seconds = (ms: unknown): string => `${(number(ms) / 1000).toFixed(1)}s`;

/**
 * Prints a run's unified events for a person: a spinner per running step, then its line (time, tokens, cost);
 * the model's text as it streams; each warning (a `{{variable}}` that rendered as nothing, with the name probably
 * meant); a running total of tokens and cost; how it ended and what to do if it paused.
 */
export async function renderRun(events: AsyncIterable<UnifiedEvent>, terminal: Terminal): Promise<RenderedRun> {
  const result: RenderedRun = { status: 'unknown' };
  let spinner: { stop(): void } | null = null;
  let tokens = 0;
  let cost = 0;
  let midLine = false;
  /** Before a line of its own: the spinner goes, and streamed text gets its line break. */
  const settle = () => {
    spinner?.stop();
    spinner = null;
    if (midLine) terminal.write('\n');
    midLine = false;
  };
  for await (const event of events) {
    switch (event.type) {
      case 'execution_start':
        result.executionId = String(event.executionId ?? '');
        terminal.write(`${terminal.bold(String(event.flowName ?? 'run'))} ${terminal.dim(result.executionId)}\n`);
        break;
      case 'step_start':
        spinner = terminal.spin(`${String(event.name)} ${terminal.dim(`(${String(event.stepType)})`)}`);
        break;
      case 'text_delta':
        spinner?.stop();
        spinner = null;
        terminal.write(terminal.dim(String(event.delta ?? '')));
        midLine = true;
        break;
      case 'step_complete': {
        settle();
        tokens += number(event.tokensUsed);
        cost += number(event.cost);
        const mark = event.success === false ? terminal.red('✖') : terminal.green('✔');
        const usage = event.tokensUsed === undefined ? '' : `  ${number(event.tokensUsed)} tokens  ${usd(event.cost)}`;
        const failure = event.success === false ? `  ${terminal.red(String(event.error ?? 'failed'))}` : '';
        terminal.write(`${mark} ${String(event.name)}  ${terminal.dim(seconds(event.durationMs))}${terminal.dim(usage)}${failure}\n`);
        break;
      }
      case 'warning':
        settle();
        terminal.write(`${terminal.yellow('⚠')} ${String(event.message ?? event.code ?? 'warning')}\n`);
        break;
      case 'approval_start':
        settle();
        terminal.write(
          `${terminal.yellow('⏸')} waits for an approval: ${String(event.description ?? '')} ${terminal.dim(String(event.approvalId))}\n`,
        );
        terminal.write(
          terminal.dim(`  decide with: npx flowrun approve ${result.executionId ?? ''} ${String(event.approvalId)} [--deny]\n`),
        );
        result.status = 'paused';
        break;
      case 'await':
        settle();
        terminal.write(
          `${terminal.yellow('⏸')} waits for the client tool ${String(event.toolName)} ${terminal.dim(String(event.toolCallId))}\n`,
        );
        result.status = 'paused';
        break;
      case 'execution_complete':
        settle();
        terminal.write(
          `${terminal.green('completed')} in ${seconds(event.durationMs)}  ${number(event.totalTokensUsed) || tokens} tokens  ${usd(event.totalCost ?? cost)}\n`,
        );
        result.status = 'completed';
        break;
      case 'execution_error': {
        settle();
        const error = (event.error ?? {}) as { code?: string; message?: string };
        terminal.write(`${terminal.red('failed')} ${error.code ?? ''}: ${error.message ?? ''}\n`);
        result.status = 'failed';
        break;
      }
      default:
        break;
    }
  }
  settle();
  return result;
}
