import { parentPort } from 'node:worker_threads';
import { getQuickJS, shouldInterruptAfterDeadline, type QuickJSContext, type QuickJSHandle } from 'quickjs-emscripten';
import { jsonTextTooDeep, maxJsonDepth } from '../../protocol/json-depth.js';
import type { SandboxReply, SandboxTask } from './sandbox-protocol.js';

/**
 * One sandbox thread. Each task gets a fresh QuickJS runtime (its own heap, memory limit and deadline) and
 * context: no `require`, no `process`, no network, no file system, no timers. Only `console` is provided, and
 * what it prints is captured.
 */
const quickjs = await getQuickJS();
const maxLogBytes = 64 * 1024;

function run(task: SandboxTask): SandboxReply {
  const logs: string[] = [];
  let logBytes = 0;
  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(task.memoryBytes);
  runtime.setMaxStackSize(512 * 1024);
  const deadline = Date.now() + task.timeoutMs;
  runtime.setInterruptHandler(shouldInterruptAfterDeadline(deadline));
  const context = runtime.newContext();
  // The sandbox's own JSON.stringify, taken before the code runs: code that replaces it changes nothing here.
  const json = context.getProp(context.global, 'JSON');
  const stringify = context.getProp(json, 'stringify');
  json.dispose();
  try {
    installConsole(context, (line) => {
      if (logBytes >= maxLogBytes) return;
      logBytes += line.length;
      logs.push(line.slice(0, maxLogBytes));
    });
    const globalsJson = context.newString(JSON.stringify(task.globals));
    context.setProp(context.global, '__flowrunGlobals', globalsJson);
    globalsJson.dispose();
    const names = Object.keys(task.globals).filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
    const source = `(() => { const __g = JSON.parse(globalThis.__flowrunGlobals); delete globalThis.__flowrunGlobals;
      return (async function (${names.join(', ')}) { "use strict";\n${task.code}\n}).apply(undefined, [${names.map((name) => `__g[${JSON.stringify(name)}]`).join(', ')}]); })()`;
    const evaluated = context.evalCode(source, 'tool.js');
    if (evaluated.error) return failure(task, context, evaluated.error, logs, deadline);
    const promise = evaluated.value;
    try {
      for (;;) {
        const state = context.getPromiseState(promise);
        if (state.type === 'fulfilled') {
          const value = state.value;
          try {
            return success(task, context, value, logs, deadline, stringify);
          } finally {
            if (!state.notAPromise) value.dispose();
          }
        }
        if (state.type === 'rejected') {
          return failure(task, context, state.error, logs, deadline);
        }
        const jobs = runtime.executePendingJobs();
        if (jobs.error) return failure(task, context, jobs.error, logs, deadline);
        if (jobs.value === 0 && context.getPromiseState(promise).type === 'pending') {
          return {
            id: task.id,
            ok: false,
            code: 'SANDBOX_ERROR',
            message: 'the code returned a promise that never settles (there are no timers or I/O in the sandbox)',
            logs,
          };
        }
      }
    } finally {
      promise.dispose();
    }
  } catch (error) {
    return {
      id: task.id,
      ok: false,
      code: classify(String((error as Error)?.message ?? error), deadline),
      message: describe(String((error as Error)?.message ?? error), deadline, task),
      logs,
    };
  } finally {
    stringify.dispose();
    context.dispose();
    runtime.dispose();
  }
}

function installConsole(context: QuickJSContext, write: (line: string) => void): void {
  const consoleObject = context.newObject();
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    const fn = context.newFunction(level, (...args: QuickJSHandle[]) => {
      write(`${level === 'log' ? '' : `[${level}] `}${args.map((arg) => formatArgument(context, arg)).join(' ')}`);
    });
    context.setProp(consoleObject, level, fn);
    fn.dispose();
  }
  context.setProp(context.global, 'console', consoleObject);
  consoleObject.dispose();
}

function formatArgument(context: QuickJSContext, handle: QuickJSHandle): string {
  try {
    const value: unknown = context.dump(handle);
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return '[unprintable value]';
  }
}

/**
 * The result leaves the sandbox as JSON text made by the sandbox's own JSON.stringify, under the same deadline
 * and memory limit: a getter or `toJSON` that never ends is a timeout, not a silent "[object Object]". The text
 * is then checked for size and nesting before the host parses it.
 */
function success(
  task: SandboxTask,
  context: QuickJSContext,
  value: QuickJSHandle,
  logs: string[],
  deadline: number,
  stringify: QuickJSHandle,
): SandboxReply {
  const serialised = context.callFunction(stringify, context.undefined, value);
  if (serialised.error) return failure(task, context, serialised.error, logs, deadline);
  const text = context.typeof(serialised.value) === 'string' ? context.getString(serialised.value) : 'null';
  serialised.value.dispose();
  if (text.length > task.maxResultBytes) {
    return { id: task.id, ok: false, code: 'SANDBOX_RESULT', message: `the result is larger than ${task.maxResultBytes} bytes`, logs };
  }
  if (jsonTextTooDeep(text))
    return { id: task.id, ok: false, code: 'SANDBOX_RESULT', message: `the result is nested deeper than ${maxJsonDepth} levels`, logs };
  return { id: task.id, ok: true, result: JSON.parse(text), logs };
}

function failure(task: SandboxTask, context: QuickJSContext, handle: QuickJSHandle, logs: string[], deadline: number): SandboxReply {
  const error = context.dump(handle) as { name?: string; message?: string } | string;
  if (handle.alive) handle.dispose();
  const message = typeof error === 'object' && error !== null ? `${error.name ?? 'Error'}: ${error.message ?? ''}` : String(error);
  return { id: task.id, ok: false, code: classify(message, deadline), message: describe(message, deadline, task), logs };
}

function classify(message: string, deadline: number): 'SANDBOX_TIMEOUT' | 'SANDBOX_MEMORY' | 'SANDBOX_ERROR' {
  if (/interrupted/i.test(message) || Date.now() >= deadline) return 'SANDBOX_TIMEOUT';
  if (/out of memory|memory limit|stack overflow/i.test(message)) return 'SANDBOX_MEMORY';
  return 'SANDBOX_ERROR';
}

function describe(message: string, deadline: number, task?: SandboxTask): string {
  const code = classify(message, deadline);
  if (code === 'SANDBOX_TIMEOUT') return `the code ran past its time limit${task ? ` of ${task.timeoutMs} ms` : ''}`;
  if (code === 'SANDBOX_MEMORY') return `the code exceeded its memory limit (${message})`;
  return message.slice(0, 2000);
}

parentPort!.on('message', (task: SandboxTask) => {
  parentPort!.postMessage(run(task));
});
parentPort!.postMessage({ ready: true });
