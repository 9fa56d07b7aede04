import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { migrate, openSqlite } from '../store/database.js';
import { insertExecution } from '../store/executions-repository.js';
import { claimGraceMs } from '../store/idempotency-repository.js';
import { createStore } from '../store/store.js';
import type { AppDeps } from './app-deps.js';
import { claimKey } from './idempotency.js';

const scope = { tenantId: 't', mode: 'test' as const };
const start = Date.parse('2026-11-22T10:00:00.000Z');

/**
 * claimKey over a real SQLite store that counts claim attempts. The clock moves 50 ms at each reading, so an
 * implementation that waited for a claim to lapse would make further attempts (and end) instead of hanging.
 */
async function claiming() {
  const db = openSqlite(':memory:');
  await migrate(db);
  const store = createStore(db);
  const attempts: string[] = [];
  let time = start;
  let id = 0;
  const deps = {
    store: {
      ...store,
      claimIdempotencyKey: (...args: Parameters<typeof store.claimIdempotencyKey>) => {
        attempts.push(args[2]);
        return store.claimIdempotencyKey(...args);
      },
    },
    clock: { now: () => (time += 50) },
    ids: { next: (prefix: string) => `${prefix}_${++id}` },
  } as unknown as AppDeps;
  const claim = (key: string) => claimKey(deps, { scope } as FastifyRequest, key);
  return { db, attempts, claim };
}

test('a claim whose server died before creating its run is taken over by the first attempt, without waiting for it to lapse', async () => {
  const { db, attempts, claim } = await claiming();
  try {
    await db
      .insertInto('idempotency_keys')
      .values({
        tenant_id: scope.tenantId,
        mode: scope.mode,
        key: 'k',
        execution_id: 'exec_never_created',
        created_at: start - claimGraceMs - 1,
      })
      .execute();
    assert.deepEqual(await claim('k'), { key: 'k', executionId: 'exec_1', prior: false });
    assert.deepEqual(attempts, ['exec_1'], 'one claim attempt');
  } finally {
    await db.destroy();
  }
});

test('a claim whose run exists is answered with that run after one attempt', async () => {
  const { db, attempts, claim } = await claiming();
  try {
    await insertExecution(db, {
      id: 'exec_first',
      scope,
      flowId: null,
      flowVersionId: null,
      flowName: 'f',
      recordId: null,
      dialect: 'runtype',
      input: {},
      totalSteps: 1,
      createdAt: new Date(start).toISOString(),
    });
    await db
      .insertInto('idempotency_keys')
      .values({ tenant_id: scope.tenantId, mode: scope.mode, key: 'k', execution_id: 'exec_first', created_at: start - claimGraceMs - 1 })
      .execute();
    assert.deepEqual(await claim('k'), { key: 'k', executionId: 'exec_first', prior: true });
    assert.deepEqual(attempts, ['exec_1']);
  } finally {
    await db.destroy();
  }
});
