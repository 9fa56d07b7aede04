import { existsSync, readFileSync } from 'node:fs';
import type { DispatchRequest } from '@flowrun/client';
import { renderRun } from '../render-run.js';
import { remoteClient, withRemote, type RemoteOptions } from '../remote.js';
import { createTerminal } from '../terminal.js';

export interface RunOptions extends RemoteOptions {
  record?: string;
  input?: string[];
  events?: 'unified' | 'runtype' | 'travrse';
  json?: boolean;
}

/**
 * `flowrun run FLOW.json|SLUG`: a flow file (a flow `{name, steps}` or a whole dispatch body) or a stored flow
 * (id or slug), streamed to the terminal. Exit 0 when it completed or paused, 1 when it failed.
 */
export function runCommand(flow: string, options: RunOptions): Promise<void> {
  return withRemote(async () => {
    const flowrun = remoteClient(options);
    const request = dispatchRequest(flow, options);
    const dialect = options.events ?? 'unified';
    if (options.json || dialect !== 'unified') {
      let failed = false;
      for await (const event of flowrun.dispatch(request, { dialect })) {
        process.stdout.write(options.json ? `${JSON.stringify(event)}\n` : `${event.type}  ${JSON.stringify(event)}\n`);
        failed ||= /error$/.test(event.type);
      }
      return failed ? 1 : 0;
    }
    const rendered = await renderRun(flowrun.dispatch(request), createTerminal());
    return rendered.status === 'failed' ? 1 : 0;
  });
}

export function dispatchRequest(flow: string, options: Pick<RunOptions, 'record' | 'input'>): DispatchRequest {
  const inputs = Object.fromEntries((options.input ?? []).map(parseInput));
  const record = options.record ? (jsonArgument(options.record, '--record') as DispatchRequest['record']) : undefined;
  const base: DispatchRequest = flow.endsWith('.json') || existsSync(flow) ? fromFile(flow) : { flow: { id: flow } };
  return {
    ...base,
    ...(record ? { record } : {}),
    ...(Object.keys(inputs).length > 0 ? { inputs: { ...base.inputs, ...inputs } } : {}),
  };
}

/** A flow file: a whole dispatch body (it has `flow` or `agent`), or a flow definition (`{name, steps}`). */
function fromFile(path: string): DispatchRequest {
  if (!existsSync(path)) throw new Error(`no such file: ${path}`);
  const parsed = jsonArgument(readFileSync(path, 'utf8'), path) as Record<string, unknown>;
  if ('flow' in parsed || 'agent' in parsed) return parsed as DispatchRequest;
  return { flow: parsed as DispatchRequest['flow'], options: { flowMode: 'virtual', recordMode: 'virtual' } };
}

/** `name=value`: the value as JSON when it is JSON (`n=3`, `tags=["a"]`), else as text. */
function parseInput(pair: string): [string, unknown] {
  const equals = pair.indexOf('=');
  if (equals <= 0) throw new Error(`--input takes name=value, got '${pair}'`);
  const raw = pair.slice(equals + 1);
  try {
    return [pair.slice(0, equals), JSON.parse(raw)];
  } catch {
    return [pair.slice(0, equals), raw];
  }
}

/** A JSON argument, or `@file` to read one. */
function jsonArgument(value: string, what: string): unknown {
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${(error as Error).message}`);
  }
}
