import { authHeaders } from './harness.js';
import type { PrivatePostgres, PrivateRedis } from './chaos-services.js';
import {
  chaosFlow,
  dispatchAndFollow,
  failures,
  runsHeldBy,
  verify,
  waitAtMost,
  type ChaosWorld,
  type FollowedRun,
  type Verdict,
} from './chaos-world.js';

/**
 * The faults of the campaign, each against a running cluster with `runs` runs in flight: what an operator's
 * bad day does to a cluster. Each returns the verdict of its runs and what it measured of the fault itself.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ScenarioResult {
  name: string;
  verdict: Verdict;
  failures: string[];
  /** What the fault itself showed (answers during an outage, runs taken over, …). */
  observed: Record<string, unknown>;
}

export interface Services {
  postgres?: PrivatePostgres;
  redis?: PrivateRedis;
}

/** Starts `runs` runs streamed by clients (half on each API process), spread over `spreadMs`. */
function startRuns(world: ChaosWorld, runs: number, spreadMs: number, steps = 3): { all: Promise<FollowedRun[]>; ids: string[] } {
  const ids: string[] = [];
  const flow = chaosFlow(world.tool.url, steps);
  const all = Promise.all(
    Array.from({ length: runs }, async (_, n) => {
      await sleep((spreadMs * n) / runs);
      return dispatchAndFollow(world, { record: { name: `r${n}` }, flow }, n, { deadlineMs: 120_000, onId: (id) => ids.push(id) });
    }),
  );
  return { all, ids };
}

async function finish(
  name: string,
  world: ChaosWorld,
  followed: FollowedRun[],
  observed: Record<string, unknown>,
  options: { allowFailed?: boolean } = {},
): Promise<ScenarioResult> {
  const verdict = await verify(world, followed, { waitMs: 60_000 });
  return { name, verdict, failures: failures(verdict, options), observed };
}

/** How the API answers an authenticated read while a dependency is away: statuses and the slowest answer. */
async function probeApi(
  world: ChaosWorld,
  during: () => boolean,
): Promise<{ statuses: Record<string, number>; slowestMs: Record<string, number>; retryAfter: boolean }> {
  const statuses: Record<string, number> = {};
  // The slowest answer of each status: a refusal (503) must come within about a second.
  const slowestMs: Record<string, number> = {};
  let retryAfter = true;
  while (during()) {
    const api = world.apis.find((entry) => entry.child.exitCode === null);
    if (!api?.url) break;
    const started = performance.now();
    let status = 'error';
    try {
      const response = await fetch(`${api.url}/v1/dispatch`, {
        method: 'POST',
        headers: authHeaders(world.key),
        body: JSON.stringify({ flow: chaosFlow(world.tool.url, 1), options: { streamResponse: false } }),
        signal: AbortSignal.timeout(15_000),
      });
      await response.text();
      status = String(response.status);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (response.status === 503 && !response.headers.get('retry-after')) retryAfter = false;
    } catch {
      statuses.error = (statuses.error ?? 0) + 1;
    }
    slowestMs[status] = Math.max(slowestMs[status] ?? 0, Math.round(performance.now() - started));
    await sleep(200);
  }
  return { statuses, slowestMs, retryAfter };
}

/** A worker frozen (SIGSTOP) past its lease while holding runs, woken (SIGCONT) after others took them over. */
export async function zombieWorker(world: ChaosWorld, runs: number): Promise<ScenarioResult> {
  const started = startRuns(world, runs, 1000, 5);
  const worker = world.workers[0]!;
  // Frozen while it holds a fair share of the runs in flight (a fifth of them, at least 3).
  await waitAtMost(async () => (await runsHeldBy(world, worker)).length >= Math.max(3, Math.floor(runs / 5)), 20_000, 20);
  const held = await runsHeldBy(world, worker);
  worker.child.kill('SIGSTOP');
  const stoppedAt = Date.now();
  // Until the other workers took over every run it held, then 0.6 s more.
  await waitAtMost(async () => (await runsHeldBy(world, worker)).length === 0, 30_000, 100);
  const takenAfterMs = Date.now() - stoppedAt;
  await sleep(600);
  worker.child.kill('SIGCONT');
  const followed = await started.all;
  return finish('zombie worker (SIGSTOP past the lease, SIGCONT after the takeover)', world, followed, {
    heldWhenStopped: held.length,
    takenOverAfterMs: takenAfterMs,
  });
}

/** Redis killed (everything in it lost) and started again empty after `downMs`. */
export async function redisRestart(world: ChaosWorld, services: Services, runs: number, downMs: number): Promise<ScenarioResult> {
  const redis = services.redis!;
  const started = startRuns(world, runs, 1500, 3);
  await sleep(700);
  await redis.kill();
  let away = true;
  const probe = probeApi(world, () => away);
  await sleep(downMs);
  await redis.start();
  away = false;
  const followed = await started.all;
  return finish(`Redis lost and restarted empty after ${downMs / 1000} s`, world, followed, { duringOutage: await probe });
}

/** Every PostgreSQL connection terminated, then the server stopped for `downMs` and started again. */
export async function postgresRestart(world: ChaosWorld, services: Services, runs: number, downMs: number): Promise<ScenarioResult> {
  const postgres = services.postgres!;
  const started = startRuns(world, runs, 1500, 3);
  await sleep(800);
  const terminated = await postgres.terminateConnections();
  await sleep(300);
  postgres.stop();
  let away = true;
  const probe = probeApi(world, () => away);
  await sleep(downMs);
  await postgres.start();
  away = false;
  const followed = await started.all;
  return finish(`PostgreSQL connections terminated, server down ${downMs / 1000} s`, world, followed, {
    connectionsTerminated: terminated,
    duringOutage: await probe,
  });
}

/** A worker and an API process killed (SIGKILL) while they hold runs and streams; both started again after. */
export async function kills(world: ChaosWorld, runs: number): Promise<ScenarioResult> {
  const started = startRuns(world, runs, 1000, 3);
  const worker = world.workers[0]!;
  await waitAtMost(async () => (await runsHeldBy(world, worker)).length >= Math.max(3, Math.floor(runs / 5)), 20_000, 20);
  const held = (await runsHeldBy(world, worker)).length;
  await world.kill(worker);
  await world.kill(world.apis[0]!);
  const followed = await started.all;
  await Promise.all([world.startWorker(), world.startApi()]);
  return finish('a worker and an API process SIGKILLed mid-run', world, followed, { workerHeld: held });
}

/**
 * Runs cancelled while they wait in the queue (the workers are stopped, so none holds them): each ends cancelled
 * without a step; the others complete.
 */
export async function queuedCancels(world: ChaosWorld, runs: number): Promise<ScenarioResult> {
  const workers = [...world.workers];
  for (const worker of workers) worker.child.kill('SIGSTOP');
  const started = startRuns(world, runs, 300, 1);
  await waitAtMost(() => started.ids.length === runs, 20_000);
  const cancelled = started.ids.filter((_, index) => index % 2 === 0);
  const answers: Record<string, number> = {};
  for (const id of cancelled) {
    const response = await fetch(`${world.apis[0]!.url}/v1/executions/${id}/cancel`, {
      method: 'POST',
      headers: authHeaders(world.key),
      body: '{}',
    });
    answers[response.status] = (answers[response.status] ?? 0) + 1;
  }
  for (const worker of workers) worker.child.kill('SIGCONT');
  const followed = await started.all;
  const verdict = await verify(world, followed, { waitMs: 60_000 });
  const found = failures(verdict);
  const rows = await world.db.selectFrom('executions').select(['id', 'status']).where('id', 'in', cancelled).execute();
  const notHonoured = rows.filter((row) => row.status !== 'cancelled').length;
  if (notHonoured > 0) found.push(`${notHonoured} cancels answered 200 not honoured`);
  const stepped = followed.filter((run) => cancelled.includes(run.id) && run.frames.some((frame) => frame.type === 'step_start')).length;
  if (stepped > 0) found.push(`${stepped} cancelled runs started a step`);
  return { name: 'cancels of queued runs', verdict, failures: found, observed: { cancelAnswers: answers, cancelled: cancelled.length } };
}

/**
 * Embedded (`serve --workers 2` on one SQLite file), the disk fills while runs are in flight and stays full
 * for `fullMs`: reads must keep answering, writes answer 507 or 503, and once space returns every run ends.
 * `dir` is a small file system of its own (a 12 MB tmpfs), so filling it harms nothing else.
 */
export async function diskFull(
  startWorld: () => Promise<ChaosWorld>,
  fill: () => void,
  free: () => void,
  runs: number,
  fullMs: number,
): Promise<ScenarioResult> {
  const world = await startWorld();
  try {
    const started = startRuns(world, runs, 800, 3);
    await sleep(700);
    fill();
    const reads: Record<string, number> = {};
    const writes: Record<string, number> = {};
    let full = true;
    const api = world.apis[0]!;
    const count = (into: Record<string, number>, response: Response | null) => {
      into[response?.status ?? 'error'] = (into[response?.status ?? 'error'] ?? 0) + 1;
      return response?.text();
    };
    const probing = (async () => {
      for (let n = 0; full; n++) {
        const signal = AbortSignal.timeout(5000);
        await count(reads, await fetch(`${api.url}/v1/executions?limit=5`, { headers: authHeaders(world.key), signal }).catch(() => null));
        const record = { type: 'probe', name: `p${n}`, metadata: { n } };
        const body = JSON.stringify(record);
        await count(
          writes,
          await fetch(`${api.url}/v1/records`, { method: 'POST', headers: authHeaders(world.key), body, signal }).catch(() => null),
        );
        await sleep(250);
      }
    })();
    await sleep(fullMs);
    free();
    full = false;
    await probing;
    const followed = await started.all;
    // Past the commit window a run may fail, cleanly: with STORAGE_FULL, told to its client as stored.
    const result = await finish(
      `embedded, the disk full for ${fullMs / 1000} s`,
      world,
      followed,
      { readsWhileFull: reads, writesWhileFull: writes },
      { allowFailed: fullMs > 30_000 },
    );
    const badReads = Object.entries(reads)
      .filter(([status]) => status !== '200')
      .reduce((sum, [, count]) => sum + count, 0);
    if (badReads > 0) result.failures.push(`${badReads} reads failed while the disk was full`);
    const badWrites = Object.entries(writes)
      .filter(([status]) => !['200', '201', '503', '507'].includes(status))
      .reduce((sum, [, count]) => sum + count, 0);
    if (badWrites > 0) result.failures.push(`${badWrites} writes answered neither 2xx, 503 nor 507 while the disk was full`);
    return result;
  } finally {
    free();
    await world.close();
  }
}
