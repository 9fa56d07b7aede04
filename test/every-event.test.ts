import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSse, startHarness, type Harness, type SseEvent } from './support/harness.js';
import { toolResultsIn } from './support/fake-scripts.js';
import type { FakeRequest } from './support/fake-provider.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

/**
 * Every Runtype event type docs/compatibility.md says Flowrun sends appears in real runs (Runtype's legacy
 * vocabulary) and validates against Runtype's published schema; the table and the server cannot drift apart.
 */
let harness: Harness;
let api: Server;
let apiUrl: string;

before(async () => {
  // An HTTP API that streams its answer (chunked, no Content-Length), and a SearXNG-like search.
  api = createServer((request, response) => {
    if (request.url?.startsWith('/search')) {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ results: [{ url: 'https://example.com/otters', title: 'Otters', content: 'They hold hands.' }] }));
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.write('first part, ');
    setTimeout(() => response.end('second part'), 20);
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1', FLOWRUN_SEARXNG_URL: apiUrl, FLOWRUN_SSE_HEARTBEAT_MS: '30' });
});
after(async () => {
  await harness.close();
  await new Promise((resolve) => api.close(resolve));
});

/** The types the compatibility table marks as sent. */
function documentedAsSent(): Set<string> {
  const table = readFileSync(new URL('../docs/compatibility.md', import.meta.url), 'utf8').split("### Runtype's event types")[1]!;
  return new Set([...table.matchAll(/^\| `([a-z_]+)` \| yes \|/gm)].map((match) => match[1]!));
}

const stream = async (body: unknown) => readSse(await harness.dispatch(body, { query: 'events=runtype' }));
// OpenAI puts the system prompt in messages; Anthropic beside them.
const systemOf = (request: FakeRequest) =>
  request.protocol === 'anthropic'
    ? String((request.body.system as Array<{ text: string }> | undefined)?.[0]?.text ?? '')
    : String(
        (request.body.messages as Array<{ role: string; content: unknown }>).find((message) => message.role === 'system')?.content ?? '',
      );

const externalTool = { name: 'fetch_report', toolType: 'external', config: { url: `__API__/report`, method: 'GET' } };

function script() {
  harness.fake.script((request) => {
    const results = toolResultsIn(request);
    const system = systemOf(request);
    if (request.model === 'gpt-4o-mini') return { text: 'from the fallback model' };
    if (system === 'fail over') return { kind: 'error', status: 400 };
    if (system === 'think') return { thinking: ['let me ', 'think'], text: 'thought it through' };
    if (system === 'pause')
      return results.length === 0 ? { toolCalls: [{ id: 'c_page', name: 'get_page', arguments: '{}' }] } : { text: 'ok' };
    if (system === 'approve')
      return results.length === 0 ? { toolCalls: [{ id: 'c_send', name: 'send', arguments: '{}' }] } : { text: 'sent' };
    if (results.length > 0) return { chunks: ['done ', 'now'] };
    return {
      toolCalls: [
        { id: 'c_report', name: 'fetch_report', arguments: '{}' },
        { id: 'c_boom', name: 'boom', arguments: '{}' },
        { id: 'c_search', name: 'web_search', arguments: '{"query":"otters"}' },
        { id: 'c_image', name: 'generate_image', arguments: '{"prompt":"otter"}' },
        { id: 'c_doc', name: 'create_artifact', arguments: '{"artifactType":"markdown","title":"Notes","content":"# Otters"}' },
        {
          id: 'c_card',
          name: 'create_artifact',
          arguments: '{"artifactType":"component","title":"Card","component":"MetricCard","props":{"value":1}}',
        },
      ],
      delayMs: 20,
    };
  });
}

test('every Runtype event type the compatibility table marks as sent is sent, and every frame validates', async () => {
  script();
  const tools = {
    toolIds: ['builtin:web_search', 'builtin:dalle'],
    runtimeTools: [
      { ...externalTool, config: { ...externalTool.config, url: `${apiUrl}/report` } },
      { name: 'boom', toolType: 'custom', config: { code: 'throw new Error("boom")' } },
    ],
    artifacts: { enabled: true, types: ['markdown', 'component'] },
  };
  const frames: SseEvent[] = [];
  // A flow: skips, reasoning, tools (streamed, failed, searched, image), a fallback model, then a failing step.
  frames.push(
    ...(await stream({
      flow: {
        name: 'everything',
        steps: [
          { id: 'off', name: 'Off', type: 'set-variable', enabled: false, config: { variableName: 'x', value: 1 } },
          { id: 'think', name: 'Think', type: 'prompt', config: { model: 'claude-sonnet-4-5', systemPrompt: 'think', userPrompt: 'hi' } },
          { id: 'tools', name: 'Tools', type: 'prompt', config: { model: 'gpt-4o', systemPrompt: 'tools', userPrompt: 'go', tools } },
          {
            id: 'fb',
            name: 'Fallback',
            type: 'prompt',
            config: { model: 'gpt-4o', systemPrompt: 'fail over', userPrompt: 'x' },
            errorHandling: { onError: 'fallback', fallbacks: [{ type: 'model', model: 'gpt-4o-mini' }] },
          },
          {
            id: 'dead',
            name: 'Dead end',
            type: 'prompt',
            config: { model: 'gpt-4o', systemPrompt: 'fail over', userPrompt: 'x' },
            errorHandling: { onError: 'fallback', fallbacks: [{ type: 'retry' }] },
          },
        ],
      },
    })),
  );
  // A flow that completes, and one that pauses for a client tool.
  frames.push(
    ...(await stream({
      flow: { name: 'ok', steps: [{ id: 'e', name: 'E', type: 'prompt', config: { model: 'flowrun/echo', userPrompt: 'hi' } }] },
    })),
  );
  const clientTools = [{ name: 'get_page', description: 'page', parametersSchema: { type: 'object', properties: {} } }];
  frames.push(
    ...(await stream({
      clientTools,
      flow: {
        name: 'pause',
        steps: [{ id: 'p', name: 'P', type: 'prompt', config: { model: 'gpt-4o', systemPrompt: 'pause', userPrompt: 'x' } }],
      },
    })),
  );
  // An agent with every tool, slow enough to beat; one that pauses; one that waits for an approval; one that fails.
  frames.push(
    ...(await stream({
      agent: {
        name: 'All',
        model: 'gpt-4o',
        systemPrompt: 'tools',
        tools,
        artifacts: tools.artifacts,
        loopConfig: { enableReflection: true },
      },
      messages: [{ role: 'user', content: 'go' }],
    })),
  );
  frames.push(
    ...(await stream({
      clientTools,
      agent: { name: 'Pause', model: 'gpt-4o', systemPrompt: 'pause' },
      messages: [{ role: 'user', content: 'x' }],
    })),
  );
  const approval = await stream({
    agent: {
      name: 'Approve',
      model: 'gpt-4o',
      systemPrompt: 'approve',
      tools: { runtimeTools: [{ name: 'send', toolType: 'custom', config: { code: 'return "ok"' } }], approval: { require: ['send'] } },
    },
    messages: [{ role: 'user', content: 'x' }],
  });
  frames.push(...approval);
  const approvalId = approval.find((event) => event.event === 'agent_approval_start')!.data.approvalId;
  const executionId = approval[0]!.data.executionId;
  frames.push(
    ...(await readSse(
      await fetch(`${harness.baseUrl}/v1/dispatch/approve?events=runtype`, {
        method: 'POST',
        headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ executionId, approvalId, decision: 'approved' }),
      }),
    )),
  );
  frames.push(
    ...(await stream({ agent: { name: 'Fail', model: 'gpt-4o', systemPrompt: 'fail over' }, messages: [{ role: 'user', content: 'x' }] })),
  );

  // Warnings (an unknown config key, a {{variable}} that names nothing) ride on the next frame, which validates.
  frames.push(
    ...(await stream({
      flow: {
        name: 'Warned',
        steps: [{ id: 'w', name: 'W', type: 'prompt', config: { model: 'flowrun/echo', userPrompt: 'Hi {{nmae}}', systemPromt: 'x' } }],
      },
    })),
  );
  for (const frame of frames) assert.equal(validateRuntypeFrame(frame.data), null, JSON.stringify(frame.data).slice(0, 400));
  assert.ok(
    frames.some((frame) => Array.isArray(frame.data.warnings) && frame.data.warnings.length > 0),
    'a warning rides on a frame that validates',
  );
  const seen = new Set(frames.map((frame) => frame.event));
  const missing = [...documentedAsSent()].filter((type) => !seen.has(type));
  assert.deepEqual(missing, [], 'documented as sent but never seen');
  const undocumented = [...seen].filter((type) => !documentedAsSent().has(type));
  assert.deepEqual(undocumented, [], 'sent but not documented as sent');
});
