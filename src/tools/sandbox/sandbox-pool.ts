import { Worker } from 'node:worker_threads';
import type { SandboxReply, SandboxTask } from './sandbox-protocol.js';

export interface SandboxOptions {
  workers: number;
  timeoutMs: number;
  /** The most any call may ask for (a tool's `config.timeout` is capped to it). */
  maxTimeoutMs: number;
  /** How many threads one tenant may hold at once; the others stay free for other tenants. */
  tenantConcurrency: number;
  memoryBytes: number;
  maxResultBytes: number;
  /** Hears every thread the pool starts (diagnostics and tests). */
  onSpawn?: (worker: Worker) => void;
}

export interface SandboxRunOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Who asks: threads are shared fairly between tenants. */
  tenant?: string;
}

export interface Sandbox {
  /** Runs code in a fresh QuickJS context on a worker thread. Never throws for the code's own failures. */
  run(code: string, globals: Record<string, unknown>, options?: SandboxRunOptions): Promise<SandboxReply>;
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
  /** Set when the thread exited or was terminated: the slot gets a new thread before its next task. */
  dead: boolean;
}

interface Waiter {
  tenant: string;
  grant: (slot: Slot) => void;
}

/**
 * A pool of sandbox threads, so that a tool's code never blocks the server's event loop. QuickJS's interrupt
 * handler enforces the time limit inside the thread (capped at `maxTimeoutMs` whatever a tool asks); a thread
 * that does not answer a second after the limit is terminated and replaced, and so is a thread that dies.
 * Waiting calls are served round-robin by tenant, and no tenant holds more than `tenantConcurrency` threads,
 * so one tenant's slow tools cannot make another tenant's calls wait.
 */
export function createSandboxPool(options: SandboxOptions): Sandbox {
  const fromSource = import.meta.url.endsWith('.ts');
  const workerUrl = new URL(`./sandbox-worker${fromSource ? '.ts' : '.js'}`, import.meta.url);
  const slots: Slot[] = [];
  const waiting: Waiter[] = [];
  const holding = new Map<string, number>();
  let nextId = 1;
  let closed = false;

  const spawn = (): Slot => {
    // Run from TypeScript sources (tests, `npm run dev`), the thread registers tsx before loading the worker.
    const worker = fromSource
      ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl.href)}); });`, {
          eval: true,
          resourceLimits: { maxOldGenerationSizeMb: 256 },
        })
      : new Worker(workerUrl, { resourceLimits: { maxOldGenerationSizeMb: 256 } });
    worker.unref();
    options.onSpawn?.(worker);
    const slot: Slot = { worker, ready: Promise.resolve(), busy: false, dead: false };
    slot.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean }) => {
        if (message.ready) {
          worker.off('message', onMessage);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    slot.ready.catch(() => undefined);
    worker.once('exit', () => {
      slot.dead = true;
    });
    return slot;
  };

  const renew = (slot: Slot): Slot => {
    if (!slot.dead) void slot.worker.terminate();
    slot.dead = true;
    const fresh = spawn();
    fresh.busy = slot.busy;
    slots[slots.indexOf(slot)] = fresh;
    return fresh;
  };

  const held = (tenant: string): number => holding.get(tenant) ?? 0;

  const take = (tenant: string): Slot | null => {
    if (held(tenant) >= options.tenantConcurrency) return null;
    let slot = slots.find((candidate) => !candidate.busy);
    if (!slot && slots.length < options.workers) {
      slot = spawn();
      slots.push(slot);
    }
    if (!slot) return null;
    if (slot.dead) slot = renew(slot);
    slot.busy = true;
    holding.set(tenant, held(tenant) + 1);
    return slot;
  };

  const acquire = (tenant: string): Promise<Slot> => {
    const slot = take(tenant);
    if (slot) return Promise.resolve(slot);
    return new Promise((grant) => waiting.push({ tenant, grant }));
  };

  // A freed thread goes to the first waiting tenant (in arrival order) that is under its limit; that tenant
  // then moves to the back, so tenants alternate.
  const release = (slot: Slot, tenant: string): void => {
    holding.set(tenant, held(tenant) - 1);
    if (holding.get(tenant) === 0) holding.delete(tenant);
    slot.busy = false;
    for (let index = 0; index < waiting.length; index++) {
      const waiter = waiting[index]!;
      const granted = take(waiter.tenant);
      if (!granted) continue;
      waiting.splice(index, 1);
      const behind = waiting.filter((other) => other.tenant === waiter.tenant);
      const others = waiting.filter((other) => other.tenant !== waiter.tenant);
      waiting.splice(0, waiting.length, ...others, ...behind);
      waiter.grant(granted);
      return;
    }
  };

  const execute = async (slot: Slot, task: SandboxTask, signal: AbortSignal | undefined): Promise<{ reply: SandboxReply; slot: Slot }> => {
    try {
      await slot.ready;
    } catch (error) {
      return {
        reply: { id: task.id, ok: false, code: 'SANDBOX_ERROR', message: `sandbox failure: ${(error as Error).message}`, logs: [] },
        slot: renew(slot),
      };
    }
    return new Promise((resolve) => {
      const finish = (reply: SandboxReply, renewed: boolean): void => {
        clearTimeout(guard);
        slot.worker.off('message', onMessage);
        slot.worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        resolve({ reply, slot: renewed ? renew(slot) : slot });
      };
      const onMessage = (reply: SandboxReply) => {
        if (reply.id === task.id) finish(reply, false);
      };
      const onExit = () =>
        finish({ id: task.id, ok: false, code: 'SANDBOX_MEMORY', message: 'the sandbox thread died (memory limit)', logs: [] }, true);
      const onAbort = () => finish({ id: task.id, ok: false, code: 'SANDBOX_ERROR', message: 'cancelled', logs: [] }, true);
      const guard = setTimeout(
        () =>
          finish(
            {
              id: task.id,
              ok: false,
              code: 'SANDBOX_TIMEOUT',
              message: `the code ran past its time limit of ${task.timeoutMs} ms`,
              logs: [],
            },
            true,
          ),
        task.timeoutMs + 1000,
      );
      slot.worker.on('message', onMessage);
      slot.worker.once('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      slot.worker.postMessage(task);
    });
  };

  return {
    async run(code, globals, runOptions = {}) {
      if (closed) throw new Error('sandbox pool is closed');
      const timeoutMs = Math.min(runOptions.timeoutMs ?? options.timeoutMs, options.maxTimeoutMs);
      const tenant = runOptions.tenant ?? '';
      const task: SandboxTask = {
        id: nextId++,
        code,
        globals,
        timeoutMs,
        memoryBytes: options.memoryBytes,
        maxResultBytes: options.maxResultBytes,
      };
      const slot = await acquire(tenant);
      const { reply, slot: after } = await execute(slot, task, runOptions.signal);
      release(after, tenant);
      return reply;
    },
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
