/// <reference lib="dom" />
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHarness, type Harness } from './support/harness.js';
import { exportDispatchBody, importFlow } from '../web/src/flow-json.js';

// The dashboard in Debian's Chromium against a real server and the fake model server: the journeys, in
// order, on one page (each builds on the one before, as a user's session would). A failing step leaves a
// screenshot in test-results/.
const chromiumPath = '/usr/bin/chromium';
const skip = !existsSync(chromiumPath) && process.env.CI !== 'true' ? 'Debian chromium is not installed' : false;
const model = 'openai/gpt-4o-mini';

let harness: Harness;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
before(async () => {
  harness = await startHarness();
  if (skip) return;
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (error) => pageErrors.push(error.message));
});
after(async () => {
  await browser?.close();
  await harness?.close();
});

/** Runs one journey; when it fails, the page as it was goes to test-results/<name>.png. */
function journey(name: string, body: (t: TestContext) => Promise<void>) {
  test(name, { skip }, async (t) => {
    try {
      await body(t);
    } catch (error) {
      mkdirSync('test-results', { recursive: true });
      await page
        .screenshot({ path: `test-results/dashboard-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`, fullPage: true })
        .catch(() => undefined);
      throw error;
    }
  });
}

const api = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${harness.baseUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
  return response.json() as Promise<Record<string, any>>;
};

let flowId = '';

test('the server answers the dashboard: its page at / and at deep links, its assets gzipped and cached for good', async () => {
  const page = await fetch(`${harness.baseUrl}/runs/exec_123`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  const html = await page.text();
  assert.equal(html, await (await fetch(`${harness.baseUrl}/`)).text());
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(script, 'the page names its script');
  const asset = await fetch(`${harness.baseUrl}${script}`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(asset.status, 200);
  assert.equal(asset.headers.get('content-encoding'), 'gzip');
  assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
  assert.match(await asset.text(), /createRoot|react/i);
  const missing = await fetch(`${harness.baseUrl}/assets/nope.js`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { code: string }).code, 'NOT_FOUND');
  // Not a dashboard path: the API's 404 (after its key check), not the page.
  assert.equal((await fetch(`${harness.baseUrl}/runsx`)).status, 401);
});

journey('sign in with a key: a wrong one is refused, the right one shows tenant and mode, and stays out of the URL', async () => {
  await page.goto(`${harness.baseUrl}/`);
  await page.fill('#api-key', 'tv_test_not-a-real-key');
  await page.click('button[type=submit]');
  await page.waitForSelector('[role=alert]');
  assert.match((await page.textContent('[role=alert]')) ?? '', /401|UNAUTHORIZED|Invalid API key/i);
  await page.fill('#api-key', harness.key);
  await page.click('button[type=submit]');
  await page.waitForSelector('nav[aria-label=Sections] >> text=Flows');
  const who = (await page.textContent('[aria-label="Signed in as"]')) ?? '';
  assert.match(who, /default/);
  assert.match(who, /test/);
  assert.equal(new URL(page.url()).pathname, '/flows');
  assert.ok(!page.url().includes(harness.key));
  assert.equal(await page.evaluate(() => sessionStorage.getItem('flowrun.apiKey')), harness.key);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  await page.waitForSelector('text=No flows yet');
});

test('a flow exported by the dashboard is a body /v1/dispatch runs as it is', async () => {
  const flow = {
    name: 'Exported',
    steps: [{ id: 'say', name: 'Say', type: 'prompt', config: { model: 'flowrun/echo', userPrompt: 'Hi {{_record.metadata.message}}' } }],
  };
  const body = exportDispatchBody(importFlow(JSON.stringify(exportDispatchBody(flow))), { message: 'there' });
  const run = await api('/v1/dispatch', {
    method: 'POST',
    body: JSON.stringify({ ...body, options: { ...body.options, streamResponse: false } }),
  });
  assert.equal(run.status, 'completed');
  assert.equal(run.finalOutput, 'Hi there');
});

journey('build a two-step flow in the visual editor and save it', async () => {
  await page.click('text=New flow');
  await page.fill('#flow-name', 'Greeter');
  await page.fill('#flow-slug', 'greeter');
  await page.selectOption('#add-type', 'prompt');
  await page.click('button:has-text("Add step")');
  await page.fill('#config-model', model);
  await page.fill('#config-userPrompt', 'Say hi to ');
  // The hint inserts the record variable at the cursor.
  await page.focus('#config-userPrompt');
  await page.press('#config-userPrompt', 'End');
  await page.click('.hints button:has-text("{{_record.metadata.message}}")');
  assert.equal(await page.inputValue('#config-userPrompt'), 'Say hi to {{_record.metadata.message}}');
  await page.fill('#config-outputVariable', 'greeting');
  await page.selectOption('#add-type', 'template');
  await page.click('button:has-text("Add step")');
  // The second step is offered the first one's output variable.
  await page.waitForSelector('.hints button:has-text("{{greeting}}")');
  await page.fill('#config-template', 'Done: {{greeting}}');
  assert.equal(await page.locator('[data-testid=step-node]').count(), 2);
  await page.click('button:has-text("Create flow")');
  await page.waitForURL(/\/flows\/flow_/);
  flowId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
  const stored = await api(`/v1/flows/${flowId}`);
  assert.deepEqual(
    stored.definition.steps.map((step: { type: string }) => step.type),
    ['prompt', 'template'],
  );
  assert.equal(stored.definition.steps[0].config.userPrompt, 'Say hi to {{_record.metadata.message}}');
  await page.waitForSelector('text=Versions and environments');
});

journey('run it in the playground: the text streams in, and the raw frames switch dialect', async () => {
  harness.fake.script(() => ({ chunks: ['Hello', ' there,', ' streaming', ' friend.'], delayMs: 40, usage: { input: 12, output: 4 } }));
  await page.click('text=Run in playground');
  await page.waitForURL(/\/playground\?flow=/);
  await page.waitForSelector(`#pg-flow option[value="${flowId}"]`, { state: 'attached' });
  assert.equal(await page.inputValue('#pg-flow'), flowId);
  await page.click('button:has-text("Run")');
  await page.waitForFunction(() => document.querySelector('[data-testid=stream-text]')?.textContent?.includes('Hello there'));
  await page.waitForSelector('text=The run completed.');
  const texts = await page.$$eval('[data-testid=stream-text]', (nodes) => nodes.map((node) => node.textContent));
  assert.deepEqual(texts, ['Hello there, streaming friend.']);
  assert.equal(await page.textContent('[data-testid=step-result]'), 'Done: Hello there, streaming friend.');
  assert.match(harness.fake.requests.at(-1)!.lastUserText, /Say hi to Hello from the playground/);
  await page.waitForFunction(() => document.querySelector('[data-testid=raw-frames]')?.textContent?.includes('execution_complete'));
  assert.match((await page.textContent('[data-testid=raw-frames]')) ?? '', /^execution_start/);
  await page.selectOption('#pg-dialect', 'runtype');
  await page.waitForFunction(() => document.querySelector('[data-testid=raw-frames]')?.textContent?.includes('flow_complete'));
  assert.match((await page.textContent('[data-testid=raw-frames]')) ?? '', /^flow_start/);
});

journey('a run paused in the playground is approved there, and goes on in the same view', async () => {
  await page.click('nav >> text=Playground');
  await page.check('input[name=target] >> nth=2');
  const body = {
    record: { metadata: {} },
    flow: {
      name: 'Gate',
      steps: [
        { type: 'approval', name: 'Check', config: { message: 'Publish now?' } },
        { type: 'template', name: 'After', config: { template: 'published', outputVariable: 'done' } },
      ],
    },
  };
  await page.fill('#pg-body', JSON.stringify(body));
  await page.click('button:has-text("Run")');
  await page.waitForSelector('[aria-label=Approval] >> text=Publish now?');
  await page.click('[aria-label=Approval] button:has-text("Approve")');
  await page.waitForSelector('text=The run completed.');
  assert.equal(await page.textContent('[aria-label=Approval] .badge'), 'approved');
  // The approval step's result (the decision) and the next step's.
  assert.match((await page.locator('[data-testid=step-result]').first().textContent()) ?? '', /"decision": "approved"/);
  assert.equal(await page.locator('[data-testid=step-result]').last().textContent(), 'published');
});

journey('approve a paused run from the approvals inbox', async () => {
  const paused = await api('/v1/dispatch', {
    method: 'POST',
    body: JSON.stringify({
      record: { metadata: {} },
      flow: {
        name: 'Needs a yes',
        steps: [
          { type: 'approval', name: 'Check', config: { message: 'Ship the newsletter?' } },
          { type: 'set-variable', name: 'After', config: { variableName: 'shipped', value: 'yes' } },
        ],
      },
      options: { streamResponse: false },
    }),
  });
  assert.equal(paused.status, 'paused');
  await page.click('nav >> text=Approvals');
  await page.waitForSelector('text=Ship the newsletter?');
  await page.click('button:has-text("Approve")');
  await page.waitForSelector('text=Nothing waits for a decision.');
  const run = await api(`/v1/executions/${paused.executionId}`);
  assert.equal(run.status, 'completed');
  assert.equal(run.output.shipped ?? run.steps.at(-1).result, 'yes');
});

journey('create a custom tool, test it in the sandbox with arguments, and save it', async () => {
  await page.click('nav >> text=Tools');
  await page.click('text=New tool');
  await page.fill('#tool-name', 'multiply');
  await page.fill('#tool-description', 'Multiplies a by b');
  await page.click('[data-testid=code-javascript] .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type('console.log("multiplying"); return parameters.a * parameters.b');
  await page.fill('#tool-args', '{"a": 6, "b": 7}');
  await page.click('button:has-text("Test with arguments")');
  await page.waitForSelector('[data-testid=tool-test-result]');
  const result = (await page.textContent('[data-testid=tool-test-result]')) ?? '';
  assert.match(result, /Returned in \d+ ms/);
  assert.match(result, /42/);
  assert.match(result, /multiplying/);
  await page.click('button:has-text("Create tool")');
  await page.waitForSelector('table >> text=multiply');
  const tools = await api('/v1/tools');
  assert.match(tools.data[0].config.code, /parameters\.a \* parameters\.b/);
});

journey('find the run in the runs table (keyboard) and open its timeline', async () => {
  await page.click('nav >> text=Runs');
  await page.selectOption('#f-flow', flowId);
  await page.waitForURL(/flow=/);
  await page.waitForSelector('table[aria-label=Runs] tbody tr');
  assert.equal(await page.locator('table[aria-label=Runs] tbody tr').count(), 1);
  await page.focus('table[aria-label=Runs] tbody tr a');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/runs\/exec_/);
  await page.waitForSelector('[aria-label="Steps timeline"]');
  assert.equal(await page.locator('.timeline .bar').count(), 2);
  await page.waitForSelector('text=Prompt as rendered');
  assert.match((await page.textContent('[aria-label="Step detail"]')) ?? '', /Say hi to Hello from the playground/);
  await page.press('.timeline .bar-row >> nth=1', 'Enter');
  await page.waitForFunction(() => document.querySelector('[aria-label="Step detail"]')?.textContent?.includes('Done: Hello there'));
  assert.match((await page.textContent('[aria-label="Agent tree"]')) ?? '', /Greeter/);
});

journey('replay a failed run from its failed step: the step before is not run again', async () => {
  harness.fake.script(() => ({ kind: 'error', status: 400 }));
  const failed = await api('/v1/dispatch', {
    method: 'POST',
    body: JSON.stringify({
      record: { metadata: { who: 'Ada' } },
      flow: {
        name: 'Two parts',
        steps: [
          {
            id: 'first',
            type: 'template',
            name: 'First',
            config: { template: 'Hello {{_record.metadata.who}}', outputVariable: 'greeting' },
          },
          { id: 'second', type: 'prompt', name: 'Second', config: { model, userPrompt: 'Improve: {{greeting}}' } },
        ],
      },
      options: { streamResponse: false },
    }),
  });
  assert.equal(failed.status, 'failed');
  harness.fake.script((request) => ({ chunks: [`Better: ${request.lastUserText}`] }));
  await page.goto(`${harness.baseUrl}/runs/${failed.executionId}`);
  await page.waitForSelector('text=Replay from here');
  assert.equal(await page.inputValue('#replay-from'), '2');
  await page.click('button:has-text("Replay from step 2")');
  await page.waitForURL((url) => !url.pathname.endsWith(failed.executionId));
  await page.waitForSelector('text=Run of Two parts (replay from step 2)');
  // The run page follows a live run until it ends.
  await page.waitForSelector('.page-header .status-completed');
  const replayed = await api(`/v1/executions/${decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!)}`);
  assert.equal(replayed.status, 'completed');
  assert.deepEqual(
    replayed.steps.map((step: { stepId: string }) => step.stepId),
    ['second'],
  );
  assert.equal(replayed.finalOutput, 'Better: Improve: Hello Ada');
});

journey('every screen fits a 390×844 phone and says when it has nothing to show', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  // Through the navigation bar, as a phone user would (no reloads).
  for (const [section, expected] of [
    ['Flows', 'table >> text=Greeter'],
    ['Runs', 'table >> text=Greeter'],
    ['Agents', 'text=No agents yet'],
    ['API keys', 'table >> text=tv_test_'],
    ['Usage', '[aria-label="Usage totals"]'],
  ] as const) {
    await page.click(`nav >> text=${section}`);
    await page.waitForSelector(expected);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `${section} is ${overflow}px wider than the phone`);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(pageErrors, []);
});
