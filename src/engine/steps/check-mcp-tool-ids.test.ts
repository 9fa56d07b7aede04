import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowrunError } from '../../protocol/errors.js';
import { validateFlowSteps } from '../validate-flow.js';

const models = { resolve: () => ({ ok: true as const, provider: 'test', modelId: 'test' }) };

const promptWith = (tools: Record<string, unknown>) => [
  { id: 'agent', name: 'Agent', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi', tools } },
];

const detailsOf = (tools: Record<string, unknown>) => {
  try {
    validateFlowSteps(promptWith(tools), ['flow', 'steps'], { models });
    return [];
  } catch (error) {
    assert.ok(FlowrunError.isInstance(error));
    return error.details.map((detail) => ({ code: detail.code, path: detail.path }));
  }
};

test("an mcp: tool id naming a server the step does not declare is refused before the run, at the id's path", () => {
  // Runtype's savedMcpServers example: `mcp:context7:…` with no tools.mcpServers (Flowrun keeps none per account).
  assert.deepEqual(detailsOf({ toolIds: ['mcp:context7:resolve-library-id', 'mcp:context7:get-library-docs'] }), [
    { code: 'TOOL_NOT_FOUND', path: 'flow.steps[0].config.tools.toolIds[0]' },
    { code: 'TOOL_NOT_FOUND', path: 'flow.steps[0].config.tools.toolIds[1]' },
  ]);
  assert.deepEqual(detailsOf({ toolIds: ['mcp:context7'] }), [{ code: 'TOOL_NOT_FOUND', path: 'flow.steps[0].config.tools.toolIds[0]' }]);
});

test('an mcp: tool id naming a declared server, and saved tool ids, pass the check', () => {
  const mcpServers = [{ id: 'context7', name: 'Context7', url: 'https://mcp.context7.com/mcp' }];
  assert.deepEqual(detailsOf({ toolIds: ['mcp:context7:get-library-docs', 'mcp:context7:*', 'tool_01abc'], mcpServers }), []);
});
