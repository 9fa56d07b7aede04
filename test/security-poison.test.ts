import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHarness, type Harness } from './support/harness.js';

// A value nested far deeper than any limit: JSON.stringify overflows the stack on it in most contexts.
const deepText = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const deepProgram = 'let v = []; for (let i = 0; i < 3000; i++) v = [v]; return v;';

let harness: Harness;
let pages: Server;
let pagesUrl: string;
let otherKey: string;
before(async () => {
  pages = createServer((request, response) => {
    response.writeHead(200, { 'content-type': request.url === '/deep-text' ? 'text/plain' : 'application/json' });
    response.end(deepText(20_000));
  });
  await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
  pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1' });
  otherKey = await harness.createKey('bystander', 'test');
});
after(async () => {
  await harness.close();
  await new Promise((resolve) => pages.close(resolve));
});

async function dispatch(steps: unknown[], key = harness.key) {
  const response = await harness.dispatch({ flow: { name: 'poison', steps }, options: { streamResponse: false } }, { key });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, any> };
}

const echoStep = { id: 'p', name: 'P', type: 'prompt', config: { model: 'flowrun/echo', userPrompt: 'hello' } };

async function bystanderStillRuns(): Promise<void> {
  const results = await Promise.all(Array.from({ length: 5 }, () => dispatch([echoStep], otherKey)));
  for (const result of results) {
    assert.equal(result.status, 200);
    assert.equal(result.body.status, 'completed', JSON.stringify(result.body));
  }
}

test('a request body nested 5,000 deep is a 422 with NESTING_TOO_DEEP, not a 500', async () => {
  for (const body of [deepText(5_000), `{"flow":${deepText(5_000)}}`, `{"inputs":{"a":${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}}}`]) {
    const response = await harness.dispatch(body);
    assert.equal(response.status, 422);
    const error = (await response.json()) as { code: string; error: string };
    assert.equal(error.code, 'NESTING_TOO_DEEP');
    assert.match(error.error, /nested deeper than 128/);
  }
});

test('deep sandbox results, tool results and fetched pages fail only their own run; everyone else keeps running', async () => {
  const transform = await dispatch([{ id: 't', name: 'T', type: 'transform-data', config: { script: deepProgram } }]);
  assert.equal(transform.status, 200);
  assert.equal(transform.body.status, 'failed');
  assert.match(JSON.stringify(transform.body), /nested deeper than 128/);
  await bystanderStillRuns();

  const created = await fetch(`${harness.baseUrl}/v1/tools`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'deep', toolType: 'custom', config: { code: deepProgram } }),
  });
  assert.equal(created.status, 201);
  const tool = await dispatch([{ id: 't', name: 'T', type: 'tool-call', config: { toolId: 'deep' } }]);
  assert.equal(tool.body.status, 'failed');
  assert.match(JSON.stringify(tool.body), /nested deeper than 128/);
  await bystanderStillRuns();

  for (const path of ['/deep-json', '/deep-text']) {
    const fetched = await dispatch([{ id: 'f', name: 'F', type: 'fetch-url', config: { url: `${pagesUrl}${path}` } }]);
    assert.equal(fetched.body.status, 'failed', JSON.stringify(fetched.body).slice(0, 300));
    assert.match(JSON.stringify(fetched.body), /nested deeper than 128/);
    await bystanderStillRuns();
  }
});

test('values that grow deeper step by step stop the run with NESTING_TOO_DEEP before they reach the store', async () => {
  const wrap = (depth: number, inner: unknown): unknown => (depth === 0 ? inner : { a: wrap(depth - 1, inner) });
  const steps = [{ id: 's0', name: 'S0', type: 'set-variable', config: { variableName: 'v0', value: wrap(100, 1) } }];
  for (let index = 1; index <= 30; index++) {
    steps.push({
      id: `s${index}`,
      name: `S${index}`,
      type: 'set-variable',
      config: { variableName: `v${index}`, value: wrap(100, `{{v${index - 1}}}`) },
    });
  }
  const result = await dispatch(steps);
  assert.equal(result.status, 200);
  assert.equal(result.body.status, 'failed');
  assert.match(JSON.stringify(result.body.error), /NESTING_TOO_DEEP|nested deeper/);
  await bystanderStillRuns();
});

test('after a restart nothing poisoned is continued, and the server serves every tenant', async () => {
  const restarted = await harness.restart();
  try {
    const listed = (await (
      await fetch(`${restarted.baseUrl}/v1/executions?limit=100`, { headers: { authorization: `Bearer ${harness.key}` } })
    ).json()) as { data: Array<{ status: string }> };
    assert.ok(listed.data.length >= 5);
    assert.ok(listed.data.every((execution) => execution.status === 'failed' || execution.status === 'completed'));
    const response = await restarted.dispatch(
      { flow: { name: 'after', steps: [echoStep] }, options: { streamResponse: false } },
      { key: otherKey },
    );
    assert.equal(((await response.json()) as { status: string }).status, 'completed');
  } finally {
    harness = restarted;
  }
});
