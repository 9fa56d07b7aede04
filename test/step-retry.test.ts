import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSse, startHarness, type Harness } from './support/harness.js';

let harness: Harness;
let api: Server;
let apiUrl: string;
const hits = new Map<string, number>();
before(async () => {
  api = createServer((request, response) => {
    hits.set(request.url ?? '', (hits.get(request.url ?? '') ?? 0) + 1);
    response.writeHead(request.url === '/missing' ? 404 : 503, { 'content-type': 'application/json' }).end('{"error":"no"}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1' });
});
after(async () => {
  await harness.close();
  await new Promise((resolve) => api.close(resolve));
});

test('a prompt step with errorHandling retry and a client tool calls the model once and pauses once', async () => {
  harness.fake.reset();
  harness.fake.script(() => ({ toolCalls: [{ id: 'call_1', name: 'get_page', arguments: '{"q":"x"}' }], finishReason: 'tool_calls' }));
  const events = await readSse(
    await harness.dispatch(
      {
        clientTools: [
          { name: 'get_page', description: 'reads the page', parametersSchema: { type: 'object', properties: { q: { type: 'string' } } } },
        ],
        flow: {
          name: 'r',
          steps: [{ id: 'a', name: 'A', type: 'prompt', errorHandling: 'retry', config: { model: 'gpt-4o', userPrompt: 'look' } }],
        },
      },
      { query: 'events=unified' },
    ),
  );
  assert.equal(harness.fake.requests.length, 1, 'one model call');
  assert.equal(events.filter((event) => event.event === 'tool_start').length, 1, 'one burst of tool events');
  assert.ok(
    events.some((event) => event.event === 'await'),
    'the run pauses for the client',
  );
});

test('retry repeats only what can succeed when tried again', async () => {
  const run = async (path: string) => {
    const response = await harness.dispatch({
      flow: { name: 'r', steps: [{ id: 'f', name: 'F', type: 'fetch-url', errorHandling: 'retry', config: { url: `${apiUrl}${path}` } }] },
      options: { streamResponse: false },
    });
    return (await response.json()) as { status: string; error: { code: string } };
  };
  const missing = await run('/missing');
  assert.equal(missing.status, 'failed');
  assert.equal(missing.error.code, 'HTTP_STATUS');
  assert.equal(hits.get('/missing'), 1, 'a 404 is not retried');
  const down = await run('/down');
  assert.equal(down.error.code, 'HTTP_SERVER_ERROR');
  assert.equal(hits.get('/down'), 3, 'a 503 is tried three times');
});
