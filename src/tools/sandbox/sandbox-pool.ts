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
  /** Threads running a call now, threads started, and calls waiting for a thread (for /metrics). */
  usage(): { busy: number; threads: number; waiting: number };
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

/** The reply of a call whose caller went away before it ran. */
const cancelled = (id: number): SandboxReply => ({ id, ok: false, code: 'SANDBOX_ERROR', message: 'cancelled', logs: [] });

/**
 * A pool of sandbox threads, so that a tool's code never blocks the server's event loop. QuickJS's interrupt
 * handler enforces the time limit inside the thread (capped at `maxTimeoutMs` whatever a tool asks); a thread
 * that does not answer a second after the limit is terminated and replaced, and so is a thread that dies.
 * Waiting calls are served round-robin by tenant, and no tenant holds more than `tenantConcurrency` threads,
 * so one tenant's slow tools cannot make another tenant's calls wait.
 */
interface PoolState {
  options: SandboxOptions;
  workerUrl: URL;
  fromSource: boolean;
  slots: Slot[];
  waiting: Waiter[];
  holding: Map<string, number>;
  nextId: number;
  closed: boolean;
}

export function createSandboxPool(options: SandboxOptions): Sandbox {
  const fromSource = import.meta.url.endsWith('.ts');
  const state: PoolState = {
    options,
    fromSource,
    workerUrl: new URL(`./sandbox-worker${fromSource ? '.ts' : '.js'}`, import.meta.url),
    slots: [],
    waiting: [],
    holding: new Map(),
    nextId: 1,
    closed: false,
  };
  return {
    async run(code, globals, runOptions = {}) {
      if (state.closed) throw new Error('sandbox pool is closed');
      const timeoutMs = Math.min(runOptions.timeoutMs ?? options.timeoutMs, options.maxTimeoutMs);
      const tenant = runOptions.tenant ?? '';
      const task: SandboxTask = {
        id: state.nextId++,
        code,
        globals,
        timeoutMs,
        memoryBytes: options.memoryBytes,
        maxResultBytes: options.maxResultBytes,
      };
      if (runOptions.signal?.aborted) return cancelled(task.id);
      const slot = await acquire(state, tenant, runOptions.signal);
      if (!slot) return cancelled(task.id);
      const { reply, slot: after } = await execute(state, slot, task, runOptions.signal);
      release(state, after, tenant);
      return reply;
    },
    usage: () => ({ busy: state.slots.filter((slot) => slot.busy).length, threads: state.slots.length, waiting: state.waiting.length }),
    async close() {
      state.closed = true;
      await Promise.all(state.slots.map((slot) => slot.worker.terminate()));
    },
  };
}

function spawn(state: PoolState): Slot {
  // Run from TypeScript sources (tests, `npm run dev`), the thread registers tsx before loading the worker.
  const resourceLimits = { maxOldGenerationSizeMb: 256 };
  const worker = state.fromSource
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(state.workerUrl.href)}); });`, {
        eval: true,
        resourceLimits,
      })
    : new Worker(state.workerUrl, { resourceLimits });
  worker.unref();
  state.options.onSpawn?.(worker);
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
}

/** A new thread in the slot of one that died or was stopped. */
function renew(state: PoolState, slot: Slot): Slot {
  if (!slot.dead) void slot.worker.terminate();
  slot.dead = true;
  const fresh = spawn(state);
  fresh.busy = slot.busy;
  state.slots[state.slots.indexOf(slot)] = fresh;
  return fresh;
}

const held = (state: PoolState, tenant: string): number => state.holding.get(tenant) ?? 0;

/** A free thread for `tenant`, if one is free and the tenant is under its limit; a dead thread is replaced first. */
function take(state: PoolState, tenant: string): Slot | null {
  if (held(state, tenant) >= state.options.tenantConcurrency) return null;
  let slot = state.slots.find((candidate) => !candidate.busy);
  if (!slot && state.slots.length < state.options.workers) {
    slot = spawn(state);
    state.slots.push(slot);
  }
  if (!slot) return null;
  if (slot.dead) slot = renew(state, slot);
  slot.busy = true;
  state.holding.set(tenant, held(state, tenant) + 1);
  return slot;
}

/**
 * A thread for `tenant`, at once or when one is freed for it; null when `signal` fires first (the call leaves the
 * queue then, so a caller that went away never starts work later).
 */
function acquire(state: PoolState, tenant: string, signal: AbortSignal | undefined): Promise<Slot | null> {
  const slot = take(state, tenant);
  if (slot) return Promise.resolve(slot);
  return new Promise((resolve) => {
    const leave = () => {
      const index = state.waiting.indexOf(waiter);
      if (index !== -1) state.waiting.splice(index, 1);
      resolve(null);
    };
    const waiter: Waiter = {
      tenant,
      grant: (granted) => {
        signal?.removeEventListener('abort', leave);
        resolve(granted);
      },
    };
    state.waiting.push(waiter);
    signal?.addEventListener('abort', leave, { once: true });
  });
}

// A freed thread goes to the first waiting tenant (in arrival order) that is under its limit; that tenant
// then moves to the back, so tenants alternate.
function release(state: PoolState, slot: Slot, tenant: string): void {
  state.holding.set(tenant, held(state, tenant) - 1);
  if (state.holding.get(tenant) === 0) state.holding.delete(tenant);
  slot.busy = false;
  const { waiting } = state;
  for (let index = 0; index < waiting.length; index++) {
    const waiter = waiting[index]!;
    const granted = take(state, waiter.tenant);
    if (!granted) continue;
    waiting.splice(index, 1);
    const behind = waiting.filter((other) => other.tenant === waiter.tenant);
    const others = waiting.filter((other) => other.tenant !== waiter.tenant);
    waiting.splice(0, waiting.length, ...others, ...behind);
    waiter.grant(granted);
    return;
  }
}

/** Runs a task on a thread; a thread that dies, overruns its limit by a second or is cancelled is replaced. */
async function execute(
  state: PoolState,
  slot: Slot,
  task: SandboxTask,
  signal: AbortSignal | undefined,
): Promise<{ reply: SandboxReply; slot: Slot }> {
  try {
    await slot.ready;
  } catch (error) {
    return {
      reply: { id: task.id, ok: false, code: 'SANDBOX_ERROR', message: `sandbox failure: ${(error as Error).message}`, logs: [] },
      slot: renew(state, slot),
    };
  }
  // A caller gone while the thread started gets no work done for it (and a fired signal gets no listener).
  if (signal?.aborted) return { reply: cancelled(task.id), slot };
  return new Promise((resolve) => {
    const finish = (reply: SandboxReply, renewed: boolean): void => {
      clearTimeout(guard);
      slot.worker.off('message', onMessage);
      slot.worker.off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
      resolve({ reply, slot: renewed ? renew(state, slot) : slot });
    };
    const fail = (code: Extract<SandboxReply, { ok: false }>['code'], message: string) =>
      finish({ id: task.id, ok: false, code, message, logs: [] }, true);
    const onMessage = (reply: SandboxReply) => {
      if (reply.id === task.id) finish(reply, false);
    };
    const onExit = () => fail('SANDBOX_MEMORY', 'the sandbox thread died (memory limit)');
    const onAbort = () => fail('SANDBOX_ERROR', 'cancelled');
    const guard = setTimeout(
      () => fail('SANDBOX_TIMEOUT', `the code ran past its time limit of ${task.timeoutMs} ms`),
      task.timeoutMs + 1000,
    );
    slot.worker.on('message', onMessage);
    slot.worker.once('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
    slot.worker.postMessage(task);
  });
}
