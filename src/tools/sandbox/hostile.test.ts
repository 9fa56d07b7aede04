import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostilePrograms } from '../../../test/fixtures/hostile-programs.js';
import { createSandboxPool } from './sandbox-pool.js';

const pool = createSandboxPool({
  maxTimeoutMs: 30_000,
  tenantConcurrency: 4,
  workers: 2,
  timeoutMs: 150,
  memoryBytes: 32 * 1024 * 1024,
  maxResultBytes: 1024 * 1024,
});
after(() => pool.close());

test(`each of ${hostilePrograms.length} hostile programs ends in an error, and the pool keeps working`, async () => {
  assert.ok(hostilePrograms.length >= 25);
  for (const program of hostilePrograms) {
    const reply = await pool.run(program.code, { parameters: {}, params: {} });
    assert.equal(reply.ok, false, `${program.name}: ${JSON.stringify(reply).slice(0, 300)}`);
    const healthy = await pool.run('return parameters.n + 1;', { parameters: { n: 1 } });
    assert.deepEqual(healthy.ok && healthy.result, 2, `the pool still answers after '${program.name}'`);
  }
  assert.equal((globalThis as { late?: boolean }).late, undefined);
});
