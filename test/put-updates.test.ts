import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';

// Runtype updates flows, agents, tools and records with PUT, and documents each as partial (only the fields
// given change; an agent's `config` is deep-merged). Flowrun's PATCH is the same handler.
let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

const headers = () => ({ authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' });
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const response = await harness.request(path, {
    method,
    headers: headers(),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

test('PUT updates a record partially, as PATCH does', async () => {
  const created = await call('POST', '/v1/records', { name: 'Acme', type: 'company', metadata: { tier: 'gold' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const put = await call('PUT', `/v1/records/${created.body.id}`, { metadata: { tier: 'silver' } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.metadata.tier, 'silver');
  assert.equal(put.body.name, 'Acme', 'a field not given is kept');
  assert.equal((await call('PUT', '/v1/records/rec_missing', { metadata: {} })).status, 404);
});

test('PUT updates a tool: fields not given are kept and the whole tool is checked', async () => {
  const created = await call('POST', '/v1/tools', { name: 'double', description: 'd', toolType: 'custom', config: { code: 'return 2;' } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const put = await call('PUT', `/v1/tools/${created.body.id}`, { description: 'doubles' });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.description, 'doubles');
  assert.equal(put.body.config.code, 'return 2;');
  const bad = await call('PUT', `/v1/tools/${created.body.id}`, { config: { code: 'print(2)', language: 'python' } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.details[0].code, 'UNSUPPORTED_LANGUAGE');
});

test('PUT updates an agent with its config deep-merged, and PATCH does the same', async () => {
  const created = await call('POST', '/v1/agents', {
    name: 'Helper',
    config: { model: 'flowrun/echo', systemPrompt: 'Be helpful.', loopConfig: { maxTurns: 3, enableReflection: true } },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const put = await call('PUT', `/v1/agents/${created.body.id}`, { description: 'helps', config: { loopConfig: { maxTurns: 5 } } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.description, 'helps');
  assert.deepEqual(put.body.definition.config, {
    model: 'flowrun/echo',
    systemPrompt: 'Be helpful.',
    loopConfig: { maxTurns: 5, enableReflection: true },
  });
  const patched = await call('PATCH', `/v1/agents/${created.body.id}`, { config: { systemPrompt: 'Be brief.' } });
  assert.equal(patched.body.definition.config.model, 'flowrun/echo');
  assert.equal(patched.body.definition.config.systemPrompt, 'Be brief.');
  const bad = await call('PUT', `/v1/agents/${created.body.id}`, { config: { model: 'google/gemini-2.5-flash' } });
  assert.equal(bad.status, 422);
});

test('PUT edits a flow under both prefixes, keeping what it does not name', async () => {
  const steps = [{ id: 's', name: 'S', type: 'prompt', config: { model: 'flowrun/echo', userPrompt: 'Hi' } }];
  const created = await call('POST', '/v1/flows', { name: 'Edited', steps });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const put = await call('PUT', `/v1/flows/${created.body.id}`, { description: 'now described' });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.description, 'now described');
  assert.equal(put.body.name, 'Edited');
  assert.equal(put.body.definition.steps.length, 1);
  const shuttle = await call('PUT', `/api/v1/flows/${created.body.id}`, { description: 'again' });
  assert.equal(shuttle.status, 200, JSON.stringify(shuttle.body));
  assert.equal(shuttle.body.description, 'again');
  const bad = await call('PUT', `/v1/flows/${created.body.id}`, { steps: [{ type: 'teleport' }] });
  assert.equal(bad.status, 422);
});
