import { shownStatus, type Execution, type ExecutionStatus } from '@flowrun/client';
import { Status } from '../../api/contract.js';
import { renderRun } from '../render-run.js';
import { remoteClient, withRemote, type RemoteOptions } from '../remote.js';
import { createTerminal } from '../terminal.js';

/** `flowrun runs list`: the newest executions, a line each (or JSON). */
export function listRunsCommand(options: RemoteOptions & { status?: string; limit?: string; json?: boolean }): Promise<void> {
  return withRemote(async () => {
    const page = await remoteClient(options).executions.list({
      ...(options.status ? { status: statusOption(options.status) } : {}),
      limit: Number(options.limit ?? 20),
    });
    if (options.json) return void process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    const terminal = createTerminal();
    for (const execution of page.data)
      terminal.write(
        `${execution.id}  ${statusOf(execution, terminal)}  ${execution.flowName}  ${terminal.dim(execution.createdAt)}  ${terminal.dim(
          execution.durationMs === null ? '' : `${(execution.durationMs / 1000).toFixed(1)}s`,
        )}\n`,
      );
    if (page.data.length === 0) terminal.write(terminal.dim('no runs yet\n'));
  });
}

function statusOption(value: string): ExecutionStatus {
  const status = Status.safeParse(value);
  if (!status.success) throw new Error(`--status is one of ${Status.options.join(', ')}, not '${value}'`);
  return status.data;
}

/** `flowrun runs show ID`: one execution, its steps and what each cost. */
export function showRunCommand(id: string, options: RemoteOptions & { json?: boolean }): Promise<void> {
  return withRemote(async () => {
    const execution = await remoteClient(options).executions.get(id);
    if (options.json) return void process.stdout.write(`${JSON.stringify(execution, null, 2)}\n`);
    const terminal = createTerminal();
    terminal.write(`${terminal.bold(execution.flowName)} ${execution.id}  ${statusOf(execution, terminal)}\n`);
    for (const step of execution.steps)
      terminal.write(`  ${stepMark(step.status, terminal)} ${step.stepId} ${terminal.dim(step.stepType)}\n`);
    if (execution.usage)
      terminal.write(`  ${execution.usage.inputTokens + execution.usage.outputTokens} tokens  $${execution.usage.costUsd.toFixed(6)}\n`);
    if (execution.error) {
      const paint = shownStatus(execution) === 'failed' ? terminal.red : terminal.yellow;
      terminal.write(`  ${paint(`${execution.error.code}: ${execution.error.message}`)}\n`);
    }
    if (execution.finalOutput !== null && execution.finalOutput !== undefined)
      terminal.write(
        `${typeof execution.finalOutput === 'string' ? execution.finalOutput : JSON.stringify(execution.finalOutput, null, 2)}\n`,
      );
  });
}

/** `flowrun runs replay ID [--after N]`: the stored events again (then live, while the run goes on). */
export function replayRunCommand(id: string, options: RemoteOptions & { after?: string; json?: boolean }): Promise<void> {
  return withRemote(async () => {
    const events = remoteClient(options).executions.events(id, { after: Number(options.after ?? 0) });
    if (!options.json) return void (await renderRun(events, createTerminal()));
    for await (const event of events) process.stdout.write(`${JSON.stringify(event)}\n`);
  });
}

/** The run's status as a person reads it (a denied approval as `denied`), coloured on a terminal. */
function statusOf(execution: Execution, terminal: ReturnType<typeof createTerminal>): string {
  const status = shownStatus(execution);
  const paint = { completed: terminal.green, failed: terminal.red, cancelled: terminal.red }[
    status as 'completed' | 'failed' | 'cancelled'
  ];
  return (paint ?? terminal.yellow)(status);
}

/** A step's mark: done, skipped, stopped by its approval (denied, timeout), or failed. */
function stepMark(status: string, terminal: ReturnType<typeof createTerminal>): string {
  if (status === 'completed') return terminal.green('✔');
  if (status === 'skipped') return terminal.dim('–');
  return status === 'failed' ? terminal.red('✖') : terminal.yellow(`✖ ${status}`);
}
