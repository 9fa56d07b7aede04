import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createFlowrunClient, FlowrunApiError } from '../client/src/index.js';
import { startHarness, type Harness } from './support/harness.js';

const value = 'tok-Managed-Value-9271';

let harness: Harness;
let echo: Server;
let echoUrl: string;
const seen: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];

before(async () => {
  // Records what reached it and echoes the authorization it got back: the run's answer must show it redacted.
  echo = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      seen.push({ url: request.url ?? '', headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, authorization: request.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1', FLOWRUN_SECRET_KEY: 'aa'.repeat(32), FLOWRUN_TEST_LOG_CAPTURE: '1' });
});
after(async () => {
  await harness.close();
  await new Promise((resolve) => echo.close(resolve));
});

const auth = (key = harness.key) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

async function call(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; text: string; json: any }> {
  const response = await harness.request(path, {
    method,
    headers: auth(key),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json: unknown = (response.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : null;
  return { status: response.status, text, json };
}

const apiCallFlow = (key: string) => ({
  flow: {
    name: 'managed',
    steps: [
      {
        id: 'call',
        name: 'Call',
        type: 'api-call',
        config: {
          http: {
            url: `${echoUrl}/api`,
            method: 'POST',
            headers: { 'x-token': '{{secret:' + key + '}}' },
            body: { token: `{{secret:${key}}}` },
          },
          auth: { type: 'bearer', token: `{{secret:${key}}}` },
        },
      },
    ],
  },
});

test('secrets are created, listed, read, rotated, checked and deleted, and no answer holds the value', async () => {
  const created = await call('POST', '/v1/secrets', { key: 'CRUD_KEY', value, description: 'for the CRM' });
  assert.equal(created.status, 201, created.text);
  const secret = created.json.data;
  assert.equal(secret.key, 'CRUD_KEY');
  assert.equal(secret.status, 'active');
  assert.equal(secret.version, 1);
  assert.equal(secret.phantomToken, null);
  assert.equal(secret.valuePreview, '••••9271');
  assert.ok(!created.text.includes(value));

  assert.equal((await call('POST', '/v1/secrets', { key: 'CRUD_KEY', value })).status, 409);
  const invalid = await call('POST', '/v1/secrets', { key: 'bad key', value: 'short' });
  assert.equal(invalid.status, 422);
  assert.deepEqual(invalid.json.details.map((detail: { path: string }) => detail.path).sort(), ['key', 'value']);

  const listed = await call('GET', '/v1/secrets');
  assert.equal(listed.status, 200);
  assert.ok(listed.json.data.some((entry: { key: string }) => entry.key === 'CRUD_KEY'));
  assert.equal(listed.json.total, listed.json.data.length);
  assert.ok(!listed.text.includes(value));

  for (const id of [secret.id, 'CRUD_KEY']) {
    const read = await call('GET', `/v1/secrets/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.json.data.id, secret.id);
    assert.ok(!read.text.includes(value));
  }

  const rotated = await call('PUT', `/v1/secrets/${secret.id}`, { value: 'rotated-value-0042', expectedVersion: 1 });
  assert.equal(rotated.status, 200, rotated.text);
  assert.equal(rotated.json.data.version, 2);
  assert.equal(rotated.json.data.valuePreview, '••••0042');
  assert.ok(rotated.json.data.lastRotatedAt);
  assert.ok(!rotated.text.includes('rotated-value-0042'));
  assert.equal((await call('PUT', `/v1/secrets/${secret.id}`, { value: 'another-value-1', expectedVersion: 1 })).status, 409);

  await call('POST', '/v1/secrets', { key: 'GONE_KEY', value: 'revoked-value-1' });
  assert.equal((await call('PUT', '/v1/secrets/GONE_KEY', { status: 'revoked' })).json.data.status, 'revoked');
  await call('POST', '/v1/secrets', { key: 'LATER_KEY' });
  const checked = await call('POST', '/v1/secrets/check', { keys: ['CRUD_KEY', 'GONE_KEY', 'LATER_KEY', 'NO_SUCH_KEY'] });
  assert.equal(checked.status, 200);
  assert.deepEqual(checked.json, { found: ['CRUD_KEY'], missing: ['LATER_KEY', 'NO_SUCH_KEY'], revoked: ['GONE_KEY'] });

  const deleted = await call('DELETE', `/v1/secrets/${secret.id}`);
  assert.deepEqual(deleted.json, { success: true, deletedId: secret.id, referenceCount: 0 });
  assert.equal((await call('GET', `/v1/secrets/${secret.id}`)).status, 404);
  assert.equal((await call('DELETE', `/v1/secrets/${secret.id}`)).status, 404);
});

test('{{secret:KEY}} reaches an api-call as the value in headers, auth and body, and nothing the run shows or stores holds it', async () => {
  assert.equal((await call('POST', '/v1/secrets', { key: 'API_TOKEN', value })).status, 201);
  seen.length = 0;
  const response = await harness.dispatch(apiCallFlow('API_TOKEN'), { query: 'events=unified' });
  assert.equal(response.status, 200);
  const stream = await response.text();
  assert.equal(seen.length, 1, stream);
  assert.equal(seen[0]!.headers['x-token'], value);
  assert.equal(seen[0]!.headers.authorization, `Bearer ${value}`);
  assert.deepEqual(JSON.parse(seen[0]!.body), { token: value });
  assert.ok(!stream.includes(value), 'the stream holds the value');
  assert.match(stream, /\[REDACTED\]/);
  const executionId = /exec_[0-9A-Z]+/.exec(stream)?.[0] ?? '';
  for (const path of [`/v1/executions/${executionId}`, `/v1/executions/${executionId}/events`]) {
    const stored = await call('GET', path);
    assert.equal(stored.status, 200, stored.text);
    assert.ok(!stored.text.includes(value), `${path} holds the value`);
  }
});

test('{{secret:KEY}} in a saved external tool reaches the server; an unknown one fails the step naming the key', async () => {
  await call('POST', '/v1/secrets', { key: 'TOOL_TOKEN', value: 'tool-secret-value-77' });
  const tool = await call('POST', '/v1/tools', {
    name: 'crm_lookup',
    toolType: 'external',
    description: 'looks a customer up',
    parametersSchema: { type: 'object', properties: {} },
    config: { url: `${echoUrl}/crm`, method: 'GET', headers: { authorization: 'Bearer {{secret:TOOL_TOKEN}}' } },
  });
  assert.equal(tool.status, 201, tool.text);
  let turns = 0;
  harness.fake.script(() => (turns++ === 0 ? { toolCalls: [{ id: 'c1', name: 'crm_lookup', arguments: '{}' }] } : { text: 'done' }));
  seen.length = 0;
  const flow = (toolIds: string[]) => ({
    flow: {
      name: 'tools',
      steps: [{ id: 'p', name: 'P', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'go', tools: { toolIds } } }],
    },
    options: { streamResponse: false },
  });
  const ran = await harness.dispatch(flow([tool.json.id]));
  const ranText = await ran.text();
  assert.equal(ran.status, 200, ranText);
  assert.equal(seen.length, 1, ranText);
  assert.equal(seen[0]!.headers.authorization, 'Bearer tool-secret-value-77');
  assert.ok(!ranText.includes('tool-secret-value-77'));

  const missing = await harness.dispatch(apiCallFlow('NOT_CREATED'), { query: 'events=unified' });
  const text = await missing.text();
  assert.match(text, /SECRET_NOT_FOUND/);
  assert.match(text, /NOT_CREATED/);
});

test('POST /v1/tools/test sends a managed secret and answers with it redacted', async () => {
  await call('POST', '/v1/secrets', { key: 'TEST_TOKEN', value: 'tooltest-secret-6060' });
  seen.length = 0;
  const tested = await call('POST', '/v1/tools/test', {
    tool: {
      name: 'probe',
      toolType: 'external',
      description: 'probe',
      parametersSchema: { type: 'object', properties: {} },
      config: { url: `${echoUrl}/probe`, method: 'GET', headers: { authorization: 'Bearer {{secret:TEST_TOKEN}}' } },
    },
    arguments: {},
  });
  assert.equal(tested.status, 200, tested.text);
  assert.equal(seen[0]!.headers.authorization, 'Bearer tooltest-secret-6060');
  assert.equal(tested.json.ok, true);
  assert.ok(!tested.text.includes('tooltest-secret-6060'));
});

test('a revoked secret fails the step with SECRET_NOT_FOUND and never sends an empty credential', async () => {
  await call('POST', '/v1/secrets', { key: 'REVOKED_TOKEN', value: 'revoked-secret-1234' });
  await call('PUT', '/v1/secrets/REVOKED_TOKEN', { status: 'revoked' });
  seen.length = 0;
  const response = await harness.dispatch({ ...apiCallFlow('REVOKED_TOKEN'), options: { streamResponse: false } });
  const text = await response.text();
  assert.match(text, /SECRET_NOT_FOUND/);
  assert.match(text, /REVOKED_TOKEN/);
  assert.equal(seen.length, 0);
});

test('secrets belong to one tenant and mode', async () => {
  await call('POST', '/v1/secrets', { key: 'SCOPED_TOKEN', value: 'scoped-secret-5555' });
  const other = await harness.createKey('other-tenant');
  const live = await harness.createKey('default', 'live');
  for (const key of [other, live]) {
    assert.equal((await call('GET', '/v1/secrets/SCOPED_TOKEN', undefined, key)).status, 404);
    assert.deepEqual((await call('POST', '/v1/secrets/check', { keys: ['SCOPED_TOKEN'] }, key)).json.missing, ['SCOPED_TOKEN']);
    seen.length = 0;
    const response = await harness.dispatch({ ...apiCallFlow('SCOPED_TOKEN'), options: { streamResponse: false } }, { key });
    assert.match(await response.text(), /SECRET_NOT_FOUND/);
    assert.equal(seen.length, 0);
  }
  assert.equal((await call('POST', '/v1/secrets', { key: 'SCOPED_TOKEN', value: 'other-tenant-value' }, other)).status, 201);
});

test('dispatch-scoped secrets keep working beside managed ones', async () => {
  seen.length = 0;
  const response = await harness.dispatch({
    flow: {
      name: 'dispatch',
      steps: [
        {
          id: 'c',
          name: 'C',
          type: 'fetch-url',
          config: { http: { url: `${echoUrl}/d`, method: 'GET', headers: { 'x-k': '{{secrets.k}}' } } },
        },
      ],
    },
    secrets: { k: 'dispatch-value-31' },
    options: { streamResponse: false },
  });
  assert.equal(response.status, 200);
  assert.equal(seen[0]!.headers['x-k'], 'dispatch-value-31');
});

test('the typed client manages secrets: create, check, rotate, get, list, delete', async () => {
  const client = createFlowrunClient({ baseUrl: harness.baseUrl, apiKey: harness.key, retryDelayMs: 10 });
  const created = await client.secrets.create({ key: 'CLIENT_TOKEN', value: 'client-secret-8080' });
  assert.equal(created.data.status, 'active');
  assert.deepEqual(await client.secrets.check(['CLIENT_TOKEN', 'NOPE']), { found: ['CLIENT_TOKEN'], missing: ['NOPE'], revoked: [] });
  const rotated = await client.secrets.update('CLIENT_TOKEN', { value: 'client-secret-9090', expectedVersion: 1 });
  assert.equal(rotated.data.version, 2);
  assert.equal((await client.secrets.get(created.data.id)).data.valuePreview, '••••9090');
  assert.ok((await client.secrets.list()).data.some((secret) => secret.key === 'CLIENT_TOKEN'));
  assert.equal((await client.secrets.delete('CLIENT_TOKEN')).deletedId, created.data.id);
  const gone = await client.secrets.get('CLIENT_TOKEN').catch((error: unknown) => error);
  assert.ok(FlowrunApiError.isInstance(gone) && gone.status === 404);
});

test('no file of the data folder and no log line holds a managed secret value in clear', async () => {
  const values = [value, 'rotated-value-0042', 'tool-secret-value-77', 'scoped-secret-5555', 'tooltest-secret-6060', 'client-secret-9090'];
  for (const name of readdirSync(harness.dataDir)) {
    const bytes = readFileSync(join(harness.dataDir, name)).toString('latin1');
    for (const secret of values) assert.ok(!bytes.includes(secret), `${name} holds a secret value`);
  }
  assert.ok(harness.logs.length > 0, 'the server logged');
  for (const line of harness.logs)
    for (const secret of values) assert.ok(!line.includes(secret), `a log line holds a secret value: ${line}`);
});

test('without FLOWRUN_SECRET_KEY creating a secret is refused with how to set one', async () => {
  const keyless = await startHarness({ FLOWRUN_SECRET_KEY: '' });
  try {
    const response = await keyless.request('/v1/secrets', {
      method: 'POST',
      headers: { authorization: `Bearer ${keyless.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'API_TOKEN', value }),
    });
    assert.equal(response.status, 409);
    const body = (await response.json()) as { code: string; error: string };
    assert.equal(body.code, 'SECRET_KEY_NOT_CONFIGURED');
    assert.match(body.error, /FLOWRUN_SECRET_KEY/);
    assert.match(body.error, /openssl rand -hex 32/);
  } finally {
    await keyless.close();
  }
});
