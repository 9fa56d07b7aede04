import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { createSandboxPool } from './sandbox-pool.js';

const spawned: Worker[] = [];
const pool = createSandboxPool({
  workers: 2,
  tenantConcurrency: 1,
  timeoutMs: 200,
  maxTimeoutMs: 900,
  memoryBytes: 16 * 1024 * 1024,
  maxResultBytes: 1024 * 1024,
  onSpawn: (worker) => spawned.push(worker),
});
after(() => pool.close());

test('a tool cannot ask for more time than the cap', async () => {
  const started = Date.now();
  const reply = await pool.run('while (true) {}', {}, { timeoutMs: 600_000, tenant: 'a' });
  assert.equal(reply.ok, false);
  assert.equal(!reply.ok && reply.code, 'SANDBOX_TIMEOUT');
  assert.match(!reply.ok ? reply.message : '', /900 ms/);
  assert.ok(Date.now() - started < 4_000, `took ${Date.now() - started} ms`);
});

test("one tenant's endless tools do not make another tenant wait", async () => {
  // Both threads started and ready, so the wait measured is queueing, not a thread's start-up.
  await Promise.all([pool.run('return 1;', {}, { tenant: 'x' }), pool.run('return 1;', {}, { tenant: 'y' })]);
  const hogs = [
    pool.run('while (true) {}', {}, { timeoutMs: 600_000, tenant: 'hog' }),
    pool.run('while (true) {}', {}, { timeoutMs: 600_000, tenant: 'hog' }),
  ];
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = Date.now();
  const reply = await pool.run('return 1 + 1;', {}, { tenant: 'bystander' });
  const waited = Date.now() - started;
  assert.deepEqual(reply.ok && reply.result, 2);
  // Unfair queueing would make it wait for a hog's full 900 ms.
  assert.ok(waited < 600, `the bystander waited ${waited} ms`);
  for (const hog of await Promise.all(hogs)) assert.equal(!hog.ok && hog.code, 'SANDBOX_TIMEOUT');
});

test('a thread that dies is replaced: the next caller is served, not timed out', async () => {
  assert.deepEqual((await pool.run('return "warm";', {}, { tenant: 'a' })).ok, true);
  const victims = spawned.filter((worker) => worker.threadId > 0);
  await Promise.all(victims.map((worker) => worker.terminate()));
  const started = Date.now();
  const reply = await pool.run('return "alive";', {}, { tenant: 'b' });
  assert.equal(reply.ok && reply.result, 'alive');
  assert.ok(Date.now() - started < 2_000);
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
