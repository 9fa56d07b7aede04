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
