import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readSse, startHarness, type Harness, type SseEvent } from './support/harness.js';
import type { FakeReply, FakeRequest } from './support/fake-provider.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

/**
 * The 25 examples of `POST /v1/dispatch` in Runtype's OpenAPI document, each sent as it is written: only the ids
 * of the flows and records the examples name are replaced by those of flows and records created first through
 * Flowrun's API (Flowrun chooses ids itself). Every model goes to the fake provider (FLOWRUN_MODEL_BASE_URL), which
 * answers JSON where a step asks for JSON and refuses the example's `this-model-does-not-exist` as OpenAI would.
 * The test has no internet: the MCP servers, GitHub and api.example.com the examples name cannot be reached.
 */
interface Example {
  summary: string;
  value: Record<string, unknown>;
}
const { examples } = JSON.parse(readFileSync(new URL('./fixtures/runtype-dispatch-examples.json', import.meta.url), 'utf8')) as {
  examples: Record<string, Example>;
};

let harness: Harness;
/** The example's flow and record ids → the ids of those created in Flowrun. */
const ids = new Map<string, string>();

const fakeModel = (request: FakeRequest): FakeReply => {
  if (request.model.endsWith('this-model-does-not-exist'))
    return {
      kind: 'error',
      status: 404,
      body: {
        error: { message: 'The model `this-model-does-not-exist` does not exist', type: 'invalid_request_error', code: 'model_not_found' },
      },
    };
  if (request.body.response_format !== undefined) return { chunks: ['{"answer":', ` "from ${request.model}"}`] };
  return { chunks: ['Hello', ' from', ` ${request.model}.`] };
};

async function api(path: string, body: unknown): Promise<{ id: string }> {
  const response = await harness.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return (await response.json()) as { id: string };
}

before(async () => {
  harness = await startHarness((fake) => ({ FLOWRUN_MODEL_BASE_URL: `${fake.url}/v1`, FLOWRUN_MODEL_API_KEY: 'sk-test-all' }));
  harness.fake.script(fakeModel);
  // The flows the examples name by id: what they hold the document does not say, so one prompt step each that reads
  // the record and continues the request's conversation (standaloneFlow sends one).
  for (const flowId of ['flow_01k9pfvrswf6d8rgm1kzcsxbcd', 'flow_01jv0000000000000000000002', 'flow_01jv0000000000000000000003']) {
    const flow = await api('/v1/flows', {
      name: `Example ${flowId}`,
      steps: [
        {
          id: 'answer',
          name: 'Answer',
          type: 'prompt',
          config: { model: 'gpt-4o-mini', previousMessages: '{{messages}}', userPrompt: 'Answer {{_record.name}}.' },
        },
      ],
    });
    ids.set(flowId, flow.id);
  }
  for (const recordId of ['record_01k9yn1f1ff23a3thz255974ew', 'record_01jv0000000000000000000001']) {
    const record = await api('/v1/records', { name: `Example ${recordId}`, type: 'example', metadata: { source: 'openapi' } });
    ids.set(recordId, record.id);
  }
});
after(() => harness.close());

/** The example's body with the ids of the flows and records created above in place of the document's. */
function bodyOf(example: Example): Record<string, unknown> {
  let text = JSON.stringify(example.value);
  for (const [documented, created] of ids) text = text.replaceAll(`"${documented}"`, `"${created}"`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function streamOf(example: Example): Promise<SseEvent[]> {
  const response = await harness.dispatch(bodyOf(example));
  assert.equal(response.status, 200, await response.clone().text());
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  const events = await readSse(response);
  for (const event of events) assert.equal(validateRuntypeFrame(event.data), null, `${event.event} is a DispatchSSEEvent`);
  return events;
}

/** The warnings a stream carried (Runtype's frames carry them in `warnings`: its vocabulary has no warning frame). */
const warningsOf = (events: SseEvent[]) =>
  events.flatMap((event) => (event.data.warnings ?? []) as Array<{ code: string }>).map((warning) => warning.code);

/** The stream ends with flow_complete, every step completed, and no warning but those expected. */
async function completes(example: Example, expectedWarnings: string[] = []): Promise<SseEvent[]> {
  const events = await streamOf(example);
  const last = events.at(-1)!;
  assert.equal(last.event, 'flow_complete', JSON.stringify(events.filter((event) => event.event.endsWith('error'))));
  assert.equal(last.data.success, true);
  const steps = (example.value.flow as { steps?: unknown[] }).steps;
  if (steps) assert.equal(events.filter((event) => event.event === 'step_complete').length, steps.length, 'every step completes');
  assert.deepEqual(warningsOf(events), expectedWarnings);
  return events;
}

/** The stream ends with the step named failing with `code`, and no step after it starts. */
async function failsAtStep(example: Example, stepName: string, code: string): Promise<SseEvent[]> {
  const events = await streamOf(example);
  const stepError = events.find((event) => event.event === 'step_error');
  assert.equal(stepError?.data.name, stepName, JSON.stringify(stepError?.data));
  assert.equal(stepError?.data.code, code);
  assert.equal(events.at(-1)!.event, 'flow_error');
  assert.equal(events.at(-1)!.data.code, code);
  assert.equal(events.indexOf(stepError!), events.length - 2, 'nothing runs after the failed step');
  return events;
}

/** A 422 before anything runs, whose details are exactly `expected` (code and path each). */
async function refused(example: Example, expected: Array<{ code: string; path: string }>): Promise<void> {
  const response = await harness.dispatch(bodyOf(example));
  const body = (await response.json()) as { details: Array<{ code: string; path: string; message: string }> };
  assert.equal(response.status, 422, JSON.stringify(body));
  assert.deepEqual(
    body.details.map((detail) => ({ code: detail.code, path: detail.path })),
    expected,
    JSON.stringify(body.details),
  );
  assert.equal(harness.fake.requests.length, 0, 'no model was called');
}

const modelsAsked = () => harness.fake.requests.map((request) => request.model);

const cases: Record<string, (example: Example) => Promise<void>> = {
  async autoAppendMetadata(example) {
    await completes(example);
    assert.equal(harness.fake.requests[0]!.lastUserText, 'Analyze the sales performance for Q4 2024 in North America.');
  },
  async complexFlow(example) {
    const events = await completes(example);
    assert.deepEqual(modelsAsked(), ['gpt-4', 'gpt-4', 'gpt-3.5-turbo', 'gpt-4']);
    const stored = await harness.request(`/v1/flows/${String(events[0]!.data.flowId)}`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
    assert.equal(((await stored.json()) as { name: string }).name, 'Comprehensive Document Analysis', 'flowMode create stores the flow');
  },
  async contextSteps(example) {
    // `create-records` is named by this example only: neither Runtype's step schemas nor its step reference describe it,
    // so Flowrun does not run it and refuses the flow before it starts, naming the step.
    await refused(example, [{ code: 'UNKNOWN_STEP_TYPE', path: 'flow.steps[4].type' }]);
  },
  async createRecordAndFlow(example) {
    const events = await completes(example);
    const { record } = events[0]!.data.executionContext as { record: { id: string } };
    const stored = await harness.request(`/v1/records/${record.id}`, {
      headers: { authorization: `Bearer ${harness.key}` },
    });
    assert.equal(((await stored.json()) as { name: string }).name, 'TechCorp Solutions', 'recordMode create stores the record');
    assert.equal(harness.fake.requests.length, 3);
    assert.match(harness.fake.requests[0]!.lastUserText, /^Based on the company TechCorp Solutions in the Technology industry/);
  },
  async createRecordOnly(example) {
    // No streamResponse: Runtype streams by default, and so does Flowrun.
    await completes(example);
    assert.equal(harness.fake.requests[0]!.lastUserText, 'Answer Sample Customer.');
  },
  async errorTracking(example) {
    // What the example's third step says: it does not run once the second has failed.
    const events = await failsAtStep(example, 'Invalid Model Step', 'UNKNOWN_MODEL');
    assert.ok(!events.some((event) => event.data.name === 'Should Not Execute'));
  },
  async executionModesOverview(example) {
    await completes(example);
    assert.equal(harness.fake.requests[0]!.lastUserText, 'Answer Example record_01k9yn1f1ff23a3thz255974ew.');
  },
  async existingRecordAndFlow(example) {
    await completes(example);
    assert.deepEqual(modelsAsked(), ['gpt-4-turbo'], 'modelOverride replaces the stored step model');
  },
  async imageInput(example) {
    await completes(example);
    assert.match(JSON.stringify(harness.fake.requests[0]!.body.messages), /data:image\/jpeg;base64,/);
  },
  async imageUrl(example) {
    await completes(example);
    assert.match(JSON.stringify(harness.fake.requests[0]!.body.messages), /images\.unsplash\.com/);
  },
  async inputVariables(example) {
    await completes(example);
    assert.match(harness.fake.requests[0]!.lastUserText, /^Create a detailed report for Acme Corporation about Q4 Sales Analysis\./);
  },
  async marketingDemo(example) {
    await completes(example);
    assert.equal(modelsAsked().length, 3);
  },
  async messagesArray(example) {
    // The step has no prompt of its own: the request's messages are the conversation.
    await completes(example);
    const sent = harness.fake.requests[0]!.body.messages as Array<{ role: string }>;
    assert.deepEqual(
      sent.map((message) => message.role),
      ['system', 'user', 'assistant', 'user'],
    );
  },
  async minimal(example) {
    await completes(example);
    const request = harness.fake.requests[0]!;
    assert.match(
      request.lastUserText,
      /^Say hello to Quick Test! This is flow Simple Test Flow \(ID: flow_\w+\) executed at \S+ by user default\.$/,
    );
    assert.deepEqual(
      [request.body.seed, request.body.top_p, request.body.frequency_penalty, request.body.presence_penalty],
      [123, 0.9, 0.2, -0.1],
    );
  },
  async reasoningCapture(example) {
    await completes(example);
  },
  async runtimeMcpServers(example) {
    // The three servers cannot be reached from the test: each is left out with a warning and the model answers without them.
    await completes(example, ['MCP_UNAVAILABLE', 'MCP_UNAVAILABLE', 'MCP_UNAVAILABLE']);
    assert.equal(harness.fake.requests[0]!.body.tools, undefined);
    assert.match(harness.fake.requests[0]!.lastUserText, /Help the user with their request: Look up the React documentation/);
  },
  async runtimeTools(example) {
    // The fake model answers without calling the tools, so no weather or Yelp API is called.
    await completes(example);
  },
  async runtimeToolsDaytonaPython(example) {
    // Flowrun runs tool code as JavaScript in its own QuickJS sandbox (docs/compatibility.md, code `language`): the
    // Python tool and the TypeScript one (Daytona's) are refused before the run, each at its field.
    await refused(example, [
      { code: 'UNSUPPORTED_LANGUAGE', path: 'flow.steps[0].config.tools.runtimeTools[0].config.language' },
      { code: 'UNSUPPORTED_LANGUAGE', path: 'flow.steps[1].config.tools.runtimeTools[0].config.language' },
    ]);
  },
  async savedMcpServers(example) {
    // Flowrun keeps no MCP servers per account: `mcp:context7:…` must name a server of the step's tools.mcpServers,
    // and this step declares none, so the flow is refused before it starts, naming the id.
    await refused(example, [
      { code: 'TOOL_NOT_FOUND', path: 'flow.steps[0].config.tools.toolIds[0]' },
      { code: 'TOOL_NOT_FOUND', path: 'flow.steps[0].config.tools.toolIds[1]' },
    ]);
  },
  async screenshotToFlow(example) {
    await completes(example);
  },
  async standaloneFlow(example) {
    await completes(example);
    assert.deepEqual(harness.fake.requests[0]!.body.messages, [
      { role: 'user', content: 'tell me a joke' },
      { role: 'user', content: 'Answer run.' },
    ]);
  },
  async stepResultsStorage(example) {
    await completes(example);
    assert.match(harness.fake.requests[0]!.lastUserText, /^Analyze the company Acme Corp in the Engineering department\./);
  },
  async upsertFlowMode(example) {
    const first = await completes(example);
    assert.equal(harness.fake.requests[0]!.lastUserText, 'Summarize the following: Hello world, this is a test message.');
    const second = await completes(example);
    assert.equal(second[0]!.data.flowId, first[0]!.data.flowId, 'the same name upserts the same flow');
  },
  async upsertWithOptions(example) {
    // api.example.com does not exist (and the test has no internet): the fetch step fails and the prompt after it does not run.
    const events = await failsAtStep(example, 'Fetch Data', 'HTTP_ERROR');
    assert.match(String(events.at(-2)!.data.error), /api\.example\.com/);
  },
  async virtualRecord(example) {
    await completes(example);
    assert.equal(harness.fake.requests[0]!.lastUserText, 'Answer Test Customer Analysis.');
  },
};

describe("Runtype's dispatch examples", () => {
  test('the document has the 25 examples this file covers', () => {
    assert.deepEqual(Object.keys(examples).sort(), Object.keys(cases).sort());
  });
  for (const [key, example] of Object.entries(examples)) {
    test(`${key}: ${example.summary}`, async () => {
      harness.fake.reset();
      harness.fake.script(fakeModel);
      await cases[key]!(example);
    });
  }
});
