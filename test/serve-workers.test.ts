import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { openDatabase } from '../src/config.js';
import { readEvents } from '../src/store/events-repository.js';
import { readSse, type SseEvent } from './support/harness.js';
import { startFakeProvider } from './support/fake-provider.js';
import { killProcess, runCli, startServerProcess } from './support/server-process.js';
import { awayFromMinuteEdge } from './support/minute.js';
import { waitFor } from './support/wait-for.js';

const flow = { name: 'w', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'go' } }] };

/** A request on a connection of its own: node:cluster hands each new connection to the next process in turn. */
async function onNewConnection(url: string, init: { method?: string; key: string; body?: unknown }) {
  const agent = new Agent({ headersTimeout: 5_000 });
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    dispatcher: agent,
    headers: { authorization: `Bearer ${init.key}`, 'content-type': 'application/json' },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  return { response, instance: response.headers.get('x-flowrun-instance'), close: () => agent.close() };
}

function assertWholeLog(events: SseEvent[], what: string): void {
  const seqs = events.map((event) => Number(event.id));
  assert.deepEqual(
    seqs,
    [...new Set(seqs)].sort((a, b) => a - b),
    `${what}: every event once, in order`,
  );
  assert.equal(events[0]!.event, 'execution_start', what);
  assert.equal(events.at(-1)!.event, 'execution_complete', what);
}

test('serve --workers 2: any process streams a run its sibling executes, live and gap-free; a killed process’s runs continue in the other; rate limits count across both', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flowrun-workers-'));
  const fake = await startFakeProvider();
  const env = {
    FLOWRUN_DATA_DIR: dataDir,
    PORT: '0',
    OPENAI_API_KEY: 'sk-test-openai',
    OPENAI_BASE_URL: `${fake.url}/v1`,
    FLOWRUN_LOG_LEVEL: 'info',
    FLOWRUN_WORKERS: '2',
    FLOWRUN_LEASE_MS: '3000',
    FLOWRUN_RECOVERY_SWEEP_MS: '200',
    FLOWRUN_KEY_CACHE_TTL_MS: '600000',
  };
  const key = runCli(['keys', 'create'], env).stdout.trim();
  const server = await startServerProcess(env);
  const listening = () => server.logs().match(/flowrun listening/g)?.length ?? 0;
  try {
    await waitFor(() => listening() === 2, 'both processes to listen');

    // 1. Each run is followed on a new connection while it streams: about half land on the other process.
    fake.script(() => ({ chunks: ['a', 'b', 'c', 'd', 'e', 'f'], delayMs: 25 }));
    const runs = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const dispatched = await onNewConnection(`${server.url}/v1/dispatch?events=unified`, { method: 'POST', key, body: { flow } });
        const id = dispatched.response.headers.get('x-execution-id')!;
        // Followed from the other process: a connection that lands on the same one is closed and made again
        // (node:cluster hands connections round-robin, so a few tries get the other process).
        let followed = await onNewConnection(`${server.url}/v1/executions/${id}/events?after=0&events=unified`, { key });
        for (let tries = 0; followed.instance === dispatched.instance && tries < 5; tries++) {
          await followed.response.body?.cancel();
          await followed.close();
          followed = await onNewConnection(`${server.url}/v1/executions/${id}/events?after=0&events=unified`, { key });
        }
        const [own, other] = await Promise.all([
          readSse(dispatched.response as unknown as Response),
          readSse(followed.response as unknown as Response),
        ]);
        await Promise.all([dispatched.close(), followed.close()]);
        return { own, other, crossed: dispatched.instance !== followed.instance, instances: [dispatched.instance, followed.instance] };
      }),
    );
    assert.equal(new Set(runs.flatMap((run) => run.instances)).size, 2, 'both processes answered');
    assert.ok(runs.filter((run) => run.crossed).length >= 2, 'some runs were streamed by the process that did not run them');
    for (const run of runs) {
      assertWholeLog(run.other, 'the follower');
      assert.deepEqual(
        run.other.map((event) => event.data),
        run.own.map((event) => event.data),
        'the follower saw exactly what the dispatching client saw',
      );
    }

    // 2. A process dies (SIGKILL) mid-run: its runs continue in the sibling once it is seen gone, from the last
    // committed step; the primary starts a new process in its place.
    fake.script(() => ({ chunks: Array.from({ length: 8 }, (_, index) => `t${index}`), delayMs: 80 }));
    const callsBefore = fake.requests.length;
    const started = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const dispatched = await onNewConnection(`${server.url}/v1/dispatch`, { method: 'POST', key, body: { flow } });
        const id = dispatched.response.headers.get('x-execution-id')!;
        void readSse(dispatched.response as unknown as Response)
          .catch(() => undefined)
          .finally(() => dispatched.close());
        return id;
      }),
    );
    // Killed while every run's model call streams (each takes 8 × 80 ms).
    await waitFor(() => fake.requests.length >= callsBefore + 6, "every run's model call in flight");
    const workers = execFileSync('ps', ['-o', 'pid=', '--ppid', String(server.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
    assert.equal(workers.length, 2);
    process.kill(workers[0]!, 'SIGKILL');
    // A connection handed to the process as it died is lost with it; the next one goes to a live process.
    const status = async (id: string): Promise<string> => {
      const request = await onNewConnection(`${server.url}/v1/executions/${id}`, { key }).catch(() => null);
      const body = request ? ((await request.response.json()) as { status: string }) : { status: 'unknown' };
      await request?.close();
      return body.status;
    };
    await waitFor(async () => (await Promise.all(started.map(status))).every((value) => value === 'completed'), 'every run to complete');
    await waitFor(() => listening() === 3, 'the primary to start a new process');
    for (const id of started) {
      const replay = await onNewConnection(`${server.url}/v1/executions/${id}/events?after=0&events=unified`, { key });
      assertWholeLog(await readSse(replay.response as unknown as Response), `run ${id}`);
      await replay.close();
    }
    const db = await openDatabase({ databaseFile: join(dataDir, 'flowrun.sqlite') });
    try {
      for (const id of started) {
        const stored = (await readEvents(db, id, 0, 100_000)).map((event) => event.seq);
        assert.deepEqual(
          stored,
          stored.map((_, index) => index + 1),
          `run ${id}: its stored log has every number once`,
        );
      }
      const continued = await db.selectFrom('executions').select('id').where('recovery_attempts', '>', 0).execute();
      assert.ok(continued.length >= 1, 'the killed process’s runs were continued by its sibling');
    } finally {
      await db.destroy();
    }

    // 3. A key's requests per minute are counted by both processes together (in the shared store).
    await awayFromMinuteEdge();
    const limited = runCli(['keys', 'create', '--rate-limit-per-minute', '6'], env).stdout.trim();
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const request = await onNewConnection(`${server.url}/v1/flows`, { key: limited });
        await request.response.arrayBuffer();
        await request.close();
        return { status: request.response.status, instance: request.instance };
      }),
    );
    assert.equal(answers.filter((answer) => answer.status === 200).length, 6, 'six in all, whichever process answered');
    assert.equal(answers.filter((answer) => answer.status === 429).length, 4);
    assert.equal(new Set(answers.map((answer) => answer.instance)).size, 2);

    // 4. A revoked key leaves both processes' key caches as soon as the primary relays it (the cache would trust
    // it for ten minutes): once both processes trusted it, it is revoked through one and refused by both.
    const doomed = runCli(['keys', 'create', '--name', 'doomed'], env).stdout.trim();
    const answerOf = async (key: string) => {
      const request = await onNewConnection(`${server.url}/v1/flows`, { key });
      await request.response.arrayBuffer();
      await request.close();
      return { status: request.response.status, instance: request.instance };
    };
    const trusted = new Set<string | null>();
    for (let tries = 0; trusted.size < 2 && tries < 40; tries++) {
      const answer = await answerOf(doomed);
      assert.equal(answer.status, 200);
      trusted.add(answer.instance);
    }
    assert.equal(trusted.size, 2, 'both processes have the key in their caches');
    const listing = await onNewConnection(`${server.url}/v1/keys`, { key: doomed });
    const listed = (await listing.response.json()) as { data: Array<{ id: string; name: string | null }> };
    await listing.close();
    const id = listed.data.find((entry) => entry.name === 'doomed')!.id;
    const revoked = await onNewConnection(`${server.url}/v1/keys/${id}`, { method: 'DELETE', key });
    assert.equal(revoked.response.status, 200);
    await revoked.close();
    const refusedBy = new Set<string | null>();
    await waitFor(async () => {
      const answer = await answerOf(doomed);
      if (answer.status === 401) refusedBy.add(answer.instance);
      return refusedBy.size === 2;
    }, 'both processes to refuse the revoked key');
  } finally {
    await killProcess(server.child);
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
