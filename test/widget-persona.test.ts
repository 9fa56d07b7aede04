import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { toolResultsIn } from './support/fake-scripts.js';

/**
 * Runtype's own chat widget, `@runtypelabs/persona` 4.17 (its published browser bundle, unmodified), in headless
 * Chromium, pointed at Flowrun's `/v1/dispatch` in agent mode with WebMCP on: the page registers a page tool on
 * `document.modelContext`, the widget offers it as a `clientTools[]` entry (`origin: "webmcp"`, `pageOrigin`),
 * recognises Flowrun's `await` as a page-tool request, runs the tool, posts `/v1/dispatch/resume`, and shows
 * the answer.
 */
let harness: Harness;
let browser: Browser;
const personaDist = dirname(createRequire(import.meta.url).resolve('@runtypelabs/persona'));

before(async () => {
  harness = await startHarness();
  browser = await chromium.launch({
    executablePath: process.env.FLOWRUN_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
after(async () => {
  await browser?.close();
  await harness.close();
});

const page = (key: string) => `<!doctype html>
<html><body><div id="chat" style="height:600px"></div>
<script src="/__persona/index.global.js"></script>
<script>
  // A page that exposes one tool through WebMCP's consumer surface (getTools / executeTool, JSON strings).
  window.pageToolCalls = [];
  const tools = [{ name: 'add_to_cart', description: 'Adds a product to the cart', inputSchema: JSON.stringify({ type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] }) }];
  document.modelContext = {
    async getTools() { return tools; },
    async executeTool(tool, argsJson) {
      const args = JSON.parse(argsJson);
      window.pageToolCalls.push({ name: tool.name, args });
      return JSON.stringify({ added: args.sku, cartSize: 3 });
    },
  };
  window.widget = AgentWidget.createAgentExperience(document.getElementById('chat'), {
    apiUrl: location.origin + '/v1/dispatch',
    headers: { Authorization: 'Bearer ${key}' },
    agent: { name: 'Shop assistant', model: 'gpt-4o', systemPrompt: 'You help shoppers.' },
    webmcp: { enabled: true, autoApprove: () => true },
    launcher: { enabled: false },
  });
</script></body></html>`;

test("Runtype's widget runs a page tool (WebMCP) that Flowrun asks for, resumes the run and shows the answer", async () => {
  harness.fake.script((request) => {
    const results = toolResultsIn(request);
    if (results.length === 0) return { toolCalls: [{ id: 'call_cart', name: 'add_to_cart', arguments: '{"sku":"A-1"}' }] };
    // The widget answers in MCP's result shape: `{content: [{type: 'text', text: '<the tool's JSON>'}]}`.
    return { text: `Done: the cart now has ${/cartSize\W+(\d+)/.exec(results[0]!.content)?.[1]} items.` };
  });
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.route(`${harness.baseUrl}/__widget.html`, (route) => route.fulfill({ contentType: 'text/html', body: page(harness.key) }));
  // The widget's published files, as a site hosting them would serve them (it loads some chunks lazily).
  await tab.route(`${harness.baseUrl}/__persona/*`, (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: readFileSync(join(personaDist, basename(new URL(route.request().url()).pathname))),
    }),
  );
  const resumes: string[] = [];
  tab.on('request', (request) => {
    if (request.url().endsWith('/v1/dispatch/resume')) resumes.push(request.postData() ?? '');
  });
  await tab.goto(`${harness.baseUrl}/__widget.html`);
  await tab.waitForFunction(() => Boolean((window as unknown as { widget?: unknown }).widget));
  await tab.evaluate(() =>
    (window as unknown as { widget: { submitMessage(text: string): boolean } }).widget.submitMessage('add A-1 to my cart'),
  );
  await tab.getByText('Done: the cart now has 3 items.').waitFor({ timeout: 15_000 });

  assert.deepEqual(await tab.evaluate(() => (window as unknown as { pageToolCalls: unknown }).pageToolCalls), [
    { name: 'add_to_cart', args: { sku: 'A-1' } },
  ]);
  assert.equal(resumes.length, 1, 'the widget resumed once');
  const resume = JSON.parse(resumes[0]!) as { executionId: string; toolOutputs: Record<string, unknown> };
  assert.deepEqual(Object.keys(resume.toolOutputs), ['call_cart'], 'outputs keyed by the tool call id');
  // The model got the page's result; the stored stream says where the tool runs.
  assert.match(
    String(harness.fake.requests.at(-1)!.body.messages && JSON.stringify(harness.fake.requests.at(-1)!.body.messages)),
    /cartSize/,
  );
  const events = await readSse(
    await fetch(`${harness.baseUrl}/v1/executions/${resume.executionId}/events?events=unified`, {
      headers: { authorization: `Bearer ${harness.key}` },
    }),
  );
  const awaited = events.find((event) => event.event === 'await')!;
  assert.deepEqual([awaited.data.origin, awaited.data.pageOrigin], ['webmcp', new URL(harness.baseUrl).origin]);
  assert.equal(events.at(-1)!.event, 'execution_complete');
  await context.close();
});
