import type { SoakWorld } from './soak-world.js';
import { waitFor } from './wait-for.js';

/**
 * The kinds of work the crash soak drives, each as a client would, through outages: every request is retried
 * until the server answers (dispatches carry an Idempotency-Key, so a retry never starts a second run), and a
 * decision that may have landed before a kill is accepted when the run has moved on.
 */

export type SoakKind = 'flow-tools' | 'agent-tree' | 'shuttle' | 'approval' | 'client-tool' | 'cancel' | 'idempotent-retry';
export const soakKinds: SoakKind[] = ['flow-tools', 'agent-tree', 'shuttle', 'approval', 'client-tool', 'cancel', 'idempotent-retry'];

export interface SoakRun {
  kind: SoakKind;
  nonce: string;
  executionId: string;
  /** Terminal states this run may end in. */
  expected: string[];
  /** Steps whose tool calls go to the recorder (each must run, with one key). */
  toolSteps: string[];
  /** The output the run must end with when it completed. */
  output?: (execution: Record<string, any>) => unknown;
  expectedOutput?: unknown;
}

export interface SoakSetup {
  researcherId: string;
  shoutFlowId: string;
  shuttleFlowId: string;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An API client that rides out restarts: a request that finds no server, or loses it, is sent again. */
export class SoakClient {
  constructor(
    private readonly world: SoakWorld,
    readonly key: string,
  ) {}

  async call(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Answer & { retried: boolean }> {
    const started = Date.now();
    const deadline = started + 120_000;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`${this.world.baseUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json', ...extra },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        // A stream is only for its headers here: the soak reads what was committed, from the stored log.
        const streamed = response.headers.get('content-type')?.includes('text/event-stream');
        if (streamed) void response.body?.cancel().catch(() => undefined);
        const text = streamed ? '' : await response.text();
        return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null, retried: attempt > 0 };
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(`${method} ${path}: no answer in ${Date.now() - started} ms, ${attempt + 1} attempts`, { cause: error });
        await sleep(50 + Math.random() * 100);
      }
    }
  }

  /** Dispatches with an Idempotency-Key until the server answers with the run's id. */
  async dispatch(body: Record<string, unknown>, key: string): Promise<string> {
    const answer = await this.call('POST', '/v1/dispatch', body, { 'idempotency-key': key });
    const executionId = answer.headers.get('x-execution-id') ?? answer.body?.executionId;
    if (!executionId) throw new Error(`dispatch answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return executionId;
  }

  /** The run as the API shows it, once it is found (a 404 is asked again, as long as a restart may take). */
  execution(executionId: string): Promise<Record<string, any>> {
    return waitFor(
      async () => {
        const answer = await this.call('GET', `/v1/executions/${executionId}`);
        if (answer.status !== 200 && answer.status !== 404) throw new Error(`execution ${executionId}: ${answer.status}`);
        return answer.status === 200 && (answer.body as Record<string, any>);
      },
      `execution ${executionId} found`,
      { limitMs: 120_000, everyMs: 50 },
    );
  }

  /** Waits until the run is in one of `states`. */
  until(executionId: string, states: string[], timeoutMs = 120_000): Promise<Record<string, any>> {
    let status = '';
    return waitFor(
      async () => {
        const execution = await this.execution(executionId);
        status = execution.status;
        return states.includes(execution.status) && execution;
      },
      () => `${executionId} in ${states.join(' or ')} (stuck in ${status})`,
      { limitMs: timeoutMs, everyMs: 40 },
    );
  }
}

const toolStep = (world: SoakWorld, step: string, nonce: string) => ({
  id: step,
  name: step,
  type: 'prompt',
  config: {
    model: 'gpt-4o',
    userPrompt: `run ${nonce} step ${step}`,
    outputVariable: step,
    tools: {
      runtimeTools: [
        {
          name: 'record',
          toolType: 'external',
          parametersSchema: { type: 'object', properties: { nonce: { type: 'string' }, step: { type: 'string' } } },
          config: { url: `${world.recorderUrl}/record`, method: 'POST', headers: { Authorization: 'Bearer {{secrets.token}}' } },
        },
      ],
    },
  },
});

const toolFlow = (world: SoakWorld, nonce: string, steps: string[]) => ({
  flow: {
    name: `soak-${nonce}`,
    steps: [
      ...steps.map((step) => toolStep(world, step, nonce)),
      { id: 'sum', name: 'sum', type: 'set-variable', config: { variableName: 'summary', value: `{{${steps[0]}}} / {{${steps.at(-1)}}}` } },
    ],
  },
  secrets: { token: `tok-${nonce}` },
  options: { streamResponse: true },
});

const summaryOf = (execution: Record<string, any>) => execution.output?.summary;

export async function runScenario(kind: SoakKind, world: SoakWorld, client: SoakClient, setup: SoakSetup, nonce: string): Promise<SoakRun> {
  const steps = ['a', 'b', 'c'];
  const base = { kind, nonce, toolSteps: [] as string[] };
  switch (kind) {
    case 'flow-tools': {
      const executionId = await client.dispatch(toolFlow(world, nonce, steps), `k-${nonce}`);
      return {
        ...base,
        executionId,
        expected: ['completed'],
        toolSteps: steps,
        output: summaryOf,
        expectedOutput: 'done with a / done with c',
      };
    }
    case 'idempotent-retry': {
      // The client sends the same request again at random moments, through outages: all answers name one run.
      const body = toolFlow(world, nonce, steps.slice(0, 2));
      const attempts = await Promise.all(
        [0, 1, 2].map(async (index) => {
          await sleep(index === 0 ? 0 : Math.random() * 1_200);
          return client.dispatch(body, `k-${nonce}`);
        }),
      );
      if (new Set(attempts).size !== 1) throw new Error(`idempotent retries started ${new Set(attempts).size} runs: ${attempts}`);
      return {
        ...base,
        executionId: attempts[0]!,
        expected: ['completed'],
        toolSteps: ['a', 'b'],
        output: summaryOf,
        expectedOutput: 'done with a / done with b',
      };
    }
    case 'cancel': {
      const executionId = await client.dispatch(toolFlow(world, nonce, steps), `k-${nonce}`);
      await sleep(Math.random() * 600);
      const answer = await client.call('POST', `/v1/executions/${executionId}/cancel`, {});
      if (![200, 202, 409].includes(answer.status)) throw new Error(`cancel answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return { ...base, executionId, expected: ['cancelled', 'completed'] };
    }
    case 'approval':
      return approvalScenario(world, client, nonce, base);
    case 'client-tool':
      return clientToolScenario(client, nonce, base);
    case 'agent-tree': {
      const executionId = await client.dispatch(
        {
          agent: {
            name: 'Lead',
            model: 'gpt-4o',
            systemPrompt: 'You lead.',
            tools: {
              runtimeTools: [
                { name: 'research', toolType: 'subagent', config: { agentId: setup.researcherId } },
                {
                  name: 'shout',
                  toolType: 'flow',
                  parametersSchema: { type: 'object', properties: { text: { type: 'string' } } },
                  config: { flowId: setup.shoutFlowId },
                },
              ],
            },
          },
          messages: [{ role: 'user', content: `run ${nonce} lead` }],
          options: { streamResponse: true },
        },
        `k-${nonce}`,
      );
      return {
        ...base,
        executionId,
        expected: ['completed'],
        output: (execution) => execution.finalOutput,
        expectedOutput: `summary: findings ${nonce} + ${nonce}!!`,
      };
    }
    case 'shuttle': {
      const answer = await client.call(
        'POST',
        `/api/v1/flows/${setup.shuttleFlowId}/runs`,
        { parameters: { nonce } },
        { 'idempotency-key': `k-${nonce}` },
      );
      if (answer.status !== 200 && answer.status !== 201)
        throw new Error(`shuttle run answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      return {
        ...base,
        executionId: answer.body.id,
        expected: ['completed'],
        output: (execution) => execution.finalOutput,
        expectedOutput: `copy ${nonce}`,
      };
    }
  }
}

type Base = { kind: SoakKind; nonce: string; toolSteps: string[] };

/** An approval step decided at a random moment (before or after restarts), then a step with a tool call. */
async function approvalScenario(world: SoakWorld, client: SoakClient, nonce: string, base: Base): Promise<SoakRun> {
  const body = toolFlow(world, nonce, ['a']);
  body.flow.steps.unshift({ id: 'gate', name: 'gate', type: 'approval', config: { message: `ship ${nonce}?` } } as never);
  const executionId = await client.dispatch(body, `k-${nonce}`);
  // A continuation cut off by a kill before the run's first commit asks again (a new approval): answer it too.
  for (let round = 0; round < 5; round++) {
    if ((await client.until(executionId, ['paused', 'completed', 'failed', 'cancelled'])).status !== 'paused') break;
    const pending = await client.call('GET', `/v1/approvals?executionId=${executionId}&status=pending`);
    const approvalId = pending.body.data[0]?.id;
    if (!approvalId) {
      await sleep(200); // decided already: the server continues it
      continue;
    }
    await sleep(Math.random() * 1_000);
    const decided = await client.call('POST', '/v1/dispatch/approve', {
      executionId,
      approvalId,
      decision: 'approved',
      streamResponse: false,
    });
    // 409 only when an earlier attempt, cut off by a kill, had recorded the decision.
    if (decided.status !== 200 && !(decided.status === 409 && decided.retried)) {
      throw new Error(`approve answered ${decided.status}: ${JSON.stringify(decided.body)}`);
    }
    await sleep(100);
  }
  return {
    ...base,
    executionId,
    expected: ['completed'],
    toolSteps: ['a'],
    output: summaryOf,
    expectedOutput: 'done with a / done with a',
  };
}

/** A page tool: the run pauses for the client, which answers at a random moment and resumes it. */
async function clientToolScenario(client: SoakClient, nonce: string, base: Base): Promise<SoakRun> {
  const executionId = await client.dispatch(
    {
      clientTools: [{ name: 'get_page_title', description: 'The page title', parametersSchema: { type: 'object', properties: {} } }],
      flow: {
        name: `soak-client-${nonce}`,
        steps: [
          {
            id: 'ask',
            name: 'ask',
            type: 'prompt',
            config: { model: 'gpt-4o', userPrompt: `run ${nonce} client`, outputVariable: 'answer' },
          },
        ],
      },
      options: { streamResponse: true },
    },
    `k-${nonce}`,
  );
  // A resume cut off by a kill before the run's first commit pauses the run again (a new await): resume again.
  for (let round = 0; round < 5; round++) {
    if ((await client.until(executionId, ['paused', 'completed', 'failed', 'cancelled'])).status !== 'paused') break;
    await sleep(Math.random() * 1_000);
    const resumed = await client.call('POST', '/v1/dispatch/resume', {
      executionId,
      toolOutputs: { get_page_title: `Title ${nonce}` },
      streamResponse: false,
    });
    // 409: an earlier attempt, cut off by a kill, had claimed the run.
    if (resumed.status !== 200 && resumed.status !== 409)
      throw new Error(`resume answered ${resumed.status}: ${JSON.stringify(resumed.body)}`);
    await sleep(100);
  }
  return {
    ...base,
    executionId,
    expected: ['completed'],
    output: (execution) => execution.output?.answer,
    expectedOutput: `page Title ${nonce}`,
  };
}
