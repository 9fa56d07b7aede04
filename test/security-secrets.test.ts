import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startHarness, type Harness } from './support/harness.js';

const secret = 'Sk-Live/Abc def+123';
const spellings = [
  secret,
  secret.toLowerCase(),
  secret.toUpperCase(),
  encodeURIComponent(secret),
  encodeURIComponent(secret).toLowerCase(),
  encodeURIComponent(secret).replace(/%20/g, '+'),
  btoa(secret).replace(/=+$/, ''),
];

let harness: Harness;
let echo: Server;
let echoUrl: string;
before(async () => {
  // Echoes what it was sent: the URL (percent-encoded secrets) and the headers.
  echo = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ url: request.url, authorization: request.headers.authorization ?? null }));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1' });
});
after(async () => {
  await harness.close();
  await new Promise((resolve) => echo.close(resolve));
});

function assertNoSecret(text: string, where: string): void {
  for (const spelling of spellings) assert.ok(!text.includes(spelling), `${where} contains the secret spelled '${spelling}'`);
}

async function streamed(body: Record<string, unknown>, events = 'unified'): Promise<{ raw: string; executionId: string }> {
  const response = await harness.dispatch({ ...body, secrets: { token: secret } }, { query: `events=${events}` });
  assert.equal(response.status, 200);
  const raw = await response.text();
  const executionId = /exec_[0-9A-Z]+/.exec(raw)?.[0] ?? '';
  return { raw, executionId };
}

async function storedEvents(executionId: string): Promise<string> {
  const response = await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events`, {
    headers: { authorization: `Bearer ${harness.key}` },
  });
  return response.text();
}

test('a secret the model writes in pieces never appears in any stream or in the stored events', async () => {
  const pieces = [
    'The key is ',
    secret.slice(0, 3),
    secret.slice(3, 8),
    secret.slice(8, 12).toLowerCase(),
    secret.slice(12),
    ' and ',
    secret.toUpperCase().slice(0, 9),
    secret.toUpperCase().slice(9),
    '.',
  ];
  harness.fake.script(() => ({ chunks: pieces }));
  for (const dialect of ['unified', 'runtype', 'travrse']) {
    const { raw, executionId } = await streamed(
      {
        flow: {
          name: 's',
          steps: [{ id: 'p', name: 'P', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'use {{secrets.token}}' } }],
        },
      },
      dialect,
    );
    assertNoSecret(raw, `the ${dialect} stream`);
    assert.match(raw, /\[REDACTED\]/);
    assertNoSecret(await storedEvents(executionId), 'the stored events');
  }
});

test('tool arguments that carry a secret across tool_input_delta frames are redacted', async () => {
  let calls = 0;
  harness.fake.script(() =>
    calls++ % 2 === 0
      ? {
          toolCalls: [{ id: 'call_1', name: 'lookup', arguments: JSON.stringify({ q: `find ${secret} now` }) }],
          finishReason: 'tool_calls',
        }
      : { chunks: ['done'] },
  );
  const { raw, executionId } = await streamed({
    flow: {
      name: 's',
      steps: [
        {
          id: 'p',
          name: 'P',
          type: 'prompt',
          config: {
            model: 'gpt-4o',
            userPrompt: 'go',
            tools: { runtimeTools: [{ name: 'lookup', toolType: 'custom', config: { code: 'return "ok";' } }] },
          },
        },
      ],
    },
  });
  assert.match(raw, /tool_input_delta|tool_start/);
  assertNoSecret(raw, 'the stream');
  assertNoSecret(await storedEvents(executionId), 'the stored events');
});

test('percent-encoded, base64 and Liquid-cased spellings are redacted in results, outputs and the store', async () => {
  const { raw, executionId } = await streamed({
    flow: {
      name: 's',
      steps: [
        { id: 'url', name: 'Url', type: 'fetch-url', config: { url: `${echoUrl}/echo?token={{secrets.token}}` } },
        {
          id: 'auth',
          name: 'Auth',
          type: 'api-call',
          config: {
            http: { url: `${echoUrl}/basic`, method: 'GET', headers: {} },
            auth: { type: 'basic', username: 'user', password: '{{secrets.token}}' },
          },
        },
        {
          id: 'up',
          name: 'Up',
          type: 'template',
          config: { template: '{{ secrets.token | upcase }} {{ secrets.token | downcase }}', outputVariable: 'cased' },
        },
      ],
    },
    options: { streamResponse: true },
  });
  assertNoSecret(raw, 'the stream');
  assertNoSecret(await storedEvents(executionId), 'the stored events');
  const execution = await (
    await fetch(`${harness.baseUrl}/v1/executions/${executionId}`, { headers: { authorization: `Bearer ${harness.key}` } })
  ).text();
  assertNoSecret(execution, 'the stored execution');
});

test('a secret whose value is "true" (or any JSON word) leaves every value intact and the run completes', async () => {
  harness.fake.reset();
  const response = await harness.dispatch({
    secrets: { flag: 'true', empty: 'null', number: '1234' },
    inputs: { on: true, off: null, count: 1234 },
    flow: {
      name: 't',
      steps: [
        { id: 'p', name: 'P', type: 'prompt', config: { model: 'flowrun/echo', userPrompt: 'it is true' } },
        { id: 'v', name: 'V', type: 'set-variable', config: { variableName: 'copy', value: { on: '{{on}}', count: '{{count}}' } } },
      ],
    },
    options: { streamResponse: false },
  });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { status: string; output: Record<string, any> };
  assert.equal(body.status, 'completed');
  assert.deepEqual(body.output.copy, { on: true, count: 1234 });
  assert.equal(body.output.p, 'it is [REDACTED]');
});

test('the database files never hold a secret in any spelling', async () => {
  for (const name of readdirSync(harness.dataDir)) {
    const bytes = readFileSync(join(harness.dataDir, name)).toString('latin1');
    assertNoSecret(bytes, name);
  }
});
