import { parseJsonBounded } from '../protocol/json-depth.js';
import {
  type JSONSchema7,
  type JSONValue,
  type LanguageModelV3CallOptions,
  type LanguageModelV3FilePart,
  type LanguageModelV3Prompt,
  type LanguageModelV3TextPart,
} from '@ai-sdk/provider';
import type { ModelRequest, ToolChoice } from '../engine/ports.js';
import { mediaPartTypes, type ChatMessage } from '../protocol/flow.js';
import { type Route } from './model-router.js';
import { toolNamesFor, type ToolNames } from './tool-names.js';

/** Every tool name the call mentions (offered tools and earlier calls), with aliases for those providers refuse. */
export function toolNamesOf(request: ModelRequest): ToolNames {
  const names = (request.tools ?? []).map((tool) => tool.name);
  for (const message of request.messages) {
    if (message.role === 'tool') names.push(...message.results.map((result) => result.toolName));
    else if ('toolCalls' in message) names.push(...message.toolCalls.map((call) => call.toolName));
  }
  return toolNamesFor(names);
}

export function callOptions(
  route: Exclude<Route, { kind: 'echo' }>,
  request: ModelRequest,
  signal: AbortSignal,
  names: ToolNames,
): LanguageModelV3CallOptions {
  return {
    prompt: toPrompt(request, names),
    maxOutputTokens: request.maxTokens,
    temperature: request.temperature,
    topP: request.topP,
    topK: request.topK,
    seed: request.seed,
    frequencyPenalty: request.frequencyPenalty,
    presencePenalty: request.presencePenalty,
    responseFormat:
      request.responseFormat === 'json'
        ? { type: 'json', ...(request.responseSchema ? { schema: request.responseSchema as JSONSchema7, name: 'response' } : {}) }
        : { type: 'text' },
    tools: request.tools?.length
      ? request.tools.map((tool) => ({
          type: 'function' as const,
          name: names.toProvider(tool.name),
          description: tool.description,
          inputSchema: tool.parameters as JSONSchema7,
        }))
      : undefined,
    toolChoice: request.tools?.length ? toolChoiceOf(request.toolChoice, names) : undefined,
    providerOptions: reasoningOptions(route, request),
    abortSignal: signal,
  };
}

function reasoningOptions(route: Exclude<Route, { kind: 'echo' }>, request: ModelRequest): LanguageModelV3CallOptions['providerOptions'] {
  const reasoning = request.reasoning;
  if (!reasoning) return undefined;
  const budget = reasoning.budgetTokens ?? reasoning.thinkingBudget;
  switch (route.kind) {
    case 'openai':
      // OpenAI takes `xhigh` on the models that have it (and says so on the others).
      return {
        openai: { reasoningEffort: reasoning.effort ?? 'medium', ...(reasoning.summary ? { reasoningSummary: reasoning.summary } : {}) },
      };
    case 'anthropic':
      return { anthropic: { thinking: { type: 'enabled', budgetTokens: budget ?? effortBudgets[reasoning.effort ?? 'medium'] } } };
    case 'google':
      return {
        google: {
          thinkingConfig: { includeThoughts: reasoning.includeThoughts ?? true, ...(budget ? { thinkingBudget: budget } : {}) },
        },
      };
    case 'compatible':
      // OpenAI-compatible servers know minimal to high: `xhigh` asks for their highest.
      return { [route.provider]: { reasoningEffort: reasoning.effort === 'xhigh' ? 'high' : (reasoning.effort ?? 'medium') } };
  }
}

/** Anthropic's thinking budget for an effort, where a step gives an effort and no budget (medium: 2,048, as before). */
const effortBudgets = { minimal: 1024, low: 1024, medium: 2048, high: 8192, xhigh: 16_384 } as const;

function toPrompt(request: ModelRequest, names: ToolNames): LanguageModelV3Prompt {
  const prompt: LanguageModelV3Prompt = [];
  if (request.system) prompt.push({ role: 'system', content: request.system });
  for (const message of request.messages) {
    if (message.role === 'tool') {
      prompt.push({
        role: 'tool',
        content: message.results.map((result) => ({
          type: 'tool-result' as const,
          toolCallId: result.toolCallId,
          toolName: names.toProvider(result.toolName),
          output: result.isError
            ? { type: 'error-text' as const, value: typeof result.output === 'string' ? result.output : JSON.stringify(result.output) }
            : typeof result.output === 'string'
              ? { type: 'text' as const, value: result.output }
              : { type: 'json' as const, value: (result.output ?? null) as JSONValue },
        })),
      });
      continue;
    }
    if ('toolCalls' in message) {
      prompt.push({
        role: 'assistant',
        content: [
          ...(message.content ? [{ type: 'text' as const, text: message.content }] : []),
          ...message.toolCalls.map((call) => ({
            type: 'tool-call' as const,
            toolCallId: call.toolCallId,
            toolName: names.toProvider(call.toolName),
            input: parseArguments(call.input),
          })),
        ],
      });
      continue;
    }
    const text = textOf(message);
    if (message.role === 'system') prompt.push({ role: 'system', content: text });
    else if (message.role === 'user') prompt.push({ role: 'user', content: userContent(message) });
    else prompt.push({ role: 'assistant', content: [{ type: 'text', text }] });
  }
  return prompt;
}

function parseArguments(input: string): unknown {
  try {
    // Arguments nested absurdly deep are treated like malformed ones: they would overflow every later step.
    return parseJsonBounded(input || '{}', 'tool arguments');
  } catch {
    return {};
  }
}

/** A user message's parts as the AI SDK's: text, and images and files as file parts (a URL, or base64 data). */
function userContent(message: ChatMessage): Array<LanguageModelV3TextPart | LanguageModelV3FilePart> {
  if (typeof message.content === 'string') return [{ type: 'text', text: message.content }];
  const parts: Array<LanguageModelV3TextPart | LanguageModelV3FilePart> = [];
  for (const part of message.content) {
    if (part.type === 'text' || !mediaPartTypes.has(part.type)) {
      if (part.text) parts.push({ type: 'text', text: part.text });
      continue;
    }
    const source = (part.type === 'image' ? part.image : part.data) ?? '';
    const dataUrl = /^data:([^;,]+)?(;base64)?,/.exec(source);
    const fallbackType = part.type === 'image' ? 'image/*' : 'application/octet-stream';
    const mediaType = part.mimeType ?? dataUrl?.[1] ?? fallbackType;
    const data = dataUrl ? source.slice(dataUrl[0].length) : /^https?:\/\//.test(source) ? new URL(source) : source;
    parts.push({ type: 'file', data, mediaType, ...(part.filename ? { filename: part.filename } : {}) });
  }
  return parts.length > 0 ? parts : [{ type: 'text', text: '' }];
}

function textOf(message: ChatMessage): string {
  return typeof message.content === 'string' ? message.content : message.content.map((part) => part.text ?? '').join('');
}

function toolChoiceOf(choice: ToolChoice | undefined, names: ToolNames): LanguageModelV3CallOptions['toolChoice'] {
  if (choice === undefined) return undefined;
  if (typeof choice === 'string') return { type: choice };
  return { type: 'tool', toolName: names.toProvider(choice.toolName) };
}
