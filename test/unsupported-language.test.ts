import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness.close();
});

interface ErrorBody {
  error: string;
  details: Array<{ code: string; path: string; message: string; suggestion?: string }>;
}

const headers = () => ({ authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' });
const dispatch = (body: unknown) => harness.request('/v1/dispatch', { method: 'POST', headers: headers(), body: JSON.stringify(body) });
const pythonCode = 'import json\nprint(json.dumps({"total": 1}))';

async function refusal(response: Response, path: string): Promise<ErrorBody['details'][number]> {
  const text = await response.text();
  assert.equal(response.status, 422, text);
  const body = JSON.parse(text) as ErrorBody;
  const detail = body.details.find((entry) => entry.code === 'UNSUPPORTED_LANGUAGE');
  assert.ok(detail, text);
  assert.equal(detail.path, path);
  assert.match(detail.suggestion ?? '', /JavaScript/);
  return detail;
}

test('a transform-data step in Python is refused at validation, naming the field, and nothing runs', async () => {
  const response = await dispatch({
    flow: { name: 'py', steps: [{ id: 't', name: 'T', type: 'transform-data', config: { script: pythonCode, language: 'python' } }] },
    options: { streamResponse: false },
  });
  const detail = await refusal(response, 'flow.steps[0].config.language');
  assert.match(detail.message, /"python"/);
});

test('TypeScript is refused too: its type annotations are not JavaScript', async () => {
  const response = await dispatch({
    flow: {
      name: 'ts',
      steps: [{ id: 't', name: 'T', type: 'transform-data', config: { script: 'const n: number = 1; return n;', language: 'typescript' } }],
    },
    options: { streamResponse: false },
  });
  await refusal(response, 'flow.steps[0].config.language');
});

test('saving a Python custom tool is a 422, and so is patching a saved tool to Python', async () => {
  const saved = await harness.request('/v1/tools', {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ name: 'stats', toolType: 'custom', config: { code: pythonCode, language: 'python' } }),
  });
  await refusal(saved, 'config.language');
  const created = await harness.request('/v1/tools', {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ name: 'stats_js', toolType: 'custom', config: { code: 'return 1;', language: 'JavaScript' } }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const { id } = (await created.json()) as { id: string };
  const patched = await harness.request(`/v1/tools/${id}`, {
    method: 'PATCH',
    headers: headers(),
    body: JSON.stringify({ config: { code: pythonCode, language: 'python' } }),
  });
  await refusal(patched, 'config.language');
});

test('inline Python tools are refused in a flow step and in an agent', async () => {
  const pythonTool = { name: 'stats', toolType: 'custom', config: { code: pythonCode, language: 'python' } };
  const flow = await dispatch({
    flow: {
      name: 'inline',
      steps: [
        {
          id: 'p',
          name: 'P',
          type: 'prompt',
          config: { model: 'flowrun/echo', userPrompt: 'hi', tools: { runtimeTools: [pythonTool] } },
        },
      ],
    },
    options: { streamResponse: false },
  });
  await refusal(flow, 'flow.steps[0].config.tools.runtimeTools[0].config.language');
  const agent = await dispatch({
    agent: { name: 'analyst', config: { model: 'flowrun/echo', tools: { runtimeTools: [pythonTool] } } },
    messages: [{ role: 'user', content: 'hi' }],
    options: { streamResponse: false },
  });
  await refusal(agent, 'agent.config.tools.runtimeTools[0].config.language');
});

test('JavaScript still runs, with or without a language', async () => {
  const response = await dispatch({
    flow: {
      name: 'js',
      steps: [
        { id: 'a', name: 'A', type: 'transform-data', config: { script: 'return 20 + 1;', language: 'javascript', outputVariable: 'a' } },
        { id: 'b', name: 'B', type: 'transform-data', config: { script: 'return a * 2;', language: 'js', outputVariable: 'b' } },
        { id: 'c', name: 'C', type: 'transform-data', config: { script: 'return b + 0;', outputVariable: 'c' } },
      ],
    },
    options: { streamResponse: false },
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const result = JSON.parse(text) as { output: Record<string, unknown> };
  assert.deepEqual([result.output.a, result.output.b, result.output.c], [21, 42, 42]);
});
