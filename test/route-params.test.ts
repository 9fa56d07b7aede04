import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

const get = (path: string, init: RequestInit = {}) =>
  harness.request(`${path}`, {
    ...init,
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

test('a bad path or query parameter is a 422 naming the parameter, like a bad body', async () => {
  const cases: Array<[string, RequestInit, string]> = [
    [`/v1/executions/${'x'.repeat(300)}`, {}, 'params.id'],
    [`/v1/tools/${'y'.repeat(300)}`, {}, 'params.id'],
    ['/v1/executions/exec_1/events?events=klingon', {}, 'query.events'],
    ['/v1/dispatch?events=klingon', { method: 'POST', body: JSON.stringify({ flow: { name: 'f', steps: [] } }) }, 'query.events'],
    [
      '/v1/dispatch/resume?events=nope',
      { method: 'POST', body: JSON.stringify({ executionId: 'exec_1', toolOutputs: {} }) },
      'query.events',
    ],
  ];
  for (const [path, init, field] of cases) {
    const response = await get(path, init);
    assert.equal(response.status, 422, `${path}: ${response.status}`);
    const body = (await response.json()) as { code: string; details: Array<{ path: string }> };
    assert.equal(body.code, 'VALIDATION_ERROR');
    assert.equal(body.details[0]!.path, field, path);
  }
});
