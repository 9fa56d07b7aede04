import { Worker } from 'node:worker_threads';
import type { SandboxReply, SandboxTask } from './sandbox-protocol.js';

export interface SandboxOptions {
  workers: number;
  timeoutMs: number;
  memoryBytes: number;
  maxResultBytes: number;
}

export interface Sandbox {
  /** Runs code in a fresh QuickJS context on a worker thread. Never throws for the code's own failures. */
  run(code: string, globals: Record<string, unknown>, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<SandboxReply>;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
}

/**
 * A pool of sandbox threads, so that a tool's code never blocks the server's event loop. QuickJS's interrupt
 * handler enforces the time limit inside the thread; if a thread still does not answer a second after the
 * limit, it is terminated and replaced.
 */
export function createSandboxPool(options: SandboxOptions): Sandbox {
  const fromSource = import.meta.url.endsWith('.ts');
  const workerUrl = new URL(`./sandbox-worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const slots: Slot[] = [];
  const waiting: Array<(slot: Slot) => void> = [];
  let nextId = 1;
  let closed = false;

  const spawn = (): Slot => {
    // Run from TypeScript sources (tests, `npm run dev`), the thread registers tsx before loading the worker.
    const worker = fromSource
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); });`, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 256 } })
      : new Worker(workerUrl, { resourceLimits: { maxOldGenerationSizeMb: 256 } });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean }) => {
        if (message.ready) {
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    return { worker, ready, busy: false };
  };

  const acquire = (): Promise<Slot> => {
    const free = slots.find((slot) => !slot.busy);
    if (free) {
      free.busy = true;
      return Promise.resolve(free);
    }
    if (slots.length < options.workers) {
      const slot = spawn();
      slot.busy = true;
      slots.push(slot);
      return Promise.resolve(slot);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };

  const release = (slot: Slot): void => {
    const next = waiting.shift();
    if (next) next(slot);
    else slot.busy = false;
  };

  const replace = (slot: Slot): Slot => {
    void slot.worker.terminate();
    const fresh = spawn();
    fresh.busy = true;
    slots[slots.indexOf(slot)] = fresh;
    return fresh;
  };

  return {
    async run(code, globals, runOptions = {}) {
      if (closed) throw new Error('sandbox pool is closed');
      const timeoutMs = runOptions.timeoutMs ?? options.timeoutMs;
      let slot = await acquire();
      const task: SandboxTask = { id: nextId++, code, globals, timeoutMs, memoryBytes: options.memoryBytes, maxResultBytes: options.maxResultBytes };
      try {
        await slot.ready;
        return await new Promise<SandboxReply>((resolve) => {
          const finish = (reply: SandboxReply): void => {
            clearTimeout(guard);
            slot.worker.off('message', onMessage);
            slot.worker.off('exit', onExit);
            runOptions.signal?.removeEventListener('abort', onAbort);
            resolve(reply);
          };
          const onMessage = (reply: SandboxReply) => {
            if (reply.id === task.id) finish(reply);
          };
          const onExit = () => finish({ id: task.id, ok: false, code: 'SANDBOX_MEMORY', message: 'the sandbox thread died (memory limit)', logs: [] });
          const kill = (reply: SandboxReply) => {
            finish(reply);
            slot = replace(slot);
          };
          const onAbort = () => kill({ id: task.id, ok: false, code: 'SANDBOX_ERROR', message: 'cancelled', logs: [] });
          const guard = setTimeout(() => kill({ id: task.id, ok: false, code: 'SANDBOX_TIMEOUT', message: `the code ran past its time limit of ${timeoutMs} ms`, logs: [] }), timeoutMs + 1000);
          slot.worker.on('message', onMessage);
          slot.worker.once('exit', onExit);
          runOptions.signal?.addEventListener('abort', onAbort, { once: true });
          slot.worker.postMessage(task);
        });
      } catch (error) {
        slot = replace(slot);
        return { id: task.id, ok: false, code: 'SANDBOX_ERROR', message: `sandbox failure: ${(error as Error).message}`, logs: [] };
      } finally {
        release(slot);
      }
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
