import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionTreeNode } from '../execution-tree.js';
import { agentTree, failedRunResponse } from './shuttle.js';

const node = (executionId: string, name: string, overrides: Partial<ExecutionTreeNode> = {}): ExecutionTreeNode => ({
  executionId,
  kind: 'agent',
  name,
  agentId: null,
  status: 'completed',
  depth: 0,
  parentToolCallId: null,
  durationMs: 5,
  tokens: { input: 0, output: 0, reasoning: 0 },
  costUsd: 0,
  cumulativeCostUsd: 0,
  toolCalls: [],
  children: [],
  ...overrides,
});

test("the agent tree speaks PromptShuttle's vocabulary: its tool types, and a child's role is the tool that spawned it", () => {
  const child = node('exec_child', 'template:researcher', { depth: 1 });
  const call = (toolName: string, toolType: string, spawnedExecutionId: string | null = null) => ({
    toolCallId: `call_${toolName}`,
    toolName,
    toolType,
    success: true,
    durationMs: 1,
    costUsd: 0,
    spawnedExecutionId,
  });
  const root = node('exec_root', 'main', {
    toolCalls: [call('researcher', 'subagent', 'exec_child'), call('fetch', 'external'), call('docs', 'mcp'), call('sum', 'custom')],
    children: [child],
  });
  const tree = agentTree(root, 'main') as { toolCalls: Array<{ toolType: string }>; children: Array<{ agentRole: string }> };
  assert.deepEqual(
    tree.toolCalls.map((toolCall) => toolCall.toolType),
    ['Agent', 'External', 'Mcp', 'custom'],
  );
  assert.equal(tree.children[0]!.agentRole, 'researcher');
});

test("a failed run answers with its error's status, Runtype's error body merged into the document", () => {
  const timeout = failedRunResponse({ error: { code: 'PROVIDER_TIMEOUT', message: 'slow' } }, { id: 'exec_1' });
  assert.equal(timeout.status, 504);
  assert.deepEqual(timeout.body, {
    error: 'slow',
    code: 'PROVIDER_TIMEOUT',
    details: [{ code: 'PROVIDER_TIMEOUT', message: 'slow' }],
    id: 'exec_1',
  });
  assert.equal(failedRunResponse({ error: null }, {}).body.code, 'STEP_FAILED');
});
