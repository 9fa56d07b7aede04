import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSandboxPool } from './sandbox-pool.js';

const pool = createSandboxPool({
  maxTimeoutMs: 30_000,
  tenantConcurrency: 4,
  workers: 2,
  timeoutMs: 500,
  memoryBytes: 16 * 1024 * 1024,
  maxResultBytes: 1024 * 1024,
});
after(() => pool.close());

test('runs code with parameters and params, returns its value and captures console output', async () => {
  const reply = await pool.run('console.log("adding", parameters.a, { b: params.b }); return { sum: parameters.a + params.b };', {
    parameters: { a: 2, b: 3 },
    params: { a: 2, b: 3 },
  });
  assert.deepEqual(reply, { id: reply.id, ok: true, result: { sum: 5 }, logs: ['adding 2 {"b":3}'] });
});

test('async code and awaited promises work; a throw is an error with its message', async () => {
  const value = await pool.run('const v = await Promise.resolve(21); return v * 2;', {});
  assert.equal(value.ok && value.result, 42);
  const thrown = await pool.run('throw new TypeError("bad input: " + parameters.x);', { parameters: { x: 'y' } });
  assert.equal(thrown.ok, false);
  assert.match(!thrown.ok ? thrown.message : '', /TypeError: bad input: y/);
});

test('each call gets a fresh context: globals do not leak between calls', async () => {
  await pool.run('globalThis.leak = 1; Object.prototype.polluted = true; return 1;', {});
  const reply = await pool.run('return [typeof leak, ({}).polluted === true];', {});
  assert.deepEqual(reply.ok && reply.result, ['undefined', false]);
});

test('calls whose signal fires while they wait for a thread leave the queue and never start', async () => {
  const single = createSandboxPool({
    maxTimeoutMs: 30_000,
    tenantConcurrency: 4,
    workers: 1,
    timeoutMs: 30_000,
    memoryBytes: 16 * 1024 * 1024,
    maxResultBytes: 1024 * 1024,
  });
  try {
    const first = new AbortController();
    const spinning = single.run('while (true) {}', {}, { signal: first.signal });
    const queued = Array.from({ length: 3 }, () => new AbortController());
    const waiting = queued.map((caller) => single.run('return "ran"', {}, { signal: caller.signal }));
    assert.equal(single.usage().waiting, 3);
    for (const caller of queued) caller.abort();
    for (const reply of await Promise.all(waiting)) assert.equal(reply.ok, false, 'a call abandoned in the queue did not run');
    assert.equal(single.usage().waiting, 0);
    // A signal that fired before the call: it is never queued.
    const late = await single.run('return "ran"', {}, { signal: AbortSignal.abort() });
    assert.equal(late.ok, false);
    assert.equal(single.usage().waiting, 0);
    first.abort();
    assert.equal((await spinning).ok, false);
    const next = await single.run('return 3', {});
    assert.equal(next.ok && next.result, 3);
  } finally {
    await single.close();
  }
});
