import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toFlowrunError } from './errors.js';

test("the store's outage is a 503 or 507 with Retry-After, never a 500", () => {
  const cases: Array<[unknown, string, number]> = [
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 'DEPENDENCY_UNAVAILABLE', 503],
    [Object.assign(new Error('the database system is starting up'), { code: '57P03' }), 'DEPENDENCY_UNAVAILABLE', 503],
    [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), 'DEPENDENCY_UNAVAILABLE', 503],
    [new Error('Connection terminated unexpectedly'), 'DEPENDENCY_UNAVAILABLE', 503],
    [Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), 'STORAGE_FULL', 507],
  ];
  for (const [error, code, status] of cases) {
    const mapped = toFlowrunError(error, 1024);
    assert.equal(mapped.code, code, (error as Error).message);
    assert.equal(mapped.status, status);
    assert.ok(mapped.retryAfterSeconds! > 0, 'says when to try again');
  }
  assert.equal(toFlowrunError(new Error('something else'), 1024).code, 'INTERNAL_ERROR');
});
