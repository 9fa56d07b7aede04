import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { openDatabase } from '../../src/config.js';
import type { Database } from '../../src/store/database.js';
import { getBalance, ledgerSum } from '../../src/store/credits-repository.js';
import { readEvents } from '../../src/store/events-repository.js';
import { createEncoder } from '../../src/api/wire/encoders.js';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';
import { startCountingTool, type CountingTool } from './chaos-services.js';
import { authHeaders } from './harness.js';
import { killProcess, runCli, startCliProcess, startServerProcess } from './server-process.js';
import { waitFor } from './wait-for.js';

/**
 * A cluster to break and the checks that say whether it held: two API processes and three workers over one
 * PostgreSQL and one Redis, flows whose steps call an external tool that counts its calls, and clients that
 * stream each run and reconnect to the other API process with Last-Event-ID when their stream breaks. Used by
 * `npm run test:chaos` (the campaign) and by test:faults (one small scenario of each kind).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ClusterProcess {
  child: ChildProcess;
  url?: string;
  logs: () => string;
  role: 'api' | 'worker';
}

export interface ChaosWorld {
  env: Record<string, string>;
  key: string;
  fake: FakeProvider;
  tool: CountingTool;
  db: Database;
  apis: ClusterProcess[];
  workers: ClusterProcess[];
  /** Processes that exited without being killed by the campaign (crashes). */
  crashed: string[];
  startApi(): Promise<ClusterProcess>;
  startWorker(): Promise<ClusterProcess>;
  kill(process: ClusterProcess): Promise<void>;
  close(): Promise<void>;
}

/**
 * `services` clustered (2 API processes and 3 workers over PostgreSQL and Redis), or `{dataDir}` embedded (one
 * `serve --workers 2` on a SQLite file in `dataDir`).
 */
export async function startChaosWorld(
  services: { databaseUrl: string; redisUrl: string } | { dataDir: string },
  extra: Record<string, string> = {},
): Promise<ChaosWorld> {
  const clustered = 'databaseUrl' in services;
  const fake = await startFakeProvider();
  // The model streams its answer for about half a second: a fault finds runs in every step.
  fake.script(() => ({ chunks: Array.from({ length: 6 }, (_, index) => `w${index} `), delayMs: 80 }));
  const tool = await startCountingTool(150);
  const env: Record<string, string> = {
    ...(clustered
      ? {
          FLOWRUN_DATABASE_URL: services.databaseUrl,
          FLOWRUN_REDIS_URL: services.redisUrl,
          FLOWRUN_REDIS_PREFIX: `flowrun-chaos-${process.pid}-${Date.now().toString(36)}`,
        }
      : { FLOWRUN_DATA_DIR: services.dataDir, FLOWRUN_WORKERS: '2' }),
    FLOWRUN_SECRET_KEY: 'cd'.repeat(32),
    FLOWRUN_LEASE_MS: '3000',
    FLOWRUN_RECOVERY_SWEEP_MS: '500',
    FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1',
    FLOWRUN_LOG_LEVEL: 'warn',
    FLOWRUN_RATE_LIMIT_PER_MINUTE: '100000',
    PORT: '0',
    OPENAI_API_KEY: 'sk-test-openai',
    OPENAI_BASE_URL: `${fake.url}/v1`,
    ...extra,
  };
  const key = runCli(['keys', 'create'], env).stdout.trim();
  if (!key) throw new Error(`could not create a key: ${runCli(['keys', 'create'], env).stderr}`);
  runCli(['credits', 'add', '--amount', '100000000'], env);
  const db = await openDatabase(
    (clustered
      ? { databaseFile: '', databaseUrl: services.databaseUrl }
      : { databaseFile: join(services.dataDir, 'flowrun.sqlite') }) as never,
  );
  const crashed: string[] = [];
  const killed = new Set<ChildProcess>();
  const watch = (started: ClusterProcess): ClusterProcess => {
    started.child.once('exit', (code, signal) => {
      if (!killed.has(started.child))
        crashed.push(`${started.role} ${started.child.pid} exited (${code ?? signal}): ${started.logs().slice(-600)}`);
    });
    return started;
  };
  const world: ChaosWorld = {
    env,
    key,
    fake,
    tool,
    db,
    apis: [],
    workers: [],
    crashed,
    async startApi() {
      const started = watch({ ...(await startServerProcess({ ...env, FLOWRUN_LOG_LEVEL: 'info' })), role: 'api' });
      world.apis.push(started);
      return started;
    },
    async startWorker() {
      const started = watch({
        ...(await startCliProcess(['worker'], { ...env, FLOWRUN_LOG_LEVEL: 'info' }, /flowrun worker started/)),
        role: 'worker',
      });
      world.workers.push(started);
      return started;
    },
    async kill(target) {
      killed.add(target.child);
      await killProcess(target.child);
      world.apis = world.apis.filter((entry) => entry !== target);
      world.workers = world.workers.filter((entry) => entry !== target);
    },
    async close() {
      for (const entry of [...world.apis, ...world.workers]) {
        killed.add(entry.child);
        await killProcess(entry.child);
      }
      await db.destroy();
      await fake.close();
      await tool.close();
    },
  };
  if (clustered) await Promise.all([world.startApi(), world.startApi(), world.startWorker(), world.startWorker(), world.startWorker()]);
  else await world.startApi();
  return world;
}

/** A flow of `steps` steps: external calls (each with its run and step in the URL) around one streamed model step. */
export function chaosFlow(toolUrl: string, steps = 3) {
  const call = (id: string) => ({
    id,
    name: id,
    type: 'api-call',
    config: { http: { url: `${toolUrl}/call?run={{_execution.id}}&step=${id}`, method: 'POST', body: { step: id } }, outputVariable: id },
  });
  const model = {
    id: 'think',
    name: 'think',
    type: 'prompt',
    config: { model: 'gpt-4o', userPrompt: 'go {{_record.name}}', outputVariable: 'said' },
  };
  const all = [call('c1'), model, call('c2'), call('c3'), call('c4')];
  return { name: 'chaos', steps: steps <= 1 ? [call('c1')] : [...all.slice(0, steps)] };
}

export interface FollowedRun {
  id: string;
  /** Every frame the client received, in order: (seq, type). */
  frames: Array<{ seq: number; type: string }>;
  reconnects: number;
  /** The run's end as the client was told (the type of the last frame). */
  told: string | null;
  error?: string;
}

const terminal = new Set(['execution_complete', 'execution_error']);

/**
 * Dispatches a run on `apis()[first]` and follows its stream to the end: when the stream breaks before the
 * run's end (the process died, the connection dropped), it reconnects to another API process with
 * Last-Event-ID, as a client library would, until the run's last frame or `deadlineMs`.
 */
export async function dispatchAndFollow(
  world: ChaosWorld,
  body: unknown,
  first: number,
  options: { deadlineMs: number; onId?: (id: string) => void },
): Promise<FollowedRun> {
  const run: FollowedRun = { id: '', frames: [], reconnects: 0, told: null };
  const deadline = Date.now() + options.deadlineMs;
  let attempt = 0;
  while (Date.now() < deadline && run.told === null) {
    const apis = world.apis.filter((api) => api.child.exitCode === null && api.child.signalCode === null);
    const api = apis[(first + attempt) % Math.max(1, apis.length)];
    attempt++;
    if (!api?.url) {
      await sleep(200);
      continue;
    }
    try {
      const last = run.frames.at(-1)?.seq ?? 0;
      // A stream that never ends (its run stranded) is given up at the deadline, as the verdict will say.
      const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
      const response =
        run.id === ''
          ? await fetch(`${api.url}/v1/dispatch?events=unified`, {
              method: 'POST',
              headers: authHeaders(world.key),
              body: JSON.stringify(body),
              signal,
            })
          : await fetch(`${api.url}/v1/executions/${run.id}/events?events=unified`, {
              headers: { ...authHeaders(world.key), 'last-event-id': String(last) },
              signal,
            });
      if (run.id === '') {
        if (response.status !== 200) throw new Error(`dispatch answered ${response.status}: ${await response.text()}`);
        run.id = response.headers.get('x-execution-id') ?? '';
        options.onId?.(run.id);
      } else {
        run.reconnects++;
        if (response.status !== 200) throw new Error(`events answered ${response.status}`);
      }
      await readFrames(response, run);
    } catch (error) {
      run.error = (error as Error).message;
      // Refused for good (a 4xx, a 500); an outage's 503 or 507 and a 429 are tried again, as their Retry-After says.
      if (run.id === '' && /answered [45]/.test(run.error) && !/answered (429|503|507)/.test(run.error)) return run;
    }
    if (run.told === null) await sleep(Math.min(1000, 100 * attempt));
  }
  return run;
}

async function readFrames(response: Response, run: FollowedRun): Promise<void> {
  const parser = createParser({
    onEvent(message) {
      const data = JSON.parse(message.data) as { seq?: number; type?: string };
      const seq = Number(message.id ?? data.seq);
      const type = String(message.event ?? data.type ?? '');
      if (!Number.isFinite(seq)) return;
      run.frames.push({ seq, type });
      if (terminal.has(type)) run.told = type;
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
}

export interface Verdict {
  runs: number;
  statuses: Record<string, number>;
  /** Runs not queued/running… after the wait: must be 0. */
  notTerminal: number;
  /** Runs whose stored end differs from what the client was told. */
  toldWrong: number;
  /** Frames a client got that the store does not hold (or holds as another type). */
  foreignFrames: number;
  /** Stored frames a client never got (after its last reconnect's start). */
  missedFrames: number;
  /** Runs whose stored log has an end in the middle (a flow_error before another event). */
  brokenLogs: number;
  /** Steps completed more than once in one stored log. */
  stepsTwice: number;
  /** Repeated external calls (same run and step) that carried another Idempotency-Key than the first. */
  newKeys: number;
  /** Repeated external calls in all (same run and step, same key): allowed, a takeover runs the step in flight again. */
  repeatedCalls: number;
  /** Failed runs whose error is not the outage's own (STORAGE_FULL, DEPENDENCY_UNAVAILABLE). */
  uncleanFailures: number;
  /** Ended runs still holding a reservation, and the difference between the balance and the ledger. */
  reservationsLeft: number;
  ledgerDiff: number;
  crashed: number;
}

/** Waits (bounded) for every run to end, then checks each against its stored log and the ledger. */
export async function verify(
  world: ChaosWorld,
  followed: FollowedRun[],
  options: { waitMs: number; expect?: (id: string) => string },
): Promise<Verdict> {
  const ids = followed.map((run) => run.id).filter(Boolean);
  let rows: Array<{ id: string; status: string; credits_reserved: number | null }> = [];
  await waitAtMost(
    async () => {
      rows = (await world.db
        .selectFrom('executions')
        .select(['id', 'status', 'credits_reserved'])
        .where('id', 'in', ids.length > 0 ? ids : [''])
        .execute()) as typeof rows;
      return rows.every((row) => !['queued', 'running'].includes(row.status));
    },
    options.waitMs,
    500,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const verdict: Verdict = {
    runs: followed.length,
    statuses: {},
    notTerminal: 0,
    toldWrong: 0,
    foreignFrames: 0,
    missedFrames: 0,
    brokenLogs: 0,
    stepsTwice: 0,
    newKeys: 0,
    repeatedCalls: 0,
    uncleanFailures: 0,
    reservationsLeft: 0,
    ledgerDiff: 0,
    crashed: world.crashed.length,
  };
  for (const run of followed) {
    const row = byId.get(run.id);
    const status = row?.status ?? 'missing';
    verdict.statuses[status] = (verdict.statuses[status] ?? 0) + 1;
    if (!row || ['queued', 'running'].includes(row.status)) {
      verdict.notTerminal++;
      continue;
    }
    if (row.credits_reserved !== null) verdict.reservationsLeft++;
    if (row.status === 'failed') {
      const failed = await world.db
        .selectFrom('executions')
        .select(['error', 'recovery_attempts'])
        .where('id', '=', run.id)
        .executeTakeFirst();
      if (!/STORAGE_FULL|DEPENDENCY_UNAVAILABLE/.test(String(failed?.error))) verdict.uncleanFailures++;
    }
    if (process.env.CHAOS_DEBUG && row.status === 'failed') {
      const failed = await world.db
        .selectFrom('executions')
        .select(['error', 'recovery_attempts'])
        .where('id', '=', run.id)
        .executeTakeFirst();
      const log = await readEvents(world.db, run.id, 0, 1_000_000);
      console.log('failed', run.id, JSON.stringify(failed), log.map((event) => `${event.seq}:${event.type}`).join(' '));
    }
    const expected = { completed: 'execution_complete', failed: 'execution_error', cancelled: 'execution_error' }[row.status];
    if (run.told !== expected) {
      verdict.toldWrong++;
      if (process.env.CHAOS_DEBUG) {
        const events = await readEvents(world.db, run.id, 0, 1_000_000);
        console.log('told wrong', run.id, row.status, 'told', run.told, 'reconnects', run.reconnects, 'error', run.error);
        console.log(' client', run.frames.map((frame) => `${frame.seq}:${frame.type}`).join(' '));
        console.log(' stored', events.map((event) => `${event.seq}:${event.type}`).join(' '));
      }
    }
    // What the store holds, as the client's dialect sends it (some events have no frame there).
    const encode = createEncoder('unified', { flowId: null, flowName: 'chaos' });
    const log = (await readEvents(world.db, run.id, 0, 1_000_000)).filter((event) => encode(event) !== null);
    const stored = new Map(log.map((event) => [event.seq, encode(event)!.event]));
    for (const frame of run.frames) if (stored.get(frame.seq) !== frame.type) verdict.foreignFrames++;
    if (process.env.CHAOS_DEBUG && verdict.foreignFrames > 0 && !verdict.statuses.debugged) {
      verdict.statuses.debugged = 1;
      console.log('client', JSON.stringify(run.frames.slice(0, 12)), 'told', run.told, 'error', run.error);
      console.log('stored', JSON.stringify(log.slice(0, 12).map((event) => [event.seq, event.type])));
      for (const entry of [...world.apis, ...world.workers]) console.log(entry.role, entry.child.pid, entry.logs().slice(-3000));
    }
    const got = new Set(run.frames.map((frame) => frame.seq));
    for (const event of log) if (!got.has(event.seq)) verdict.missedFrames++;
    const endAt = log.findIndex((event) => event.type === 'flow_error' || event.type === 'flow_complete');
    if (endAt >= 0 && endAt < log.length - 1) verdict.brokenLogs++;
    const completedSteps = log.filter((event) => event.type === 'step_complete').map((event) => (event as { stepId: string }).stepId);
    verdict.stepsTwice += completedSteps.length - new Set(completedSteps).size;
  }
  const firstKey = new Map<string, string>();
  const mine = new Set(ids);
  for (const call of world.tool.calls) {
    if (!mine.has(call.run)) continue;
    const where = `${call.run}/${call.step}`;
    const key = firstKey.get(where);
    if (key === undefined) firstKey.set(where, call.key);
    else {
      verdict.repeatedCalls++;
      if (key !== call.key) verdict.newKeys++;
    }
  }
  const scope = { tenantId: 'default', mode: 'test' as const };
  verdict.ledgerDiff = (await getBalance(world.db, scope)) - (await ledgerSum(world.db, scope));
  return verdict;
}

/** The verdict's failures, as sentences (empty: the scenario held). */
export function failures(verdict: Verdict, options: { allowFailed?: boolean } = {}): string[] {
  const found: string[] = [];
  const check = (count: number, what: string) => count > 0 && found.push(`${count} ${what}`);
  check(verdict.notTerminal, 'runs not ended');
  check(verdict.statuses.missing ?? 0, 'runs never started');
  if (!options.allowFailed) check(verdict.statuses.failed ?? 0, 'runs failed');
  else check(verdict.uncleanFailures, 'runs failed with another error than the outage');
  check(verdict.toldWrong, 'clients told another end than stored');
  check(verdict.foreignFrames, 'frames not in the store');
  check(verdict.missedFrames, 'stored frames a client missed');
  check(verdict.brokenLogs, 'logs with an end in the middle');
  check(verdict.stepsTwice, 'steps completed twice');
  check(verdict.newKeys, 'repeated calls with a new Idempotency-Key');
  check(verdict.reservationsLeft, 'ended runs still holding credits');
  if (verdict.ledgerDiff !== 0) found.push(`ledger off by ${verdict.ledgerDiff}`);
  check(verdict.crashed, 'processes crashed');
  return found;
}

/**
 * Waits until `predicate` holds, or `ms` passed (then false): a campaign goes on to its verdict, which says what
 * did not happen, where a test's waitFor would throw. An error the predicate throws still ends the campaign.
 */
export async function waitAtMost(predicate: () => Promise<boolean> | boolean, ms: number, everyMs = 50): Promise<boolean> {
  const giveUpAt = Date.now() + ms;
  let held = false;
  // Given up by `ms`, the condition always holds in time: the shared limit is only a net above it.
  await waitFor(async () => (held = await predicate()) || Date.now() > giveUpAt, 'a chaos wait', { limitMs: ms + 30_000, everyMs });
  return held;
}

/** How many running runs each worker holds (by its pid in the lease). */
export async function runsHeldBy(world: ChaosWorld, worker: ClusterProcess): Promise<string[]> {
  const rows = await world.db
    .selectFrom('executions')
    .select('id')
    .where('status', '=', 'running')
    .where('lease_owner', 'like', `%:${worker.child.pid}:%`)
    .execute();
  return rows.map((row) => row.id);
}
