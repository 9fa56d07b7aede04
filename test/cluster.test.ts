import { test } from 'node:test';
import { createParser } from 'eventsource-parser';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/config.js';
import { readEvents } from '../src/store/events-repository.js';
import { authHeaders, readSse, type SseEvent } from './support/harness.js';
import { startFakeProvider } from './support/fake-provider.js';
import { createTestDatabase, postgresSkip } from './support/postgres.js';
import { killProcess, runCli, startCliProcess, startServerProcess } from './support/server-process.js';
import { awayFromMinuteEdge } from './support/minute.js';
import { waitFor } from './support/wait-for.js';

const redisUrl = process.env.FLOWRUN_TEST_REDIS_URL;
const skip = postgresSkip || (redisUrl ? false : 'FLOWRUN_TEST_REDIS_URL is not set');

// Enough runs that each of the three workers holds several when one is killed (it is killed holding five or more).
const runCount = 120;

// Two steps: the first answers at once, the second streams for 0.8 s, so a worker killed in the second holds runs
// whose first step is committed and whose second is in flight.
const flow = {
  name: 'cluster',
  steps: [
    {
      id: 'one',
      name: 'One',
      type: 'prompt',
      config: { model: 'gpt-4o', userPrompt: 'first {{_record.metadata.n}}', outputVariable: 'a' },
    },
    { id: 'two', name: 'Two', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'second {{_record.metadata.n}}' } },
  ],
};

test(
  'a cluster (2 API processes, 3 workers, PostgreSQL, Redis): 120 runs, each streamed by the other API process, one worker killed mid-run; every run completes, committed steps ran once, every stream is whole; a stream resumes on the other API process with Last-Event-ID; a worker stopped with SIGTERM finishes cleanly; rate limits count across both API processes',
  { skip },
  async () => {
    const fake = await startFakeProvider();
    fake.script((request) =>
      request.lastUserText.startsWith('first')
        ? { chunks: ['ok'] }
        : { chunks: Array.from({ length: 8 }, (_, index) => `${index} `), delayMs: 100 },
    );
    const database = await createTestDatabase('flowrun_cluster');
    const dataDir = mkdtempSync(join(tmpdir(), 'flowrun-cluster-'));
    const env = {
      FLOWRUN_DATA_DIR: dataDir,
      FLOWRUN_DATABASE_URL: database.url,
      FLOWRUN_REDIS_URL: redisUrl!,
      FLOWRUN_REDIS_PREFIX: `flowrun-cluster-${process.pid}-${Date.now().toString(36)}`,
      FLOWRUN_SECRET_KEY: 'bb'.repeat(32),
      FLOWRUN_LEASE_MS: '5000',
      FLOWRUN_RECOVERY_SWEEP_MS: '500',
      FLOWRUN_LOG_LEVEL: 'info',
      PORT: '0',
      OPENAI_API_KEY: 'sk-test-openai',
      OPENAI_BASE_URL: `${fake.url}/v1`,
    };
    const processes: Array<{ child: import('node:child_process').ChildProcess }> = [];
    try {
      const key = runCli(['keys', 'create'], env).stdout.trim();
      const [apiA, apiB, ...workers] = await Promise.all([
        startServerProcess(env),
        startServerProcess(env),
        ...[0, 1, 2].map(() => startCliProcess(['worker'], { ...env, FLOWRUN_WORKER_PORT: '0' }, /flowrun worker started/)),
      ]);
      processes.push(apiA!, apiB!, ...workers);
      const apis = [apiA!.url, apiB!.url];

      const runs = Array.from({ length: runCount }, async (_, n) => {
        const [mine, other] = n % 2 ? [apis[0]!, apis[1]!] : [apis[1]!, apis[0]!];
        // A 503 (Redis, which counts the rate limits, slow to answer on a loaded machine: they fail closed within
        // 0.5 s) is tried again, as a client does.
        let dispatched: Response;
        for (let attempt = 1; ; attempt++) {
          dispatched = await fetch(`${mine}/v1/dispatch?events=unified`, {
            method: 'POST',
            headers: authHeaders(key),
            body: JSON.stringify({ record: { name: `r${n}`, metadata: { n } }, flow }),
          });
          if (dispatched.status !== 503 || attempt === 20) break;
          await dispatched.body?.cancel();
        }
        const id = dispatched.headers.get('x-execution-id')!;
        // The dispatching client goes away (the run goes on); the stream is read from the other API process.
        await dispatched.body?.cancel();
        const followed = await fetch(`${other}/v1/executions/${id}/events?after=0&events=unified`, { headers: authHeaders(key) });
        return { id, n, live: await readSse(followed), other };
      });
      // The worker is killed once it holds runs in their second step (its pid is in their lease).
      const watcher = await openDatabase({ databaseFile: '', databaseUrl: database.url });
      try {
        await waitFor(
          async () => {
            const held = await watcher
              .selectFrom('execution_steps')
              .innerJoin('executions', 'executions.id', 'execution_steps.execution_id')
              .select((eb) => eb.fn.countAll().as('runs'))
              .where('executions.status', '=', 'running')
              .where('executions.lease_owner', 'like', `%:${workers[0]!.child.pid}:%`)
              .executeTakeFirst();
            return Number(held?.runs ?? 0) >= 5;
          },
          'the first worker holding five runs in their second step',
          { everyMs: 50 },
        );
      } finally {
        await watcher.destroy();
      }
      await killProcess(workers[0]!.child);
      const finished = await Promise.all(runs);

      const db = await openDatabase({ databaseFile: '', databaseUrl: database.url });
      try {
        const rows = await db.selectFrom('executions').select(['id', 'status', 'recovery_attempts']).execute();
        assert.equal(rows.length, runCount);
        assert.deepEqual(
          rows.filter((row) => row.status !== 'completed'),
          [],
          'every run completed',
        );
        assert.ok(
          rows.some((row) => Number(row.recovery_attempts) > 0),
          'the killed worker’s runs were continued by another',
        );
        for (const { id, n, live, other } of finished) {
          const log = await readEvents(db, id, 0, 100_000);
          const stored = log.map((event) => event.seq);
          assert.deepEqual(
            stored,
            stored.map((_, index) => index + 1),
            `run ${n}: its log is gap-free`,
          );
          assertWhole(live, `run ${n}, streamed live`);
          const replay = await readSse(
            await fetch(`${other}/v1/executions/${id}/events?after=0&events=unified`, { headers: authHeaders(key) }),
          );
          assert.deepEqual(
            live.map((event) => event.id),
            replay.map((event) => event.id),
            `run ${n}: the live stream missed nothing the store holds`,
          );
          assert.equal(log.filter((event) => event.type === 'step_complete').length, 2, `run ${n}: each step completes once in its log`);
          // Steps are at least once: one in flight when its worker died runs again (its events may show it twice);
          // once its checkpoint is committed it never runs again.
          const checkpoint = await db
            .selectFrom('execution_steps')
            .select(['started_at', 'duration_ms'])
            .where('execution_id', '=', id)
            .where('step_id', '=', 'one')
            .executeTakeFirstOrThrow();
          const committed = Date.parse(checkpoint.started_at) + Number(checkpoint.duration_ms);
          const after = fake.requests.filter((request) => request.lastUserText === `first ${n}` && request.receivedAt > committed);
          assert.equal(after.length, 0, `run ${n}: its first step did not run again once committed`);
        }
      } finally {
        await db.destroy();
      }

      // A client that loses its stream on one API process reconnects to the other with Last-Event-ID and misses
      // nothing; a worker told to stop (SIGTERM) finishes its runs in flight and exits cleanly.
      const started = await Promise.all(
        Array.from({ length: 6 }, async (_, index) => {
          const dispatched = await fetch(`${apis[0]}/v1/dispatch?events=unified`, {
            method: 'POST',
            headers: authHeaders(key),
            body: JSON.stringify({ record: { name: `again${index}`, metadata: { n: 1000 + index } }, flow }),
          });
          return { id: dispatched.headers.get('x-execution-id')!, first: await readUntil(dispatched, 4) };
        }),
      );
      // Runs are in flight now; one worker is told to stop.
      const stopping = new Promise<number | null>((resolve) => workers[1]!.child.once('exit', (code) => resolve(code)));
      workers[1]!.child.kill('SIGTERM');
      const reconnected = await Promise.all(
        started.map(async ({ id, first }) => {
          const rest = await readSse(
            await fetch(`${apis[1]}/v1/executions/${id}/events?events=unified`, {
              headers: { ...authHeaders(key), 'last-event-id': first.at(-1)!.id! },
            }),
          );
          return { id, events: [...first, ...rest] };
        }),
      );
      assert.equal(await stopping, 0, 'the worker stopped cleanly, its runs finished or handed back');
      const check = await openDatabase({ databaseFile: '', databaseUrl: database.url });
      try {
        for (const { id, events } of reconnected) {
          assertWhole(events, `run ${id} across a reconnect`);
          const stored = await readEvents(check, id, 0, 100_000);
          assert.equal(stored.at(-1)!.type, 'flow_complete');
        }
      } finally {
        await check.destroy();
      }

      // Ready: the database answers with every migration applied, and so does Redis.
      const ready = await fetch(`${apis[1]}/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(((await ready.json()) as { redis: unknown }).redis, { ok: true });
      // A worker serves its own readiness and the metrics of the runs it executed.
      const workerUrl = /"url":"([^"]+)"/.exec(workers[2]!.logs())![1]!;
      assert.equal((await fetch(`${workerUrl}/ready`)).status, 200);
      assert.match(await (await fetch(`${workerUrl}/metrics`)).text(), /^flowrun_runs_total\{status="completed"\} [1-9]/m);
      // An API process shows the queue it feeds.
      assert.match(await (await fetch(`${apis[0]}/metrics`)).text(), /^flowrun_queue_jobs\{state="waiting"\} \d+$/m);

      // A key's requests per minute are counted in Redis, by both API processes together.
      await awayFromMinuteEdge();
      const limited = runCli(['keys', 'create', '--rate-limit-per-minute', '6'], env).stdout.trim();
      const statuses = await Promise.all(
        Array.from(
          { length: 10 },
          async (_, index) => (await fetch(`${apis[index % 2]}/v1/flows`, { headers: authHeaders(limited) })).status,
        ),
      );
      assert.equal(statuses.filter((status) => status === 200).length, 6);
      assert.equal(statuses.filter((status) => status === 429).length, 4);
    } finally {
      await Promise.all(processes.map((started) => killProcess(started.child)));
      await fake.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);

/** Reads a stream's first `count` events, then drops the connection (a client that lost it). */
async function readUntil(response: Response, count: number): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const parser = createParser({
    onEvent: (message) => events.push({ event: message.event ?? 'message', id: message.id, data: JSON.parse(message.data) }),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  await reader.cancel();
  return events.slice(0, count);
}

function assertWhole(events: SseEvent[], what: string): void {
  const seqs = events.map((event) => Number(event.id));
  assert.deepEqual(
    seqs,
    [...new Set(seqs)].sort((a, b) => a - b),
    `${what}: in order, each once`,
  );
  assert.equal(events[0]?.event, 'execution_start', what);
  assert.equal(events.at(-1)?.event, 'execution_complete', what);
}
