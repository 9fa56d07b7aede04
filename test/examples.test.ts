import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { POST } from '../examples/nextjs-proxy/app/api/travrse/dispatch/route.js';
import { startHarness, type Harness } from './support/harness.js';

// Every example in examples/ runs against a real server, as its README line says to run it.

const chromiumPath = '/usr/bin/chromium';
const noBrowser = !existsSync(chromiumPath) && process.env.CI !== 'true' ? 'Debian chromium is not installed' : false;

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness.close();
});

const exampleEnv = () => ({ ...process.env, FLOWRUN_URL: harness.baseUrl, FLOWRUN_API_KEY: harness.key });

function runExample(file: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file, ...args], { env: exampleEnv() }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('examples/node-client.mjs streams a two-step flow through @flowrun/client', async () => {
  const result = await runExample('examples/node-client.mjs', ['Grace Hopper']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /## Facts\nThree facts about Grace Hopper/);
  assert.match(result.stdout, /## Poem\nA two-line poem from: Three facts about Grace Hopper/);
  assert.match(result.stdout, /completed in \d+ ms/);
});

test('examples/promptshuttle.mjs creates a template flow, runs it with parameters and sends feedback', async () => {
  const first = await runExample('examples/promptshuttle.mjs');
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /parameters: .*product_name.*tone/);
  assert.match(first.stdout, /answer: Describe Smart Water Bottle in a playful tone\./);
  assert.match(first.stdout, /feedback sent/);
  // Run again: the flow exists by now and is reused by its slug.
  assert.equal((await runExample('examples/promptshuttle.mjs')).code, 0);
});

test('the Next.js proxy route forwards a dispatch with the server-side key and streams the answer back', async () => {
  process.env.FLOWRUN_API_KEY = harness.key;
  process.env.FLOWRUN_URL = harness.baseUrl;
  try {
    const response = await POST(
      new Request('http://localhost/api/travrse/dispatch', {
        method: 'POST',
        body: JSON.stringify({
          flow: {
            name: 'proxied',
            steps: [{ type: 'prompt', name: 'P', config: { model: 'flowrun/echo', userPrompt: 'through the proxy' } }],
          },
          options: { streamResponse: true },
        }),
      }),
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const body = await response.text();
    assert.match(body, /through the proxy/);
    assert.match(body, /event: flow_complete/);
  } finally {
    delete process.env.FLOWRUN_API_KEY;
    delete process.env.FLOWRUN_URL;
  }
});

test('examples/chat: the HTML chat box streams the answer in a real browser', { skip: noBrowser }, async () => {
  const server = spawn(process.execPath, ['examples/chat/server.mjs'], {
    env: { ...exampleEnv(), PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      server.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      server.once('exit', (code) => reject(new Error(`the chat server exited ${code}`)));
    });
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill('#message', 'What is Flowrun?');
    await page.press('#message', 'Enter');
    await page.waitForSelector('p.assistant[data-done="true"]', { timeout: 10_000 });
    assert.equal(await page.textContent('p.user'), 'What is Flowrun?');
    assert.equal(await page.textContent('p.assistant'), 'What is Flowrun?', 'flowrun/echo answers with the question');
  } finally {
    await browser.close();
    server.kill();
  }
});
