/// <reference lib="dom" />
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHarness, type Harness } from './support/harness.js';
import { waitFor } from './support/wait-for.js';
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
  harness = await startHarness({ FLOWRUN_SECRET_KEY: 'aa'.repeat(32) });
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
  await page.fill('#step-name', 'Write the greeting');
  // Fields are labelled in words, with the schema's description as their help, not by their config keys.
  assert.equal((await page.textContent('label[for=config-userPrompt]'))?.trim(), 'Prompt');
  assert.match((await page.textContent('#config-userPrompt-help')) ?? '', /variables/);
  assert.equal((await page.textContent('label[for=config-outputVariable]'))?.trim(), 'Save the result as');
  // The model field offers the server's models (GET /v1/models), with prices; free text stays allowed.
  const listed = [...new Set((await api('/v1/models')).data.map((entry: { id: string }) => entry.id))];
  const listId = (await page.getAttribute('#config-model', 'list'))!;
  await page.waitForFunction((id) => (document.getElementById(id)?.children.length ?? 0) > 0, listId);
  const offered = await page.$$eval(`datalist[id="${listId}"] option`, (options) =>
    options.map((option) => ({ value: (option as HTMLOptionElement).value, label: (option as HTMLOptionElement).label })),
  );
  assert.deepEqual(
    offered.map((option) => option.value),
    listed,
  );
  assert.ok(
    offered.some((option) => /per 1M tokens/.test(option.label)),
    'the options say what the models cost',
  );
  await page.fill('#config-model', 'openai/gpt-4o-mini');
  await page.waitForSelector('[data-testid=model-price] >> text=$0.15 in · $0.6 out per 1M tokens');
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
  // The inbox says whose run waits (the flow's name, linking to the run) and what it asks.
  assert.equal(await page.textContent('[data-testid=approval-flow]'), 'Needs a yes');
  assert.equal(await page.getAttribute('[data-testid=approval-flow]', 'href'), `/runs/${paused.executionId}`);
  assert.equal(await page.textContent('[data-testid=approval-message]'), 'Ship the newsletter?');
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
  // Steps are labelled by their names (the first was named in the editor).
  await page.waitForSelector('[aria-label="Steps timeline"] >> text=1. Write the greeting');
  // Any finished run can be run again: a new run of the same flow and record, followed on its own page.
  const first = new URL(page.url()).pathname;
  harness.fake.script(() => ({ chunks: ['Hello again.'] }));
  await page.click('button:has-text("Run again")');
  await page.waitForURL((url) => url.pathname.startsWith('/runs/exec_') && url.pathname !== first);
  await page.waitForSelector('.page-header .status-completed');
  const again = await api(`/v1/executions/${decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!)}`);
  assert.equal(again.flowId, flowId);
  assert.equal(again.finalOutput, 'Done: Hello again.');
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

journey('opening a dispatch-style flow does not ask for PromptShuttle parameters; a flow of templates does', async () => {
  const templates = await api('/v1/flows', {
    method: 'POST',
    body: JSON.stringify({
      name: 'Support answer',
      templates: [{ name: 'main', template: 'You answer questions.', userTemplate: 'Question: [[question]]', llm: model }],
    }),
  });
  const asked: string[] = [];
  const record = (request: { url(): string }) => {
    if (/\/api\/v1\/flows\/[^/]+\/parameters/.test(request.url())) asked.push(new URL(request.url()).pathname);
  };
  page.on('request', record);
  try {
    await page.goto(`${harness.baseUrl}/flows/${flowId}`);
    await page.waitForSelector('text=Versions and environments');
    await page.waitForSelector('.hints button:has-text("{{_record.metadata.message}}")');
    await page.goto(`${harness.baseUrl}/flows/${templates.id}`);
    await page.waitForSelector('text=Versions and environments');
    await page.waitForFunction(() => document.querySelectorAll('.state[role=status]').length === 0);
    await waitFor(() => asked.length > 0, 'the template flow asks for its parameters');
  } finally {
    page.off('request', record);
  }
  assert.deepEqual(asked, [`/api/v1/flows/${templates.id}/parameters`]);
});

journey('the keys screen marks the key this tab is signed in with', async () => {
  await api('/v1/keys', { method: 'POST', body: JSON.stringify({ name: 'another' }) });
  await page.click('nav >> text=API keys');
  await page.waitForSelector('table[aria-label=Keys] >> text=another');
  const marked = page.locator('table[aria-label=Keys] tr:has([data-testid=own-key])');
  assert.equal(await marked.count(), 1);
  assert.match((await marked.textContent()) ?? '', new RegExp(harness.key.slice(0, 12)));
});

journey('the secrets screen creates, rotates and deletes a secret and never shows its value', async () => {
  await page.click('nav >> text=Secrets');
  await page.click('button:has-text("Create secret")');
  await page.fill('#secret-key', 'DASH_TOKEN');
  await page.fill('#secret-value', 'dashboard-secret-4321');
  await page.click('.modal button:has-text("Create")');
  await page.waitForSelector('table[aria-label=Secrets] >> text=DASH_TOKEN');
  assert.match((await page.locator('table[aria-label=Secrets]').textContent()) ?? '', /••••4321/);
  await page.click('button[aria-label="Rotate DASH_TOKEN"]');
  await page.fill('#secret-value', 'dashboard-secret-8765');
  await page.click('.modal button:has-text("Rotate")');
  await page.waitForSelector('table[aria-label=Secrets] >> text=••••8765');
  assert.ok(!(await page.content()).includes('dashboard-secret-'), 'the page holds a value');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.click('button[aria-label="Delete DASH_TOKEN"]');
  await page.waitForSelector('text=No secrets.');
});

/** Each screen, and what it shows once it has loaded. */
const screens = (): Array<[string, string]> => [
  ['/flows', 'table >> text=Greeter'],
  [`/flows/${flowId}`, 'text=Versions and environments'],
  ['/flows/new', '#flow-name'],
  [`/playground?flow=${flowId}`, '#pg-flow'],
  ['/runs', 'table[aria-label=Runs]'],
  ['/tools', 'table >> text=multiply'],
  ['/tools/new', '#tool-name'],
  ['/agents', 'text=No agents yet'],
  ['/agents/new', '#agent-model'],
  ['/approvals', 'h1 >> text=Approvals'],
  ['/keys', 'table[aria-label=Keys]'],
  ['/secrets', 'h1 >> text=Secrets'],
  ['/usage', '[aria-label="Usage totals"]'],
];

/**
 * Opens `path` the way the dashboard's own links do (history and popstate: no reload, so the loop over every screen
 * at every size costs a render each, not a page load each); resolves once React has committed the new screen (each
 * path is a screen of its own, so nothing of the one before is left to match).
 */
async function visit(path: string): Promise<void> {
  await page.evaluate(async (to) => {
    window.history.pushState(null, '', to);
    window.dispatchEvent(new PopStateEvent('popstate'));
    for (let frame = 0; frame < 2; frame++) await new Promise((resolve) => requestAnimationFrame(resolve));
  }, path);
}

/** How far the page is wider than the window (0 when it fits). */
const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** Hovers each chart across its plot, each point until its tooltip shows and has been laid out; the widest the page got. */
async function hoverCharts(): Promise<number> {
  let widest = await overflow();
  const charts = await page.locator('.recharts-surface').all();
  for (const [index, chart] of charts.entries()) {
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    // The plot starts right of the y axis (56 px wide) and ends a few pixels before the chart's edge.
    const [left, right] = [box.x + 64, box.x + box.width - 8];
    for (const fraction of [0, 0.25, 0.5, 0.75, 1]) {
      await page.mouse.move(left + (right - left) * fraction, box.y + box.height * 0.4);
      await page.waitForFunction((at) => {
        const tooltip = document.querySelectorAll<HTMLElement>('.recharts-tooltip-wrapper')[at];
        return tooltip !== undefined && getComputedStyle(tooltip).visibility === 'visible' && tooltip.textContent !== '';
      }, index);
      // Two frames: the tooltip measures itself, then moves to where it fits.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      widest = Math.max(widest, await overflow());
    }
  }
  await page.mouse.move(0, 0);
  return widest;
}

journey('every screen fits from a 360 px phone to a 1920 px screen, charts hovered; on a phone the menu collapses', async () => {
  // Enough flows that the charts show only the costliest and say so.
  for (let index = 1; index <= 8; index++)
    await api('/v1/dispatch', {
      method: 'POST',
      body: JSON.stringify({
        record: { metadata: {} },
        flow: { name: `Batch ${index}`, steps: [{ type: 'template', name: 'Say', config: { template: 'ok' } }] },
        options: { streamResponse: false },
      }),
    });
  const runs = await api('/v1/executions?limit=1');
  const pages = [...screens(), [`/runs/${runs.data[0].id}`, '[aria-label="Steps timeline"]'] as [string, string]];
  for (const [width, height] of [
    [360, 740],
    [390, 844],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.goto(`${harness.baseUrl}/`);
    for (const [path, ready] of pages) {
      await visit(path);
      await page.waitForSelector(ready);
      await page.waitForFunction(() => document.querySelectorAll('.state[role=status]').length === 0);
      const widest = await hoverCharts();
      assert.ok(widest <= 0, `${path} at ${width} px is ${widest} px wider than the window`);
    }
    await page.goto(`${harness.baseUrl}/usage`);
    await page.waitForSelector('[data-testid=chart-top-note]');
    assert.match((await page.textContent('[data-testid=chart-top-note]')) ?? '', /top 6 of \d+ flows/);
    if (width < 720) await phoneShell();
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(pageErrors, []);
});

/** On a phone: a bar on top, the page right under it, the sections behind "Menu"; a wide table says it scrolls. */
async function phoneShell(): Promise<void> {
  await page.waitForSelector('[data-testid=scroll-hint]');
  assert.ok(!(await page.isVisible('nav[aria-label=Sections] >> text=Runs')), 'the menu is collapsed');
  const top = await page.evaluate(() => document.querySelector('main')!.getBoundingClientRect().top);
  assert.ok(top < 60, `the page starts ${top} px down`);
  await page.click('button[aria-controls=sections]');
  await page.click('nav[aria-label=Sections] >> text=Runs');
  await page.waitForURL(/\/runs$/);
  await page.waitForSelector('nav[aria-label=Sections]', { state: 'hidden' });
  assert.equal(await page.getAttribute('button[aria-controls=sections]', 'aria-expanded'), 'false');
}
