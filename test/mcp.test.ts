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
  const complete = events.find((event) => event.event === 'tool_complete')!;
  assert.equal(complete.data.success, false);
  assert.match(String(complete.data.error), /it broke/);

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
