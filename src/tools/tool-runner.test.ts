import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedTool, ToolCallContext } from '../engine/ports.js';
import { toolKindNames, type ToolKind } from '../protocol/tool-kinds.js';
import { createAddressPolicy } from './address-policy.js';
import { toolKindRegistry } from './kinds/registry.js';
import type { Sandbox } from './sandbox/sandbox-pool.js';
import { createToolRunner } from './tool-runner.js';

const calls: string[] = [];
const sandbox: Sandbox = {
  run: async (code, globals) => (calls.push(`sandbox ${code}`), { id: 1, ok: true, result: globals.parameters, logs: ['ran'] }),
  usage: () => ({ busy: 0, threads: 0, waiting: 0 }),
  close: async () => {},
};
const runner = createToolRunner({
  sandbox,
  policy: createAddressPolicy([]),
  http: { timeoutMs: 1000, maxResponseBytes: 1024 },
  maxDepth: 2,
  runFlowTool: async (flowId, args) => (calls.push(`flow ${flowId}`), { ok: true, result: args, costUsd: 0 }),
  runAgentTool: async (tool, args) => (calls.push(`agent ${tool.name}`), { ok: true, result: args, costUsd: 0 }),
});
const tool = (toolType: ToolKind, config: Record<string, unknown> = {}): ResolvedTool => ({
  id: 'tool_1',
  name: 'a_tool',
  description: '',
  toolType,
  parametersSchema: { type: 'object' },
  config,
});
const context = (depth = 0): ToolCallContext => ({
  executionId: 'exec_1',
  scope: { tenantId: 'tenant_1', mode: 'test' },
  toolCallId: 'call_1',
  secrets: {},
  signal: new AbortController().signal,
  depth,
});

test('every tool kind has a runner in the registry', () => {
  assert.deepEqual(Object.keys(toolKindRegistry), [...toolKindNames]);
});

test("the tool runner runs each kind with that kind's runner", async () => {
  calls.length = 0;
  const args = { a: 1 };
  assert.deepEqual(await runner.run(tool('custom', { code: 'return 1' }), args, context()), {
    ok: true,
    result: args,
    costUsd: 0,
    logs: ['ran'],
  });
  assert.equal((await runner.run(tool('flow', { flow_id: 'flow_9' }), args, context())).ok, true);
  assert.equal((await runner.run(tool('subagent'), args, context())).ok, true);
  assert.deepEqual(calls, ['sandbox return 1', 'flow flow_9', 'agent a_tool']);
});

test('a kind refuses what it cannot run: no code, no flow id, too deep, a client tool', async () => {
  const refusal = async (resolved: ResolvedTool, depth = 0) => {
    const outcome = await runner.run(resolved, {}, context(depth));
    assert.equal(outcome.ok, false);
    return outcome.ok ? undefined : outcome.error;
  };
  assert.deepEqual(await refusal(tool('custom')), { code: 'TOOL_CONFIG', message: "custom tool 'a_tool' has no config.code" });
  assert.deepEqual(await refusal(tool('flow')), { code: 'TOOL_CONFIG', message: "flow tool 'a_tool' has no config.flowId" });
  assert.deepEqual(await refusal(tool('flow', { flowId: 'flow_9' }), 2), { code: 'TOOL_DEPTH', message: 'flow tools nest at most 2 deep' });
  assert.deepEqual(await refusal(tool('subagent'), 2), { code: 'TOOL_DEPTH', message: 'sub-agents nest at most 2 deep' });
  assert.deepEqual(await refusal(tool('local')), { code: 'TOOL_CONFIG', message: "'a_tool' is a client tool; the client runs it" });
});
