import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { onePixelPng, type FakeRequest } from './support/fake-provider.js';
import { toolResultsIn } from './support/fake-scripts.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

/**
 * What Runtype's clients send beyond the basics, through one real server: context and metadata, lenient
 * parsing, model fallbacks, images and files, artifacts. (One file and one server, so `npm test` starts fewer
 * processes.)
 */
let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

describe('context and metadata', () => {
  /** A dispatch's `context` (Runtype's widget context providers) and an agent dispatch's `metadata` reach the model. */
  beforeEach(() => harness.fake.reset());

  const systemOf = (request: FakeRequest) =>
    String(
      (request.body.messages as Array<{ role: string; content: unknown }>).find((message) => message.role === 'system')?.content ?? '',
    );

  test("an agent sees the client's context after its system prompt, and its metadata as _record.metadata", async () => {
    harness.fake.script(() => ({ text: 'ok' }));
    const context = { page: '/pricing', selection: 'Pro plan', note: 'not a template: {{secrets.token}}' };
    const response = await harness.dispatch({
      agent: { name: 'Helper', model: 'gpt-4o', systemPrompt: 'You help {{_record.metadata.tier}} customers.' },
      messages: [{ role: 'user', content: 'which plan?' }],
      context,
      metadata: { tier: 'gold' },
      secrets: { token: 'sk-never-shown' },
      options: { streamResponse: false },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const system = systemOf(harness.fake.requests[0]!);
    assert.ok(system.startsWith('You help gold customers.\n\nContext from the client (JSON):\n'), system);
    assert.deepEqual(JSON.parse(system.slice(system.indexOf('{'))), context, 'the context arrives as a value, untouched');
  });

  test('a flow reads the context in its templates as {{context.…}}', async () => {
    harness.fake.script((request) => ({ text: `echo ${request.lastUserText}` }));
    const result = (await (
      await harness.dispatch({
        flow: {
          name: 'ctx',
          steps: [{ id: 'p', name: 'P', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'The user is on {{context.page}}.' } }],
        },
        context: { page: '/checkout' },
        options: { streamResponse: false },
      })
    ).json()) as { finalOutput: string };
    assert.equal(result.finalOutput, 'echo The user is on /checkout.');
    assert.equal(systemOf(harness.fake.requests[0]!), '', 'a flow gets no context appended to its prompts');
  });
});

describe('lenient where Runtype is', () => {
  /** Runtype is lenient in three ways clients rely on; Flowrun is too. */
  beforeEach(() => harness.fake.reset());

  test('tool names with dots, dashes and colons work: the model sees a name it accepts, everything else the original', async () => {
    harness.fake.script((request) => {
      const offered = (request.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
      if (toolResultsIn(request).length === 0) return { toolCalls: [{ id: 'c1', name: offered[0]!, arguments: '{"q":"ada"}' }] };
      return { text: `found ${toolResultsIn(request)[0]!.content}` };
    });
    const events = await readSse(
      await harness.dispatch(
        {
          agent: {
            name: 'CRM',
            model: 'gpt-4o',
            tools: {
              runtimeTools: [{ name: 'crm.contacts-search', toolType: 'custom', config: { code: 'return "Ada " + parameters.q;' } }],
            },
          },
          messages: [{ role: 'user', content: 'find ada' }],
        },
        { query: 'events=unified' },
      ),
    );
    const offered = (harness.fake.requests[0]!.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
    assert.match(offered[0]!, /^[A-Za-z0-9_-]{1,64}$/);
    assert.equal(events.find((event) => event.event === 'tool_start')!.data.toolName, 'crm.contacts-search');
    assert.equal(events.find((event) => event.event === 'tool_complete')!.data.toolName, 'crm.contacts-search');
    assert.equal(events.at(-1)!.data.finalOutput ?? events.at(-1)!.data.result, 'found Ada ada');
  });

  test('unknown fields anywhere in a dispatch are ignored, not refused', async () => {
    harness.fake.script(() => ({ text: 'ok' }));
    const response = await harness.dispatch({
      futureTopLevel: { anything: true },
      record: { name: 'r', metadata: {}, futureRecordField: 1 },
      flow: {
        name: 'f',
        futureFlowField: 'x',
        steps: [
          { id: 's', name: 'S', type: 'prompt', futureStepField: 2, config: { model: 'gpt-4o', userPrompt: 'hi', futureConfigField: [1] } },
        ],
      },
      options: { streamResponse: false, futureOption: 'y' },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const agent = await harness.dispatch({
      agent: { name: 'A', model: 'gpt-4o', futureAgentField: 1, tools: { futureToolsField: 2, runtimeTools: [] } },
      messages: [{ role: 'user', content: 'hi', futureMessageField: 3 }],
      options: { streamResponse: false },
    });
    assert.equal(agent.status, 200, await agent.clone().text());
  });

  test('error paths name the field as the caller wrote it', async () => {
    const agent = await harness.dispatch({
      agent: { name: 'A', model: 'gpt-4o', tools: { toolIds: ['tool_missing'] } },
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(agent.status, 422);
    const body = (await agent.json()) as { details: Array<{ path: string }> };
    assert.deepEqual(
      body.details.map((detail) => detail.path),
      ['agent.tools.toolIds[0]'],
    );
    const flow = await harness.dispatch({
      flow: {
        name: 'f',
        steps: [
          { id: 's', name: 'S', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi', tools: { toolIds: ['ok_tool_missing'] } } },
        ],
      },
    });
    assert.equal(flow.status, 422);
    assert.deepEqual(
      ((await flow.json()) as { details: Array<{ path: string }> }).details.map((detail) => detail.path),
      ['flow.steps[0].config.tools.toolIds[0]'],
    );
  });

  test('the fields that were ignored are known (and logged at debug level)', async () => {
    const { parseDispatchBody } = await import('../src/api/wire/dispatch-request.js');
    const parsed = parseDispatchBody({
      flow: { name: 'f', steps: [] },
      futureTopLevel: 1,
      options: { streamResponse: true, futureOption: 2 },
    });
    assert.deepEqual(parsed.ignored, ['futureTopLevel', 'options.futureOption']);
  });
});

describe('model fallbacks', () => {
  /** Runtype's errorHandling fallbacks: another model, a retry, a fixed message; announced, and every attempt paid for. */
  beforeEach(() => harness.fake.reset());

  const auth = () => ({ authorization: `Bearer ${harness.key}` });
  const step = (errorHandling: unknown) => ({
    flow: {
      name: 'fb',
      steps: [
        { id: 'p', name: 'P', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi', outputVariable: 'answer' }, errorHandling },
      ],
    },
  });

  test('a failing model falls back to the next model: fallback_start, fallback_complete, and the answer', async () => {
    harness.fake.script((request) =>
      request.model === 'gpt-4o' ? { kind: 'error', status: 400, body: { error: { message: 'model overloaded' } } } : { text: 'from mini' },
    );
    const events = await readSse(
      await harness.dispatch(step({ onError: 'fallback', fallbacks: [{ type: 'model', model: 'gpt-4o-mini' }] })),
    );
    const types = events.map((event) => event.event);
    assert.ok(types.indexOf('fallback_start') < types.indexOf('fallback_complete'));
    const start = events.find((event) => event.event === 'fallback_start')!.data;
    assert.deepEqual([start.fallbackType, start.model, start.fallbackIndex], ['model', 'gpt-4o-mini', 0]);
    assert.match(String(start.reason), /overloaded|400/);
    assert.equal(events.at(-1)!.event, 'flow_complete');
    assert.equal(events.at(-1)!.data.finalOutput, 'from mini');
    for (const event of events) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
  });

  test('empty output moves on too, the last fallback is a fixed message, and every attempt is paid for', async () => {
    harness.fake.script(() => ({ text: '   ', usage: { input: 100, output: 10 } }));
    const result = (await (
      await harness.dispatch({
        ...step({
          onError: 'fallback',
          triggers: [{ type: 'empty-output' }],
          fallbacks: [
            { type: 'model', model: 'gpt-4o-mini' },
            { type: 'message', message: 'Sorry, try again later.' },
          ],
        }),
        options: { streamResponse: false },
      })
    ).json()) as { executionId: string; finalOutput: string; usage: { costUsd: number; inputTokens: number } };
    assert.equal(result.finalOutput, 'Sorry, try again later.');
    assert.equal(harness.fake.requests.length, 2);
    // gpt-4o: 100 in at $2.50/M + 10 out at $10/M; gpt-4o-mini: $0.15/M + $0.60/M.
    const expected = (100 * 2.5 + 10 * 10 + 100 * 0.15 + 10 * 0.6) / 1e6;
    assert.equal(Math.round(result.usage.costUsd * 1e9), Math.round(expected * 1e9));
    assert.equal(result.usage.inputTokens, 200);
    const events = await readSse(await fetch(`${harness.baseUrl}/v1/executions/${result.executionId}/events`, { headers: auth() }));
    assert.deepEqual(
      events.filter((event) => event.event.startsWith('fallback_')).map((event) => [event.event, event.data.fallbackType]),
      [
        ['fallback_start', 'model'],
        ['fallback_start', 'message'],
        ['fallback_complete', 'message'],
      ],
    );
  });

  test('an agent whose fallbacks all fail ends with fallback_exhausted and the error', async () => {
    harness.fake.script(() => ({ kind: 'error', status: 400, body: { error: { message: 'bad request' } } }));
    const events = await readSse(
      await harness.dispatch(
        {
          agent: {
            name: 'A',
            model: 'gpt-4o',
            errorHandling: { onError: 'fallback', fallbacks: [{ type: 'retry' }, { type: 'model', model: 'gpt-4o-mini' }] },
          },
          messages: [{ role: 'user', content: 'hi' }],
        },
        { query: 'events=unified' },
      ),
    );
    assert.deepEqual(
      events.filter((event) => event.event.startsWith('fallback_')).map((event) => event.event),
      ['fallback_start', 'fallback_start', 'fallback_exhausted'],
    );
    assert.equal(events.find((event) => event.event === 'fallback_exhausted')!.data.attempts, 3);
    assert.equal(harness.fake.requests.length, 3);
    assert.equal(events.at(-1)!.event, 'execution_error');
  });

  test("a model's fallbackModels (and PromptShuttle's fallbacks) announce the switch too", async () => {
    harness.fake.script((request) => (request.model === 'gpt-4o' ? { kind: 'error', status: 503 } : { text: 'backup' }));
    const events = await readSse(
      await harness.dispatch({
        flow: {
          name: 'fm',
          steps: [{ id: 'p', name: 'P', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'hi', fallbackModels: ['gpt-4o-mini'] } }],
        },
      }),
    );
    assert.deepEqual(
      events.filter((event) => event.event.startsWith('fallback_')).map((event) => [event.event, event.data.model]),
      [
        ['fallback_start', 'gpt-4o-mini'],
        ['fallback_complete', 'gpt-4o-mini'],
      ],
    );
    assert.equal(events.at(-1)!.data.finalOutput, 'backup');
  });
});

describe('multimodal input', () => {
  /** Images and files in messages reach the model as the provider's own content parts; text-only models refuse them up front. */
  beforeEach(() => harness.fake.reset());

  type Part = Record<string, any>;
  const userParts = (index = 0): Part[] => {
    const messages = harness.fake.requests[index]!.body.messages as Array<{ role: string; content: unknown }>;
    return messages.find((message) => message.role === 'user')!.content as Part[];
  };

  test("Runtype's own image-URL example reaches Anthropic as an image part, with its text", async () => {
    harness.fake.script(() => ({ text: '{"title":"Watch"}' }));
    const response = await harness.dispatch({
      flow: {
        name: 'Product Image Analyzer',
        steps: [
          {
            config: {
              model: 'claude-sonnet-4-20250514',
              outputVariable: 'productDescription',
              responseFormat: 'json',
              systemPrompt: 'You are a product copywriter.',
            },
            enabled: true,
            name: 'Generate Product Description',
            order: 0,
            type: 'prompt',
          },
        ],
      },
      messages: [
        {
          content: [
            { image: 'https://images.unsplash.com/photo-1523275335684-37898b6baf30?w=800', type: 'image' },
            { text: 'Generate a product description for this item.', type: 'text' },
          ],
          role: 'user',
        },
      ],
      options: { flowMode: 'virtual', recordMode: 'virtual', streamResponse: false },
    });
    assert.equal(response.status, 200, await response.clone().text());
    const parts = userParts();
    assert.equal(harness.fake.requests[0]!.protocol, 'anthropic');
    assert.deepEqual(parts[0], {
      type: 'image',
      source: { type: 'url', url: 'https://images.unsplash.com/photo-1523275335684-37898b6baf30?w=800' },
    });
    assert.equal(parts[1]!.text, 'Generate a product description for this item.');
  });

  test('a data-URL image reaches OpenAI as image_url; a PDF reaches Anthropic as a document', async () => {
    harness.fake.script(() => ({ text: 'seen' }));
    const dataUrl = `data:image/png;base64,${onePixelPng}`;
    const agent = await harness.dispatch({
      agent: { name: 'Looker', model: 'gpt-4o' },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image', image: dataUrl },
          ],
        },
      ],
      options: { streamResponse: false },
    });
    assert.equal(agent.status, 200, await agent.clone().text());
    assert.deepEqual(userParts()[1], { type: 'image_url', image_url: { url: dataUrl } });

    harness.fake.reset();
    harness.fake.script(() => ({ text: 'read' }));
    const pdf = Buffer.from('%PDF-1.4 tiny').toString('base64');
    const file = await harness.dispatch({
      agent: { name: 'Reader', model: 'claude-sonnet-4-5' },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'file', data: pdf, mimeType: 'application/pdf', filename: 'terms.pdf' },
            { type: 'text', text: 'summarise' },
          ],
        },
      ],
      options: { streamResponse: false },
    });
    assert.equal(file.status, 200, await file.clone().text());
    const document = userParts()[0]!;
    assert.equal(document.type, 'document');
    assert.deepEqual(document.source, { type: 'base64', media_type: 'application/pdf', data: pdf });
  });

  test('a text-only model is refused with a 422 naming it and the part; malformed parts name their field', async () => {
    const refused = await harness.dispatch({
      agent: { name: 'Old', model: 'gpt-3.5-turbo' },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', image: 'https://example.com/a.png' },
          ],
        },
      ],
    });
    assert.equal(refused.status, 422);
    const body = (await refused.json()) as { error: string; details: Array<{ path: string; message: string }> };
    assert.match(body.error, /gpt-3\.5-turbo/);
    assert.deepEqual(
      body.details.map((detail) => detail.path),
      ['messages[0].content[1]'],
    );
    assert.equal(harness.fake.requests.length, 0);

    const malformed = await harness.dispatch({
      agent: { name: 'A', model: 'gpt-4o' },
      messages: [{ role: 'user', content: [{ type: 'image' }] }],
    });
    assert.equal(malformed.status, 422);
    assert.equal(((await malformed.json()) as { details: Array<{ path: string }> }).details[0]!.path, 'messages[0].content[0].image');
  });
});

describe('artifacts', () => {
  /** Agents with `artifacts` get a create_artifact tool; artifacts stream as artifact frames and are kept with the run. */

  const report = `## Weekly report\n\n${'Revenue grew 12% week over week. '.repeat(30)}`;

  test('an agent makes a markdown and a component artifact: streamed, valid, and listed with the run', async () => {
    harness.fake.reset();
    harness.fake.script((request) =>
      toolResultsIn(request).length === 0
        ? {
            toolCalls: [
              {
                id: 'c_doc',
                name: 'create_artifact',
                arguments: JSON.stringify({ artifactType: 'markdown', title: 'Weekly report', content: report }),
              },
              {
                id: 'c_card',
                name: 'create_artifact',
                arguments: JSON.stringify({
                  artifactType: 'component',
                  title: 'Revenue',
                  component: 'MetricCard',
                  props: { label: 'Revenue', value: '$1.2M' },
                }),
              },
            ],
          }
        : {
            text: `made ${toolResultsIn(request)
              .map((result) => result.content)
              .join(', ')}`,
          },
    );
    const body = {
      agent: { name: 'Analyst', model: 'gpt-4o', artifacts: { enabled: true, types: ['markdown', 'component'] } },
      messages: [{ role: 'user', content: 'report on revenue' }],
    };
    const unified = await readSse(await harness.dispatch(body, { query: 'events=unified' }));
    const offered = (harness.fake.requests[0]!.body.tools as Array<{ function: { name: string } }>).map((tool) => tool.function.name);
    assert.deepEqual(offered, ['create_artifact']);
    const frames = unified.filter((event) => event.event.startsWith('artifact_'));
    assert.deepEqual(
      frames.map((event) => event.event).filter((name, index, all) => all.indexOf(name) === index),
      ['artifact_start', 'artifact_delta', 'artifact_complete', 'artifact_update'],
    );
    const streamed = frames
      .filter((event) => event.event === 'artifact_delta' && event.data.id === 'artifact_c_doc')
      .map((event) => event.data.delta)
      .join('');
    assert.equal(streamed, report, 'the markdown arrives whole, in pieces');
    assert.ok(frames.filter((event) => event.event === 'artifact_delta').length > 1);
    const update = frames.find((event) => event.event === 'artifact_update')!;
    assert.deepEqual([update.data.component, update.data.props], ['MetricCard', { label: 'Revenue', value: '$1.2M' }]);

    const executionId = String(unified[0]!.data.executionId);
    const listed = (await (
      await fetch(`${harness.baseUrl}/v1/executions/${executionId}/artifacts`, { headers: { authorization: `Bearer ${harness.key}` } })
    ).json()) as { data: Array<Record<string, unknown>> };
    assert.deepEqual(
      listed.data.map((artifact) => [artifact.id, artifact.artifactType, artifact.title, artifact.complete]),
      [
        ['artifact_c_doc', 'markdown', 'Weekly report', true],
        ['artifact_c_card', 'component', 'Revenue', true],
      ],
    );
    assert.equal(listed.data[0]!.content, report);
    assert.deepEqual(listed.data[1]!.props, { label: 'Revenue', value: '$1.2M' });

    // Runtype's own vocabulary carries the same frames, valid against its schema.
    const runtype = await readSse(
      await fetch(`${harness.baseUrl}/v1/executions/${executionId}/events?events=runtype`, {
        headers: { authorization: `Bearer ${harness.key}` },
      }),
    );
    const artifactFrames = runtype.filter((event) => event.event.startsWith('artifact_'));
    assert.equal(artifactFrames.length, frames.length);
    for (const event of artifactFrames) assert.equal(validateRuntypeFrame(event.data), null, JSON.stringify(event.data));
  });

  test('an artifact type the agent does not make is refused to the model, not created', async () => {
    harness.fake.reset();
    harness.fake.script((request) =>
      toolResultsIn(request).length === 0
        ? { toolCalls: [{ id: 'c1', name: 'create_artifact', arguments: '{"artifactType":"component","title":"x","component":"Chart"}' }] }
        : { text: toolResultsIn(request)[0]!.content },
    );
    const result = (await (
      await harness.dispatch({
        agent: { name: 'Writer', model: 'gpt-4o', artifacts: { enabled: true } },
        messages: [{ role: 'user', content: 'chart it' }],
        options: { streamResponse: false },
      })
    ).json()) as { finalOutput: string };
    assert.match(result.finalOutput, /markdown artifacts only/);
  });
});
