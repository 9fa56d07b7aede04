import { hostname } from 'node:os';
import type { Database } from '../store/database.js';
import type { RunLease } from '../store/executions-repository.js';
import { renewLeases } from '../store/leases-repository.js';

/**
 * This process's claim on the runs it executes. Its owner name is `host:pid:start`: a sibling on the same host
 * can tell at once that the process is gone (its pid no longer runs), or that it is this process's previous
 * server (same pid, another start); elsewhere only the lease's expiry tells.
 */
export interface LeaseKeeper {
  owner: string;
  /** A lease for a run this process starts or takes over now. */
  lease(): RunLease;
  /** Whether a holder's runs may be taken over: its lease expired, or its process is known to be gone. */
  lapsed(holder: { owner: string | null; expiresAt: number | null }): boolean;
  /**
   * Marks a run this process is working on (queued in it, or executing): only such runs have their leases
   * renewed. Returns the release, called when the work ends however it ends.
   */
  hold(executionId: string): () => void;
  /** Whether this process is working on the run now. */
  holds(executionId: string): boolean;
  /**
   * Records that another process holds the run now (a renewal or a write found it fenced out): the run's work
   * is stopped (see onLost) and it writes nothing more.
   */
  markLost(executionId: string): void;
  /** Whether this process lost the run to another while working on it. */
  isLost(executionId: string): boolean;
  /** Who stops a run this process lost. */
  onLost(stop: (executionId: string) => void): void;
  /**
   * Who stops this process's runs whose cancel is recorded in the store: checked with every renewal, so a cancel
   * whose message was lost is honoured within a third of a lease.
   */
  onCancelRequested(cancel: (executionId: string) => void): void;
  stop(): void;
}

/** The starts of this process whose keepers are live (an API server and a worker may share one process). */
const liveStarts = new Set<string>();

export function createLeaseKeeper(options: {
  db: Database;
  ttlMs: number;
  now: () => number;
  start: string;
  onError: (error: unknown) => void;
}): LeaseKeeper {
  const host = hostname();
  const owner = `${host}:${process.pid}:${options.start}`;
  const lease = (): RunLease => ({ owner, expiresAt: options.now() + options.ttlMs });
  let cancel: ((executionId: string) => void) | undefined;
  let stopLost: ((executionId: string) => void) | undefined;
  const held = new Map<string, number>();
  const lost = new Set<string>();
  const markLost = (executionId: string): void => {
    if (!held.has(executionId) || lost.has(executionId)) return;
    lost.add(executionId);
    stopLost?.(executionId);
  };
  const timer = startRenewals(options, owner, held, (found) => {
    for (const id of found.lost) markLost(id);
    if (cancel) for (const id of found.cancelRequested) cancel(id);
  });
  liveStarts.add(options.start);
  return {
    owner,
    lease,
    hold(executionId) {
      held.set(executionId, (held.get(executionId) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const count = (held.get(executionId) ?? 1) - 1;
        if (count > 0) held.set(executionId, count);
        else {
          held.delete(executionId);
          lost.delete(executionId);
        }
      };
    },
    holds: (executionId) => held.has(executionId),
    markLost,
    isLost: (executionId) => lost.has(executionId),
    onLost(handler) {
      stopLost = handler;
    },
    lapsed(holder) {
      if (holder.owner === null) return true;
      if (holder.owner === owner) return false;
      const [holderHost, holderPid, holderStart] = holder.owner.split(':');
      if (holderHost === host && holderPid !== undefined) {
        const pid = Number(holderPid);
        // This process: a keeper that is gone (a server stopped and started again in it) has lapsed at once.
        if (pid === process.pid) return holderStart === undefined || !liveStarts.has(holderStart);
        if (!processRuns(pid)) return true;
      }
      return holder.expiresAt === null || holder.expiresAt < options.now();
    },
    onCancelRequested(handler) {
      cancel = handler;
    },
    stop() {
      clearInterval(timer);
      liveStarts.delete(options.start);
    },
  };
}

/** Renews the leases of the runs `held` three times per lease (so one slow renewal does not lose them), one renewal at a time. */
function startRenewals(
  options: { db: Database; ttlMs: number; now: () => number; onError: (error: unknown) => void },
  owner: string,
  held: Map<string, number>,
  onFound: (found: Awaited<ReturnType<typeof renewLeases>>) => void,
): NodeJS.Timeout {
  let renewing = false;
  const timer = setInterval(
    () => {
      if (renewing || held.size === 0) return;
      renewing = true;
      renewLeases(options.db, owner, [...held.keys()], options.now() + options.ttlMs)
        .then(onFound)
        .catch(options.onError)
        .finally(() => (renewing = false));
    },
    Math.max(10, Math.floor(options.ttlMs / 3)),
  );
  timer.unref();
  return timer;
}

function processRuns(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
