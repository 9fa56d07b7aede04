import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSse, startHarness, type Harness } from './support/harness.js';

let harness: Harness;
let api: Server;
let apiUrl: string;
before(async () => {
  api = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      response.writeHead(request.url === '/text' ? 200 : request.url === '/missing' ? 404 : 200, {
        'content-type': request.url === '/text' ? 'text/plain' : 'application/json',
      });
      if (request.url === '/text') return response.end('plain words');
      response.end(
        JSON.stringify({
          method: request.method,
          url: request.url,
          auth: request.headers.authorization ?? null,
          key: request.headers['x-api-key'] ?? null,
          body: Buffer.concat(parts).toString() || null,
          data: { items: [{ name: 'first' }, { name: 'second' }], total: 2 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1' });
});
after(async () => {
  await harness.close();
  await new Promise((resolve) => api.close(resolve));
});

async function run(steps: unknown[], extra: Record<string, unknown> = {}) {
  const response = await harness.dispatch({ flow: { name: 'steps', steps }, options: { streamResponse: false }, ...extra });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text) as Record<string, any>;
}

test('tool-call runs a saved tool with templated parameters and streams its tool events', async () => {
  const created = await fetch(`${harness.baseUrl}/v1/tools`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'multiply', toolType: 'custom', config: { code: 'return parameters.a * parameters.b;' } }),
  });
  assert.equal(created.status, 201);
  const result = await run(
    [
      {
        id: 't',
        name: 'T',
        type: 'tool-call',
        config: { toolId: 'multiply', parameters: { a: '{{x}}', b: 6 }, outputVariable: 'product' },
      },
    ],
    { inputs: { x: 7 } },
  );
  assert.equal(result.output.product, 42);
  const events = await readSse(
    await harness.dispatch({
      inputs: { x: 2 },
      flow: {
        name: 's',
        steps: [{ id: 't', name: 'T', type: 'tool-call', config: { toolId: 'multiply', parameters: { a: '{{x}}', b: 2 } } }],
      },
    }),
  );
  assert.deepEqual(
    events.map((event) => event.event).filter((type) => type.startsWith('tool_')),
    ['tool_start', 'tool_input_complete', 'tool_complete'],
  );
  const missing = await harness.dispatch({
    flow: { name: 's', steps: [{ id: 't', name: 'T', type: 'tool-call', config: { toolId: 'nope' } }] },
  });
  assert.equal(missing.status, 422);
  assert.match(await missing.text(), /flow\.steps\[0\]\.config\.toolId/);
});

test('fetch-url fetches JSON or text through the SSRF guard', async () => {
  const result = await run(
    [
      {
        id: 'j',
        name: 'J',
        type: 'fetch-url',
        config: { http: { url: `${apiUrl}/items?q={{q}}`, method: 'GET' }, outputVariable: 'page' },
      },
      { id: 't', name: 'T', type: 'fetch-url', config: { url: `${apiUrl}/text`, responseType: 'text', outputVariable: 'text' } },
    ],
    { inputs: { q: 'a b' } },
  );
  assert.equal(result.output.page.url, '/items?q=a b'.replace(' ', '%20'));
  assert.equal(result.output.text, 'plain words');
  const blocked = await run([{ id: 'm', name: 'M', type: 'fetch-url', config: { url: 'http://169.254.169.254/latest/meta-data/' } }]);
  assert.equal(blocked.status, 'failed');
  assert.match(blocked.error.message, /metadata/);
});

test('api-call sends auth and a templated body and maps the response', async () => {
  const result = await run(
    [
      {
        id: 'a',
        name: 'A',
        type: 'api-call',
        config: {
          http: { url: `${apiUrl}/orders`, method: 'POST', body: { customer: '{{_record.name}}', count: 3 } },
          auth: { type: 'bearer', token: '{{secrets.apiToken}}' },
          responseMapping: { firstName: 'data.items[0].name', total: 'data.total', sent: 'body', whole: '$' },
          outputVariable: 'order',
        },
      },
    ],
    { record: { name: 'Ada' }, secrets: { apiToken: 'tok-123456' } },
  );
  assert.equal(result.output.order.firstName, 'first');
  assert.equal(result.output.order.total, 2);
  assert.deepEqual(JSON.parse(result.output.order.sent), { customer: 'Ada', count: 3 });
  assert.equal(result.output.order.whole.auth, 'Bearer [REDACTED]', 'the secret reached the API and is redacted in what Flowrun keeps');
  const failed = await run([{ id: 'a', name: 'A', type: 'api-call', config: { http: { url: `${apiUrl}/missing`, method: 'GET' } } }]);
  assert.equal(failed.status, 'failed');
  assert.match(failed.error.message, /404/);
});

test('transform-data runs sandboxed JavaScript over the flow variables', async () => {
  const result = await run(
    [
      { id: 'v', name: 'V', type: 'set-variable', config: { variableName: 'prices', value: [3, 4, 5] } },
      {
        id: 't',
        name: 'T',
        type: 'transform-data',
        config: {
          script: 'const total = prices.reduce((a, b) => a + b, 0); return { total, max: Math.max(...input.prices), who: _record.name };',
          outputVariable: 'stats',
        },
      },
    ],
    { record: { name: 'Ada' } },
  );
  assert.deepEqual(result.output.stats, { total: 12, max: 5, who: 'Ada' });
  const hostile = await run([{ id: 't', name: 'T', type: 'transform-data', config: { script: 'return process.env;' } }]);
  assert.equal(hostile.status, 'failed');
  assert.match(hostile.error.message, /process/);
});
