import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { waitFor } from '../../../test/support/wait-for.js';
import { createSandboxPool } from './sandbox-pool.js';

const spawned: Worker[] = [];
const poolOptions = {
  workers: 2,
  tenantConcurrency: 1,
  timeoutMs: 200,
  maxTimeoutMs: 900,
  memoryBytes: 16 * 1024 * 1024,
  maxResultBytes: 1024 * 1024,
};
const pool = createSandboxPool({ ...poolOptions, onSpawn: (worker) => spawned.push(worker) });
after(() => pool.close());

test('a tool cannot ask for more time than the cap', async () => {
  const reply = await pool.run('while (true) {}', {}, { timeoutMs: 600_000, tenant: 'a' });
  assert.equal(reply.ok, false);
  assert.equal(!reply.ok && reply.code, 'SANDBOX_TIMEOUT');
  // The limit the thread enforced is the cap, not the 600 s asked for.
  assert.match(!reply.ok ? reply.message : '', /time limit of 900 ms/);
});

test("one tenant's endless tools do not make another tenant wait", async () => {
  // A pool of its own whose cap (10 s) is far beyond the bystander's call: the hogs are still running when the
  // bystander is answered, on any machine, and are then cancelled. Unfair queueing would answer it only after a hog.
  const fair = createSandboxPool({ ...poolOptions, maxTimeoutMs: 10_000 });
  try {
    // Both threads started and ready, so the bystander's call does not wait for a thread's start-up.
    await Promise.all([fair.run('return 1;', {}, { tenant: 'x' }), fair.run('return 1;', {}, { tenant: 'y' })]);
    const stop = new AbortController();
    const ended: string[] = [];
    const hog = (name: string) =>
      fair.run('while (true) {}', {}, { timeoutMs: 600_000, tenant: 'hog', signal: stop.signal }).then((reply) => {
        ended.push(name);
        return reply;
      });
    const hogs = [hog('first hog'), hog('second hog')];
    await waitFor(() => fair.usage().busy + fair.usage().waiting === 2, 'both hogs are in the pool');
    const reply = await fair.run('return 1 + 1;', {}, { tenant: 'bystander' });
    assert.deepEqual(reply.ok && reply.result, 2);
    assert.deepEqual(ended, [], 'the bystander was answered while the hogs still ran or waited');
    assert.deepEqual(fair.usage(), { busy: 1, threads: 2, waiting: 1 }, 'the hog tenant holds one thread and queues for more');
    stop.abort();
    for (const result of await Promise.all(hogs)) assert.equal(!result.ok && result.message, 'cancelled');
  } finally {
    await fair.close();
  }
});

test('a thread that dies is replaced: the next caller is served, not timed out', async () => {
  assert.deepEqual((await pool.run('return "warm";', {}, { tenant: 'a' })).ok, true);
  const victims = spawned.filter((worker) => worker.threadId > 0);
  await Promise.all(victims.map((worker) => worker.terminate()));
  const threadsBefore = spawned.length;
  const reply = await pool.run('return "alive";', {}, { tenant: 'b' });
  // A call sent to a dead thread would end in SANDBOX_TIMEOUT once its guard fired.
  assert.equal(reply.ok && reply.result, 'alive');
  assert.ok(spawned.length > threadsBefore, 'a new thread was started in place of the dead one');
});

test('a result whose getter or toJSON never ends is a timeout, never a success with "[object Object]"', async () => {
  for (const code of ['return { get x() { while (true) {} } };', 'return { toJSON() { for (;;) {} } };']) {
    const reply = await pool.run(code, {}, { tenant: 'a' });
    assert.equal(reply.ok, false, code);
    assert.equal(!reply.ok && reply.code, 'SANDBOX_TIMEOUT', code);
  }
  const cyclic = await pool.run('const a = {}; a.self = a; return a;', {}, { tenant: 'a' });
  assert.equal(cyclic.ok, false);
});
