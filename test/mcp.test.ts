import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { callOnceThenAnswer } from './support/fake-scripts.js';
import { startMcpServer } from './support/mcp-server.js';

let harness: Harness;
let mcp: Awaited<ReturnType<typeof startMcpServer>>;
before(async () => {
  mcp = await startMcpServer('mcp-secret-token');
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1' });
});
after(async () => {
  await harness.close();
  await mcp.close();
});

const flowWith = (toolIds: string[], auth: Record<string, unknown> = { type: 'bearer', token: 'mcp-secret-token' }) => ({
  flow: {
    name: 'mcp',
    steps: [
      {
        id: 'ask',
        name: 'Ask',
        type: 'prompt',
        config: {
          model: 'gpt-4o',
          userPrompt: 'reverse it',
          tools: { toolIds, mcpServers: [{ id: 'util', url: mcp.url, transport: 'streamable_http', auth }] },
        },
      },
    ],
  },
  options: { streamResponse: false },
});

test('mcp:<server>:<tool> ids list the tool from a real MCP server and call it in the loop', async () => {
  harness.fake.script(callOnceThenAnswer('reverse', { text: 'flowrun' }));
  const response = await harness.dispatch(flowWith(['mcp:util:reverse']));
  const result = (await response.json()) as { finalOutput: string };
  assert.equal(result.finalOutput, 'tool said: nurwolf');
  assert.deepEqual(mcp.calls, [{ tool: 'reverse', args: { text: 'flowrun' } }]);
  const offered = harness.fake.requests[0]!.body.tools as Array<{
    function: { name: string; parameters: { properties: Record<string, unknown> } };
  }>;
  assert.deepEqual(
    offered.map((tool) => tool.function.name),
    ['reverse'],
    'only the named tool is offered',
  );
  assert.ok('text' in offered[0]!.function.parameters.properties, 'with the MCP tool input schema');
});

test('an MCP tool error reaches the model as a tool error; a wrong token or unknown tool fails the step', async () => {
  harness.fake.reset();
  harness.fake.script(callOnceThenAnswer('fail', {}));
  const events = await readSse(await harness.dispatch({ ...flowWith(['mcp:util:*']), options: { streamResponse: true } }));
  // Runtype's vocabulary ends a failed call with tool_error.
  const failed = events.find((event) => event.event === 'tool_error')!;
  assert.equal(failed.data.name, 'fail');
  assert.match(String(failed.data.error), /it broke/);

  harness.fake.reset();
  const unauthorized = (await (await harness.dispatch(flowWith(['mcp:util:reverse'], { type: 'bearer', token: 'wrong' }))).json()) as {
    status: string;
    error: { message: string };
  };
  assert.equal(unauthorized.status, 'failed');
  const unknown = (await (await harness.dispatch(flowWith(['mcp:util:nope']))).json()) as { status: string; error: { message: string } };
  assert.equal(unknown.status, 'failed');
  assert.match(unknown.error.message, /has no tool 'nope'/);
  assert.equal(harness.fake.requests.length, 0, 'the model is not called with tools that cannot be listed');
});

test('mcpServers without mcp: ids offer all the server’s allowed tools, listed once per TTL; an unreachable one is a warning', async () => {
  harness.fake.reset();
  harness.fake.script(callOnceThenAnswer('reverse', { text: 'abc' }));
  const declared = (servers: Array<Record<string, unknown>>) => ({
    flow: {
      name: 'mcp-declared',
      steps: [
        { id: 'ask', name: 'Ask', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'reverse it', tools: { mcpServers: servers } } },
      ],
    },
  });
  const util = {
    id: 'util2',
    url: `${mcp.url}?declared=1`,
    auth: { type: 'bearer', token: 'mcp-secret-token' },
    allowedTools: ['reverse', 'fail'],
  };
  const before = mcp.requests();
  const first = await readSse(await harness.dispatch(declared([util])));
  assert.equal(first.at(-1)!.data.finalOutput, 'tool said: cba');
  const offered = (harness.fake.requests[0]!.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
  assert.deepEqual(offered.sort(), ['fail', 'reverse'], "the server's allowed tools are offered");
  const afterFirst = mcp.requests();
  // The second run reuses the listing: it only talks to the server to call the tool.
  harness.fake.reset();
  harness.fake.script(callOnceThenAnswer('reverse', { text: 'xyz' }));
  await readSse(await harness.dispatch(declared([util])));
  assert.ok(mcp.requests() - afterFirst < afterFirst - before, `listing cached (${before} -> ${afterFirst} -> ${mcp.requests()})`);

  harness.fake.reset();
  harness.fake.script(() => ({ text: 'no tools today' }));
  const down = { id: 'gone', url: 'http://127.0.0.1:9/mcp' };
  const events = await readSse(await harness.dispatch(declared([down]), { query: 'events=unified' }));
  // Carried by the next frame (Runtype's vocabularies have no warning frame).
  const warning = events.flatMap((event) => (event.data.warnings ?? []) as Array<{ code: string; message: string }>)[0]!;
  assert.equal(warning.code, 'MCP_UNAVAILABLE');
  assert.match(warning.message, /MCP server 'gone'/);
  assert.equal(events.at(-1)!.event, 'execution_complete', 'the run goes on without it');
  const stored = (await (
    await fetch(`${harness.baseUrl}/v1/executions/${events[0]!.data.executionId}`, { headers: { authorization: `Bearer ${harness.key}` } })
  ).json()) as { warnings: Array<{ code: string }> };
  assert.deepEqual(
    stored.warnings.map((entry) => entry.code),
    ['MCP_UNAVAILABLE'],
  );
});
