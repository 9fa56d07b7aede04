import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeProvider, type FakeProvider } from './support/fake-provider.js';
import { toolResultsIn } from './support/fake-scripts.js';
import { killProcess, runCli, startServerProcess } from './support/server-process.js';
import { waitFor } from './support/wait-for.js';

// With FLOWRUN_SECRET_KEY set, a run killed mid-way finishes after the restart with its secrets; the database
// never holds them in clear.
const secret = 'sk-crash-Secret-4242';
let fake: FakeProvider;
let api: Server;
let apiUrl: string;
const authorizations: string[] = [];
let dataDir: string;
let env: Record<string, string>;

before(async () => {
  fake = await startFakeProvider();
  fake.script((request, index) => {
    const step = /step (\w+)/.exec(request.lastUserText)?.[1] ?? 'x';
    return toolResultsIn(request).length === 0
      ? {
          toolCalls: [{ id: `call_${step}_${index}`, name: 'call_api', arguments: JSON.stringify({ step }) }],
          usage: { input: 5, output: 5 },
        }
      : { chunks: [`done ${step}`], usage: { input: 5, output: 5 } };
  });
  api = createServer((request, response) => {
    authorizations.push(String(request.headers.authorization));
    // The second step's call is slow: the server is killed while it is in flight.
    setTimeout(
      () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
      request.url?.includes('slow') ? 400 : 5,
    );
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'flowrun-secrets-'));
  env = {
    FLOWRUN_DATA_DIR: dataDir,
    PORT: '0',
    OPENAI_API_KEY: 'sk-fake',
    OPENAI_BASE_URL: `${fake.url}/v1`,
    FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1',
    FLOWRUN_SECRET_KEY: randomBytes(32).toString('base64'),
    FLOWRUN_LOG_LEVEL: 'info',
  };
});
after(async () => {
  await fake.close();
  await new Promise((resolve) => api.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

const kill = killProcess;

const step = (name: string, path: string) => ({
  id: name,
  name,
  type: 'prompt',
  config: {
    model: 'gpt-4o',
    userPrompt: `step ${name}`,
    outputVariable: name,
    tools: {
      runtimeTools: [
        {
          name: 'call_api',
          toolType: 'external',
          parametersSchema: { type: 'object', properties: { step: { type: 'string' } } },
          config: { url: `${apiUrl}/${path}`, method: 'POST', headers: { Authorization: 'Bearer {{secrets.token}}' } },
        },
      ],
    },
  },
});

test('a run killed mid-way with secrets completes with them after the restart; the database holds none in clear', async () => {
  const key = runCli(['keys', 'create'], env).stdout.trim();
  let server = await startServerProcess(env);
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const dispatched = await fetch(`${server.url}/v1/dispatch`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      secrets: { token: secret },
      flow: { name: 'secret-crash', steps: [step('a', 'fast'), step('b', 'slow'), step('c', 'fast')] },
      options: { streamResponse: true },
    }),
  });
  const reader = dispatched.body!.getReader();
  let text = '';
  while (!/exec_[0-9A-Z]+/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  const executionId = /exec_[0-9A-Z]+/.exec(text)![0];
  // Kill while step b's call is in flight.
  await waitFor(() => authorizations.length >= 2, "step b's model call in flight", { everyMs: 10 });
  await kill(server.child);
  void reader.cancel().catch(() => undefined);
  server = await startServerProcess(env);
  try {
    let status = '';
    await waitFor(
      async () => {
        status = ((await (await fetch(`${server.url}/v1/executions/${executionId}`, { headers })).json()) as { status: string }).status;
        return status === 'completed';
      },
      () => `the run completed after the restart (it is ${status})`,
    );
    assert.ok(authorizations.length >= 3, `calls: ${authorizations.length}`);
    assert.ok(
      authorizations.every((value) => value === `Bearer ${secret}`),
      `every call, before and after the crash, carried the secret: ${authorizations.join(', ')}`,
    );
  } finally {
    await kill(server.child);
  }
  for (const name of readdirSync(dataDir)) {
    const bytes = readFileSync(join(dataDir, name)).toString('latin1');
    assert.ok(!bytes.includes(secret), `${name} holds the secret in clear`);
  }
});
