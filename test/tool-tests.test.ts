import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHarness, type Harness } from './support/harness.js';
import { startMcpServer } from './support/mcp-server.js';
import { until } from './support/hostile-mcp.js';
import { implementedStepTypes } from '../src/engine/steps/registry.js';

// What the dashboard's tool editor calls before a tool is saved: a test run, MCP discovery, and the step schemas.
let harness: Harness;
let echo: Server;
let echoUrl = '';
let mcp: Awaited<ReturnType<typeof startMcpServer>>;
// A GraphQL endpoint (POST /graphql: says back what it got, or errors) and a SearXNG (GET /search?q=…&format=json).
let services: Server;
let servicesUrl = '';
before(async () => {
  services = createServer((request, response) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      const url = new URL(request.url ?? '/', 'http://x');
      if (url.pathname === '/search')
        return response.end(
          JSON.stringify({ results: [{ url: 'https://example.com/a', title: `About ${url.searchParams.get('q')}`, content: 'a page' }] }),
        );
      const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as { query?: string; variables?: Record<string, unknown> };
      if (body.query?.includes('broken')) return response.end(JSON.stringify({ errors: [{ message: 'Cannot query field "broken"' }] }));
      response.end(JSON.stringify({ data: { got: body, authorization: request.headers.authorization ?? null } }));
    });
  });
  await new Promise<void>((resolve) => services.listen(0, '127.0.0.1', resolve));
  servicesUrl = `http://127.0.0.1:${(services.address() as AddressInfo).port}`;
  harness = await startHarness({
    FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1',
    FLOWRUN_SANDBOX_WORKERS: '1',
    FLOWRUN_SEARXNG_URL: servicesUrl,
    FLOWRUN_SECRET_KEY: 'aa'.repeat(32),
  });
  // Answers with the authorization header it got: a tool that echoes its secret.
  echo = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ saw: request.headers.authorization ?? null, path: request.url }));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  mcp = await startMcpServer('mcp-token');
});
after(async () => {
  await harness.close();
  echo.close();
  services.close();
  await mcp.close();
});

/** The sandbox threads busy now, as /metrics says. */
async function sandboxBusy(): Promise<number> {
  const text = await (await fetch(`${harness.baseUrl}/metrics`)).text();
  return Number(/flowrun_sandbox_threads\{state="busy"\} (\d+)/.exec(text)?.[1] ?? NaN);
}

async function post(path: string, body: unknown) {
  const response = await fetch(`${harness.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

test('a custom tool runs once in the sandbox with the given arguments: result, logs, duration; a throw is an outcome, not a 500', async () => {
  const code = 'console.log("adding", parameters.a, parameters.b); return { sum: parameters.a + parameters.b };';
  const ok = await post('/v1/tools/test', { tool: { name: 'add', toolType: 'custom', config: { code } }, arguments: { a: 2, b: 3 } });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body.result, { sum: 5 });
  assert.equal(ok.body.ok, true);
  assert.deepEqual(ok.body.logs, ['adding 2 3']);
  assert.equal(typeof ok.body.durationMs, 'number');
  const thrown = await post('/v1/tools/test', { tool: { name: 'boom', toolType: 'custom', config: { code: 'throw new Error("no")' } } });
  assert.equal(thrown.status, 200);
  assert.equal(thrown.body.ok, false);
  assert.match(thrown.body.error.message, /no/);
  // Nothing was saved.
  const saved = await fetch(`${harness.baseUrl}/v1/tools`, { headers: { authorization: `Bearer ${harness.key}` } });
  assert.deepEqual(((await saved.json()) as { data: unknown[] }).data, []);
});

test('a tool test whose caller goes away stops: the sandbox is free for the next call at once', async () => {
  const caller = new AbortController();
  const endless = fetch(`${harness.baseUrl}/v1/tools/test`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tool: { name: 'spin', toolType: 'custom', config: { code: 'while (true) {}', timeout: 30000 } } }),
    signal: caller.signal,
  }).catch(() => 'gone');
  await until(async () => (await sandboxBusy()) === 1, 'the endless test running in the sandbox thread');
  caller.abort();
  assert.equal(await endless, 'gone');
  // One sandbox thread: a call that went on spinning would hold it busy for its 30 s limit.
  await until(async () => (await sandboxBusy()) === 0, 'the sandbox thread is free again', 20_000);
  const next = await post('/v1/tools/test', { tool: { name: 'quick', toolType: 'custom', config: { code: 'return 1' } } });
  assert.equal(next.body.result, 1);
});

test('an external tool test calls the API with the secrets given for the test, and never answers a secret back', async () => {
  const tested = await post('/v1/tools/test', {
    tool: {
      name: 'lookup',
      toolType: 'external',
      config: { url: `${echoUrl}/items/{{id}}`, method: 'GET', headers: { authorization: 'Bearer {{secrets.TOKEN}}' } },
    },
    arguments: { id: 'abc' },
    secrets: { TOKEN: 'super-secret-token-123' },
  });
  assert.equal(tested.status, 200, JSON.stringify(tested.body));
  assert.equal(tested.body.ok, true);
  assert.equal(tested.body.result.path, '/items/abc');
  assert.equal(tested.body.result.saw, 'Bearer [REDACTED]');
  assert.ok(!JSON.stringify(tested.body).includes('super-secret-token-123'));
});

test('a tool test with a wrong body says which field (422), and refuses kinds that need a run', async () => {
  const noCode = await post('/v1/tools/test', { tool: { name: 'x', toolType: 'custom', config: {} } });
  assert.equal(noCode.status, 422);
  assert.equal(noCode.body.details?.[0]?.path ?? noCode.body.error?.details?.[0]?.path, 'tool.config.code');
  assert.match(JSON.stringify(noCode.body), /custom tools need config\.code: the JavaScript to run/);
  const flowTool = await post('/v1/tools/test', { tool: { name: 'x', toolType: 'flow', config: { flowId: 'flow_1' } } });
  assert.equal(flowTool.status, 422);
  assert.match(JSON.stringify(flowTool.body), /tool\.toolType/);
  assert.match(flowTool.body.error, /^Only custom, external, graphql, and search tools can be tested here; this one is flow$/);
  assert.match(JSON.stringify(flowTool.body), /expected custom, external, graphql, or search/);
  assert.equal((await post('/v1/tools/test', { tool: 'nope' })).status, 422);
});

test("MCP discovery lists a server's tools with their ids and schemas; a refused connection is a clear error", async () => {
  const found = await post('/v1/tools/mcp/discover', {
    server: { id: 'srv', url: `${mcp.url}`, auth: { type: 'bearer', token: 'mcp-token' } },
  });
  assert.equal(found.status, 200, JSON.stringify(found.body));
  const reverse = found.body.data.find((tool: { name: string }) => tool.name === 'reverse');
  assert.equal(reverse.id, 'mcp:srv:reverse');
  assert.equal(reverse.description, 'Reverses a string');
  assert.equal(reverse.parametersSchema.properties.text.type, 'string');
  const refused = await post('/v1/tools/mcp/discover', {
    server: { id: 'srv2', url: `${mcp.url}`, auth: { type: 'bearer', token: 'wrong' } },
  });
  assert.equal(refused.status, 502);
  assert.equal(refused.body.code, 'MCP_ERROR');
  assert.match(refused.body.error, /answered HTTP 401 \(check its auth\)/);
  assert.equal((await post('/v1/tools/mcp/discover', { server: { id: 'bad id!', url: mcp.url } })).status, 422);
  // The server's credential as a managed secret, as in a run; one the tenant has not is SECRET_NOT_FOUND naming it.
  assert.equal((await post('/v1/secrets', { key: 'MCP_TOKEN', value: 'mcp-token' })).status, 201);
  const managed = await post('/v1/tools/mcp/discover', {
    server: { id: 'srv3', url: `${mcp.url}`, auth: { type: 'bearer', token: '{{secret:MCP_TOKEN}}' } },
  });
  assert.equal(managed.status, 200, JSON.stringify(managed.body));
  assert.doesNotMatch(JSON.stringify(managed.body), /mcp-token/);
  const missing = await post('/v1/tools/mcp/discover', {
    server: { id: 'srv4', url: `${mcp.url}`, auth: { type: 'bearer', token: '{{secret:NO_SUCH_TOKEN}}' } },
  });
  assert.equal(missing.body.code, 'SECRET_NOT_FOUND', JSON.stringify(missing.body));
  assert.match(missing.body.error, /NO_SUCH_TOKEN/);
});

test("GET /v1/step-types gives every step type's config schema (what the editor builds its forms from)", async () => {
  const response = await fetch(`${harness.baseUrl}/v1/step-types`, { headers: { authorization: `Bearer ${harness.key}` } });
  const { data } = (await response.json()) as {
    data: Array<{ type: string; configSchema: any; branches: string[]; producesOutput: boolean }>;
  };
  const byType = new Map(data.map((entry) => [entry.type, entry]));
  assert.deepEqual([...byType.keys()].sort(), [...implementedStepTypes].sort());
  assert.deepEqual(byType.get('loop')!.branches, ['steps']);
  assert.equal(byType.get('prompt')!.configSchema.properties.model.type, 'string');
  assert.deepEqual(byType.get('conditional')!.branches, ['trueSteps', 'falseSteps']);
  assert.equal(byType.get('conditional')!.producesOutput, false);
  assert.deepEqual(byType.get('transform-data')!.configSchema.required, ['script']);
});

test('GET /v1/tool-types gives every kind of tool, and which the editor offers and the test route runs', async () => {
  const response = await fetch(`${harness.baseUrl}/v1/tool-types`, { headers: { authorization: `Bearer ${harness.key}` } });
  assert.equal(response.status, 200);
  const { data } = (await response.json()) as { data: Array<{ type: string; definable: boolean; editable: boolean; testable: boolean }> };
  assert.deepEqual(
    data.map((kind) => kind.type),
    ['custom', 'external', 'flow', 'mcp', 'local', 'subagent', 'builtin', 'graphql', 'search'],
  );
  const where = (flag: 'definable' | 'editable' | 'testable') => data.filter((kind) => kind[flag]).map((kind) => kind.type);
  assert.deepEqual(where('editable'), ['custom', 'external', 'flow', 'mcp', 'subagent']);
  assert.deepEqual(where('testable'), ['custom', 'external', 'graphql', 'search']);
  assert.deepEqual(where('definable'), ['custom', 'external', 'flow', 'mcp', 'local', 'subagent', 'graphql', 'search']);
});

test("Runtype's graphql and search tool types run: a GraphQL POST of the query with the call's arguments as variables (errors without data are the tool's error), a web search whose results are the call's sources", async () => {
  const graphql = {
    name: 'repo',
    toolType: 'graphql',
    config: { url: `${servicesUrl}/graphql`, query: 'query ($name: String!) { repo(name: $name) { stars } }' },
  };
  const answered = await post('/v1/tools/test', { tool: graphql, arguments: { name: 'flowrun' } });
  assert.equal(answered.status, 200);
  assert.equal(answered.body.ok, true, JSON.stringify(answered.body));
  assert.deepEqual(answered.body.result.data.got, { query: graphql.config.query, variables: { name: 'flowrun' } });
  const templated = {
    ...graphql,
    config: { ...graphql.config, variables: { name: '{{name}}-fork' }, headers: { authorization: 'Bearer {{secrets.token}}' } },
  };
  const withVariables = await post('/v1/tools/test', { tool: templated, arguments: { name: 'flowrun' }, secrets: { token: 'tok-12345' } });
  assert.equal(withVariables.body.ok, true, JSON.stringify(withVariables.body));
  assert.deepEqual(withVariables.body.result.data.got.variables, { name: 'flowrun-fork' });
  const broken = await post('/v1/tools/test', { tool: { ...graphql, config: { ...graphql.config, query: '{ broken }' } } });
  assert.equal(broken.body.ok, false);
  assert.equal(broken.body.error.code, 'GRAPHQL_ERROR');
  assert.match(broken.body.error.message, /Cannot query field "broken"/);
  const noQuery = await post('/v1/tools', {
    name: 'bad',
    description: 'no query',
    toolType: 'graphql',
    parametersSchema: {},
    config: { url: servicesUrl },
  });
  assert.equal(noQuery.status, 422, JSON.stringify(noQuery.body));

  const search = await post('/v1/tools/test', {
    tool: { name: 'web', toolType: 'search', config: { maxResults: 3 } },
    arguments: { query: 'flows' },
  });
  assert.equal(search.body.ok, true, JSON.stringify(search.body));
  assert.deepEqual(search.body.result.results, [{ url: 'https://example.com/a', title: 'About flows', snippet: 'a page' }]);
  const empty = await post('/v1/tools/test', { tool: { name: 'web', toolType: 'search', config: {} }, arguments: {} });
  assert.equal(empty.body.ok, false);
});
