import { parseJsonBounded } from '../../protocol/json-depth.js';
import { redactUrl } from '../../protocol/redact-url.js';
import { FlowrunError } from '../../protocol/errors.js';
import { ToolsConfig, type ChatMessage, type PromptConfig, type StepOf } from '../../protocol/flow.js';
import type { StopReason } from '../../protocol/execution-event.js';
import type { FinishReason, McpServerConfig, ModelMessage, ModelRequest, ResolvedTool } from '../ports.js';
import { streamModelTurn, turnRecord } from '../model-turn.js';
import { schemaProblems } from '../json-schema.js';
import { addUsage } from '../../protocol/usage.js';
import { runToolLoop } from '../tool-loop.js';
import { inlineTool } from '../run-tool.js';
import { artifactTool } from '../artifact-tool.js';
import type { StepContext, StepRunner, ToolCallRecord } from '../run-context.js';
import { renderTemplate, renderValue } from '../template.js';
import { formatPath } from '../../protocol/zod-details.js';
import type { StepCheckContext } from './step-check.js';
import { requireToolSecrets, withCredentials } from './tool-secrets.js';
import { checkMcpToolIds } from './check-mcp-tool-ids.js';

/** A prompt needs a model that resolves (or a run-wide override) and something to say. */
export function checkPrompt(prompt: PromptConfig, context: StepCheckContext): void {
  const { details, label, configPath } = context;
  const model = context.modelOverride ?? prompt.model;
  if (!model) {
    details.push({ code: 'MISSING_REQUIRED_FIELD', path: formatPath([...configPath, 'model']), message: `${label} needs config.model` });
  } else {
    const resolution = context.models.resolve(model);
    if (!resolution.ok) {
      details.push({
        code: resolution.code,
        path: formatPath(context.modelOverride ? ['options', 'modelOverride'] : [...configPath, 'model']),
        message: `${label}: ${resolution.reason}`,
        ...(resolution.suggestion ? { suggestion: resolution.suggestion } : {}),
      });
    }
  }
  if (
    !context.conversation &&
    prompt.userPrompt === undefined &&
    prompt.text === undefined &&
    prompt.messages === undefined &&
    prompt.previousMessages === undefined
  ) {
    details.push({
      code: 'MISSING_REQUIRED_FIELD',
      path: formatPath([...configPath, 'userPrompt']),
      message: `${label} needs config.userPrompt (or text, or messages)`,
    });
  }
  checkMcpToolIds(prompt.tools, context);
}

export const runPrompt: StepRunner<StepOf<'prompt'>> = async (step, context) => {
  const { config } = step;
  const rendered = renderPrompt(step, context);
  const json = config.responseFormat === 'json' || config.responseSchema !== undefined;
  const base = baseRequest(config, context, rendered.system, json);
  const tools = await resolveStepTools(config, context);
  const runOnce = (conversation: ModelMessage[]) => callModel(step, context, base, tools, conversation);
  let outcome = await runOnce(rendered.messages);
  let result: unknown;
  if (config.responseSchema) ({ outcome, result } = await matchSchema(step, config.responseSchema, rendered.messages, outcome, runOnce));
  else result = json ? parseJsonReply(outcome.text, step.name) : outcome.text;
  return {
    result,
    usage: outcome.usage,
    model: outcome.model,
    processedPrompt: rendered.processedPrompt,
    stopReason: outcome.stopReason,
    unresolved: rendered.unresolved,
    toolCalls: outcome.toolCalls,
    loop: outcome.loop,
    responses: outcome.responses,
  };
};

/** The system prompt, the conversation and the user prompt, rendered over the run's variables (unless `rawPrompts`). */
function renderPrompt(step: StepOf<'prompt'>, context: StepContext) {
  const { config } = step;
  const scope = context.scope();
  const unresolved: string[] = [];
  const render = (template: string | undefined): string | undefined => {
    if (template === undefined || config.rawPrompts) return template;
    const rendered = renderTemplate(template, scope);
    for (const name of rendered.unresolved) if (!unresolved.includes(name)) unresolved.push(name);
    return rendered.text;
  };
  const system = render(config.systemPrompt);
  const userPrompt = render(config.userPrompt ?? config.text);
  const messages: ModelMessage[] = buildMessages(config, context, scope, unresolved);
  if (userPrompt !== undefined && userPrompt !== '') messages.push({ role: 'user', content: userPrompt });
  context.checkVariables(unresolved);
  if (messages.length === 0) {
    throw new FlowrunError('VALIDATION_ERROR', `prompt step '${step.name}' rendered an empty prompt: give userPrompt or messages`);
  }
  const processedPrompt = userPrompt ?? messages.map((message) => ('content' in message ? textOf(message as ChatMessage) : '')).join('\n');
  return { system, messages, processedPrompt, unresolved };
}

function baseRequest(
  config: PromptConfig,
  context: StepContext,
  system: string | undefined,
  json: boolean,
): Omit<ModelRequest, 'messages'> {
  return {
    model: context.request.options.modelOverride ?? config.model!,
    system: system || undefined,
    temperature: config.temperature,
    maxTokens: config.maxTokens,
    topP: config.topP,
    topK: config.topK,
    seed: config.seed,
    frequencyPenalty: config.frequencyPenalty,
    presencePenalty: config.presencePenalty,
    reasoning: reasoningOf(config),
    responseFormat: json ? 'json' : 'text',
    responseSchema: config.responseSchema,
    signal: context.signal,
  };
}

type CallOutcome = Awaited<ReturnType<typeof callModel>>;

/** One answer: a single model turn when the step has no tools, else the tool loop. */
async function callModel(
  step: StepOf<'prompt'>,
  context: StepContext,
  base: Omit<ModelRequest, 'messages'>,
  tools: ResolvedTool[],
  conversation: ModelMessage[],
) {
  const { config } = step;
  const streamOutput = config.streamOutput !== false;
  const fallbackModels = context.request.options.modelOverride ? [] : config.fallbackModels;
  if (tools.length === 0 && context.resume?.pausedStepId !== step.id) {
    const turn = await streamModelTurn({ ...base, messages: conversation }, context, {
      streamOutput,
      toolTypes: new Map(),
      fallbackModels,
    });
    return {
      text: turn.text,
      usage: turn.usage,
      model: turn.modelId,
      stopReason: stopReasonOf(turn.finishReason),
      loop: { stopReason: 'end_turn' as const, turns: 1 },
      responses: [turnRecord(turn)],
      toolCalls: undefined as ToolCallRecord[] | undefined,
    };
  }
  const loop = await runToolLoop({
    request: base,
    messages: conversation,
    tools,
    config: config.tools ?? ToolsConfig.parse({}),
    context,
    stepId: step.id,
    streamOutput,
    fallbackModels,
  });
  return {
    text: loop.text,
    usage: loop.usage,
    model: loop.modelId,
    stopReason: loop.hitLimit ? ('max_tool_calls' as const) : stopReasonOf(loop.finishReason),
    loop: { stopReason: loop.stopReason, turns: loop.turns },
    responses: loop.responses,
    toolCalls: loop.records as ToolCallRecord[] | undefined,
  };
}

/** Structured output: a reply that does not match the schema is retried once with the errors, then fails. */
async function matchSchema(
  step: StepOf<'prompt'>,
  schema: Record<string, unknown>,
  messages: ModelMessage[],
  first: CallOutcome,
  runOnce: (conversation: ModelMessage[]) => Promise<CallOutcome>,
): Promise<{ outcome: CallOutcome; result: unknown }> {
  // A reply that is not JSON at all violates the schema like any other: it gets the one retry too.
  let firstResult: unknown;
  let problems: string | null;
  try {
    firstResult = parseJsonReply(first.text, step.name);
    problems = schemaProblems(schema, firstResult);
  } catch {
    problems = 'the reply is not JSON';
  }
  if (!problems) return { outcome: first, result: firstResult };
  const retried = await runOnce([
    ...messages,
    { role: 'assistant', content: first.text },
    {
      role: 'user',
      content: `Your reply does not match the required JSON schema (${problems}). Reply again with only JSON that matches it.`,
    },
  ]);
  const outcome = { ...retried, usage: addUsage(first.usage, retried.usage), responses: [...first.responses, ...retried.responses] };
  const result = parseJsonReply(outcome.text, step.name);
  const remaining = schemaProblems(schema, result);
  if (remaining)
    throw new FlowrunError(
      'MODEL_OUTPUT_INVALID',
      `prompt step '${step.name}': the reply does not match responseSchema after a retry (${remaining})`,
    );
  return { outcome, result };
}

/** The step's tools, by precedence: saved < runtime < client (a later definition of a name wins). */
async function resolveStepTools(config: PromptConfig, context: StepContext): Promise<ResolvedTool[]> {
  const byName = new Map<string, ResolvedTool>();
  const toolsConfig = config.tools;
  if (toolsConfig && toolsConfig.toolCallStrategy === 'none') return [];
  if (toolsConfig) {
    const mcpIds = toolsConfig.toolIds.filter((id) => id.startsWith('mcp:'));
    for (const id of toolsConfig.toolIds) {
      if (id.startsWith('mcp:')) continue;
      if (id.startsWith('builtin:')) {
        const builtin = context.deps.tools.describeBuiltin(id);
        if ('tool' in builtin) byName.set(builtin.tool.name, builtin.tool);
        else context.deps.events.emit({ type: 'warning', ...builtin.warning, ...context.ref });
        continue;
      }
      const tool = context.request.tools[id];
      if (!tool) throw new FlowrunError('TOOL_NOT_FOUND', `tool '${id}' was not found`);
      byName.set(tool.name, tool);
    }
    const mcpServers = withCredentials(toolsConfig.mcpServers, context.request.secrets);
    if (mcpIds.length > 0) {
      for (const tool of await context.deps.tools.describeMcpTools(mcpServers, mcpIds, context.signal, context.request.scope.tenantId))
        byName.set(tool.name, tool);
    }
    for (const tool of await declaredMcpTools(mcpServers, mcpIds, context)) byName.set(tool.name, tool);
    if (toolsConfig.artifacts?.enabled) byName.set('create_artifact', artifactTool(toolsConfig.artifacts));
    for (const tool of toolsConfig.runtimeTools) byName.set(tool.name, inlineTool(tool));
  }
  for (const tool of context.request.clientTools) byName.set(tool.name, tool);
  requireToolSecrets([...byName.values()], context.request.secrets);
  return [...byName.values()];
}

/**
 * A server in `mcpServers` that no `mcp:<server>:<tool>` id names offers all its tools (its `allowedTools`); one
 * that cannot be reached or listed is left out with a `warning` event, and the run goes on without it.
 */
async function declaredMcpTools(servers: McpServerConfig[], mcpIds: string[], context: StepContext): Promise<ResolvedTool[]> {
  const named = new Set(mcpIds.map((id) => id.split(':')[1]));
  const tools: ResolvedTool[] = [];
  for (const server of servers.filter((candidate) => !named.has(candidate.id))) {
    try {
      tools.push(
        ...(await context.deps.tools.describeMcpTools([server], [`mcp:${server.id}:*`], context.signal, context.request.scope.tenantId)),
      );
    } catch (error) {
      if (context.signal.aborted) throw error;
      const message = `MCP server '${server.id}' (${redactUrl(server.url)}) was not offered: ${(error as Error).message}`;
      context.deps.events.emit({ type: 'warning', code: 'MCP_UNAVAILABLE', message, ...context.ref });
    }
  }
  return tools;
}

function buildMessages(config: PromptConfig, context: StepContext, scope: Record<string, unknown>, unresolved: string[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const previous = config.previousMessages;
  if (Array.isArray(previous)) messages.push(...previous);
  else if (typeof previous === 'string') {
    const value = renderValue(previous, { ...scope, messages: context.request.messages }, unresolved);
    if (Array.isArray(value)) messages.push(...value.filter(isChatMessage));
    else if (typeof value === 'string' && value.trim() !== '') messages.push({ role: 'user', content: value });
  }
  if (config.messages) messages.push(...config.messages);
  if (messages.length === 0 && config.userPrompt === undefined && config.text === undefined) messages.push(...context.request.messages);
  return messages;
}

function isChatMessage(value: unknown): value is ChatMessage {
  const candidate = value as ChatMessage | null;
  return (
    candidate !== null &&
    typeof candidate === 'object' &&
    ['system', 'user', 'assistant'].includes(candidate.role) &&
    candidate.content !== undefined
  );
}

function textOf(message: ChatMessage): string {
  return typeof message.content === 'string' ? message.content : message.content.map((part) => part.text ?? '').join('');
}

function reasoningOf(config: PromptConfig): ModelRequest['reasoning'] {
  const reasoning = config.reasoning;
  if (reasoning === undefined || reasoning === false) return undefined;
  if (reasoning === true) return { effort: 'medium' };
  if (reasoning.enabled === false) return undefined;
  return {
    effort: reasoning.reasoningEffort,
    budgetTokens: reasoning.budgetTokens,
    ...(reasoning.includeThoughts !== undefined ? { includeThoughts: reasoning.includeThoughts } : {}),
    ...(reasoning.thinkingBudget !== undefined ? { thinkingBudget: reasoning.thinkingBudget } : {}),
    ...(reasoning.reasoningSummary !== undefined ? { summary: reasoning.reasoningSummary } : {}),
  };
}

function stopReasonOf(reason: FinishReason): StopReason {
  switch (reason) {
    case 'stop':
      return 'end_turn';
    case 'length':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'tool-calls':
      return 'max_tool_calls';
    case 'error':
      return 'error';
    case 'other':
      return 'unknown';
  }
}

/** A json step's reply becomes an object; code fences around it are tolerated, anything else is a step error. */
export function parseJsonReply(text: string, stepName: string): unknown {
  // Plain string work, not a regular expression: model output can be long and shaped by prompt injection.
  let body = text.trim();
  if (body.startsWith('```') && body.endsWith('```') && body.length >= 6) {
    body = body.slice(3, -3);
    if (body.slice(0, 4).toLowerCase() === 'json') body = body.slice(4);
    body = body.trim();
  }
  try {
    return parseJsonBounded(body, 'the reply');
  } catch {
    throw new FlowrunError(
      'MODEL_OUTPUT_INVALID',
      `prompt step '${stepName}' asked for json but the model replied with text that is not JSON`,
    );
  }
}
