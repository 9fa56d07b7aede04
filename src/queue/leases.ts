import { hostname } from 'node:os';
import type { Database } from '../store/database.js';
import type { RunLease } from '../store/executions-repository.js';
import { cancelRequestedRuns, renewLeases } from '../store/leases-repository.js';

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
  // Renewed three times per lease, so one slow renewal does not lose it.
  const timer = setInterval(
    () => {
      renewLeases(options.db, owner, lease().expiresAt)
        .then(async () => {
          if (cancel) for (const id of await cancelRequestedRuns(options.db, owner)) cancel(id);
        })
        .catch(options.onError);
    },
    Math.max(10, Math.floor(options.ttlMs / 3)),
  );
  timer.unref();
  liveStarts.add(options.start);
  return {
    owner,
    lease,
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
