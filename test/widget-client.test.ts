import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser } from 'eventsource-parser';
import { startHarness, type Harness } from './support/harness.js';
import { toolResultsIn } from './support/fake-scripts.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

/**
 * A chat client written the way Runtype's open-source widget (4.x) talks to `/v1/dispatch`: an inline agent,
 * the whole message history each turn, `X-Persona-Version`, and only the unified vocabulary read by `type`;
 * client tools are answered through `${dispatchUrl}/resume` with outputs keyed by tool-call id.
 */
class WidgetClient {
  messages: Array<{ role: 'user' | 'assistant'; content: string }> = [];
  seen: string[] = [];
  constructor(
    private readonly dispatchUrl: string,
    private readonly token: string,
    private readonly clientTools: Record<string, (parameters: Record<string, unknown>) => unknown>,
  ) {}

  private headers() {
    return { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', 'x-persona-version': '4.3.1' };
  }

  async send(text: string): Promise<string> {
    this.messages.push({ role: 'user', content: text });
    let response = await fetch(this.dispatchUrl, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({
        agent: { name: 'Site assistant', model: 'gpt-4o', systemPrompt: 'You help visitors.', loopConfig: { maxTurns: 5 } },
        messages: this.messages,
        clientTools: Object.keys(this.clientTools).map((name) => ({
          name,
          description: `client tool ${name}`,
          parametersSchema: { type: 'object', properties: {} },
          origin: 'webmcp',
        })),
        options: { streamResponse: true, recordMode: 'virtual' },
      }),
    });
    let reply = '';
    for (;;) {
      assert.equal(response.status, 200);
      const { text: part, awaiting, executionId, completed } = await this.read(response);
      reply += part;
      if (completed) break;
      assert.ok(awaiting.length > 0, 'a stream that does not complete must be awaiting a client tool');
      const toolOutputs = Object.fromEntries(awaiting.map((call) => [call.toolCallId, this.clientTools[call.toolName]!(call.parameters)]));
      response = await fetch(`${this.dispatchUrl}/resume`, {
        method: 'POST',
        headers: this.headers(),
        body: JSON.stringify({ executionId, toolOutputs, streamResponse: true }),
      });
    }
    this.messages.push({ role: 'assistant', content: reply });
    return reply;
  }

  private async read(response: Response) {
    const texts = new Map<string, string>();
    const awaiting: Array<{ toolCallId: string; toolName: string; parameters: Record<string, unknown> }> = [];
    let executionId = '';
    let completed = false;
    const parser = createParser({
      onEvent: (message) => {
        const data = JSON.parse(message.data) as Record<string, any>;
        this.seen.push(data.type);
        executionId = data.executionId;
        if (data.type === 'text_delta') texts.set(data.id, (texts.get(data.id) ?? '') + data.delta);
        if (data.type === 'await')
          awaiting.push({ toolCallId: data.toolCallId, toolName: data.toolName, parameters: data.parameters ?? {} });
        if (data.type === 'execution_complete') completed = true;
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) parser.feed(decoder.decode(chunk, { stream: true }));
    return { text: [...texts.values()].join(''), awaiting, executionId, completed };
  }
}

test("a client written for Runtype's chat widget works unchanged: unified stream, client tools through resume, multi-turn history", async () => {
  harness.fake.script((request) => {
    const results = toolResultsIn(request);
    if (request.lastUserText === 'which page am I on?' && results.length === 0)
      return { toolCalls: [{ id: 'w1', name: 'get_current_page', arguments: '{}' }] };
    if (results.length > 0) return { chunks: ['You are on ', results[0]!.content, '.'] };
    return { chunks: ['Hello', ', visitor!'] };
  });
  const client = new WidgetClient(`${harness.baseUrl}/v1/dispatch`, harness.key, { get_current_page: () => '/pricing' });
  assert.equal(await client.send('hi'), 'Hello, visitor!');
  assert.equal(await client.send('which page am I on?'), 'You are on /pricing.');
  // The second turn carried the whole history, as the widget sends it.
  const secondTurn = harness.fake.requests.find((request) => request.lastUserText === 'which page am I on?')!;
  assert.deepEqual(
    (secondTurn.body.messages as Array<{ role: string }>).map((message) => message.role),
    ['system', 'user', 'assistant', 'user'],
  );
  // Only unified event types reached the client.
  const unified = new Set([
    'execution_start',
    'turn_start',
    'text_start',
    'text_delta',
    'text_complete',
    'turn_complete',
    'tool_start',
    'tool_input_delta',
    'tool_input_complete',
    'tool_complete',
    'await',
    'execution_complete',
  ]);
  assert.deepEqual(
    client.seen.filter((type) => !unified.has(type)),
    [],
  );
  assert.ok(client.seen.includes('await') && client.seen.includes('turn_start'));
});
