import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAgainRequest } from './run-again.js';

const base = { kind: 'flow' as const, dialect: 'runtype', flowId: null, agent: null };

test('a dispatched run runs again with the same flow, record and inputs; how it answers is left to the caller', () => {
  const again = runAgainRequest({
    ...base,
    flowId: 'flow_1',
    input: {
      flow: { id: 'flow_1' },
      record: { metadata: { n: 1 } },
      inputs: { x: 1 },
      options: { streamResponse: false, flowMode: 'virtual' },
    },
  });
  assert.deepEqual(again, {
    kind: 'dispatch',
    body: { flow: { id: 'flow_1' }, record: { metadata: { n: 1 } }, inputs: { x: 1 }, options: { flowMode: 'virtual' } },
  });
});

test("an agent's run runs the same agent with the same messages", () => {
  const again = runAgainRequest({
    ...base,
    kind: 'agent',
    agent: { id: 'agent_1', name: 'Helper', maxTurns: 10 },
    input: { agent: { agentId: 'agent_1' }, messages: [{ role: 'user', content: 'hi' }], streamResponse: false },
  });
  assert.deepEqual(again, { kind: 'agent', agentId: 'agent_1', body: { messages: [{ role: 'user', content: 'hi' }] } });
});

test('a PromptShuttle run runs the same flow with the same parameters', () => {
  const again = runAgainRequest({ ...base, dialect: 'shuttle', flowId: 'flow_2', input: { parameters: { q: 'x' } } });
  assert.deepEqual(again, { kind: 'shuttle', flowId: 'flow_2', body: { parameters: { q: 'x' } } });
});
