import { FlowrunError } from '../../protocol/errors.js';
import type { ChatMessage, PromptConfig, Step } from '../../protocol/flow.js';
import type { StopReason } from '../../protocol/execution-event.js';
import type { Usage } from '../../protocol/usage.js';
import type { FinishReason, ModelRequest } from '../ports.js';
import type { StepContext, StepRunner } from '../run-context.js';
import { renderTemplate, renderValue } from '../template.js';

export const runPrompt: StepRunner<Extract<Step, { type: 'prompt' }>> = async (step, context) => {
  const { config } = step;
  const scope = context.scope();
  const unresolved: string[] = [];
  const render = (template: string | undefined): string | undefined => {
    if (template === undefined) return undefined;
    const rendered = renderTemplate(template, scope);
    for (const name of rendered.unresolved) if (!unresolved.includes(name)) unresolved.push(name);
    return rendered.text;
  };
  const system = render(config.systemPrompt);
  const userPrompt = render(config.userPrompt ?? config.text);
  const messages = buildMessages(config, context, scope, unresolved);
  if (userPrompt !== undefined && userPrompt !== '') messages.push({ role: 'user', content: userPrompt });
  if (messages.length === 0) {
    throw new FlowrunError('VALIDATION_ERROR', `prompt step '${step.name}' rendered an empty prompt: give userPrompt or messages`);
  }
  const model = context.request.options.modelOverride ?? config.model!;
  const json = config.responseFormat === 'json';
  const request: ModelRequest = {
    model,
    system: system || undefined,
    messages,
    temperature: config.temperature,
    maxTokens: config.maxTokens,
    topP: config.topP,
    topK: config.topK,
    seed: config.seed,
    frequencyPenalty: config.frequencyPenalty,
    presencePenalty: config.presencePenalty,
    reasoning: reasoningOf(config),
    responseFormat: json ? 'json' : 'text',
    signal: context.signal,
  };
  const outcome = await streamModel(request, context, config.streamOutput !== false);
  return {
    result: json ? parseJsonReply(outcome.text, step.name) : outcome.text,
    usage: outcome.usage,
    model: outcome.modelId,
    processedPrompt: userPrompt ?? messages.map((message) => textOf(message)).join('\n'),
    stopReason: stopReasonOf(outcome.finishReason),
    unresolved,
  };
};

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
  return candidate !== null && typeof candidate === 'object' && ['system', 'user', 'assistant'].includes(candidate.role) && candidate.content !== undefined;
}

function textOf(message: ChatMessage): string {
  return typeof message.content === 'string' ? message.content : message.content.map((part) => part.text ?? '').join('');
}

function reasoningOf(config: PromptConfig): ModelRequest['reasoning'] {
  const reasoning = config.reasoning;
  if (reasoning === undefined || reasoning === false) return undefined;
  if (reasoning === true) return { effort: 'medium' };
  if (reasoning.enabled === false) return undefined;
  return { effort: reasoning.reasoningEffort, budgetTokens: reasoning.budgetTokens };
}

interface ModelOutcome {
  text: string;
  usage: Usage;
  finishReason: FinishReason;
  modelId: string;
}

async function streamModel(request: ModelRequest, context: StepContext, streamOutput: boolean): Promise<ModelOutcome> {
  const { events, ids } = context.deps;
  const partId = ids.next('part');
  let text = '';
  let chunkIndex = 0;
  for await (const part of context.deps.models.stream(request)) {
    switch (part.type) {
      case 'text-delta':
        if (part.text === '') break;
        if (streamOutput) {
          if (chunkIndex === 0) events.emit({ type: 'text_start', partId, ...context.ref });
          chunkIndex++;
          events.emit({ type: 'step_delta', partId, text: part.text, chunkIndex, ...context.ref });
        }
        text += part.text;
        break;
      case 'reasoning-delta':
        if (streamOutput) events.emit({ type: 'reasoning_delta', partId: `${partId}_reasoning`, text: part.text, ...context.ref });
        break;
      case 'finish':
        if (chunkIndex > 0) events.emit({ type: 'text_end', partId, text, ...context.ref });
        return { text, usage: part.usage, finishReason: part.finishReason, modelId: part.modelId };
    }
  }
  throw new FlowrunError('PROVIDER_ERROR', `model ${request.model} ended its stream without finishing`);
}

function stopReasonOf(reason: FinishReason): StopReason {
  switch (reason) {
    case 'stop': return 'end_turn';
    case 'length': return 'length';
    case 'content-filter': return 'content_filter';
    case 'tool-calls': return 'max_tool_calls';
    case 'error': return 'error';
    case 'other': return 'unknown';
  }
}

/** A json step's reply becomes an object; code fences around it are tolerated, anything else is a step error. */
export function parseJsonReply(text: string, stepName: string): unknown {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(text);
  const body = (fenced ? fenced[1]! : text).trim();
  try {
    return JSON.parse(body);
  } catch {
    throw new FlowrunError('MODEL_OUTPUT_INVALID', `prompt step '${stepName}' asked for json but the model replied with text that is not JSON`);
  }
}
