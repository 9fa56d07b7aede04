import { parseJsonBounded } from '../protocol/json-depth.js';
import {
  APICallError,
  type JSONSchema7,
  type JSONValue,
  type LanguageModelV3,
  type LanguageModelV3CallOptions,
  type LanguageModelV3FilePart,
  type LanguageModelV3Prompt,
  type LanguageModelV3TextPart,
} from '@ai-sdk/provider';
import type { ModelGateway, ModelRequest, ModelStreamPart, ToolChoice } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import { mediaPartTypes, type ChatMessage } from '../protocol/flow.js';
import { priceUsd, type ModelCatalog } from './catalog.js';
import { streamEcho } from './echo-model.js';
import { endpointOf } from './provider-endpoint.js';
import { routeModel, toResolution, type Route } from './model-router.js';
import type { ProviderSettings } from './provider-settings.js';
import { toolNamesFor, type ToolNames } from './tool-names.js';
import { recordModelCall } from './model-metrics.js';
import { retryDelayMs } from './retry-delay.js';
import { streamChatCompletion } from './chat-completions-stream.js';

/** The model gateway over the Vercel AI SDK providers, calling each model's `doStream` directly. */
export function createModelGateway(catalog: ModelCatalog, settings: ProviderSettings): ModelGateway {
  // Each provider's package is loaded the first time one of its models is called: a server that only ever talks to
  // one provider never loads the others (startup, and so restart after a crash, is shorter).
  const models = new Map<string, Promise<LanguageModelV3>>();

  const modelFor = (route: Exclude<Route, { kind: 'echo' }>): Promise<LanguageModelV3> => {
    const key = `${route.kind}:${'endpoint' in route ? route.endpoint : ''}:${route.modelId}`;
    let model = models.get(key);
    if (!model) {
      model = createLanguageModel(route, settings);
      models.set(key, model);
    }
    return model;
  };

  return {
    resolve: (model) => toResolution(routeModel(model, catalog, settings)),
    async *stream(request) {
      const routed = routeModel(request.model, catalog, settings);
      if ('error' in routed) throw new FlowrunError(routed.code, routed.error);
      const { route, price } = routed;
      if (route.kind === 'echo') {
        yield* streamEcho(request);
        return;
      }
      const model = await modelFor(route);
      // Metric labels come from a bounded set: a model the catalog prices, else `other` (a tenant may name any model).
      const name = price ? `${route.provider}/${route.modelId}` : 'other';
      for (let attempt = 1; ; attempt++) {
        let yielded = false;
        const startedAt = performance.now();
        try {
          for await (const part of streamOnce(model, route, request, settings)) {
            if (part.type === 'finish') {
              const tokens = { input: part.usage.inputTokens, output: part.usage.outputTokens, reasoning: part.usage.reasoningTokens };
              const usage = { ...part.usage, costUsd: priceUsd(price, tokens) };
              recordModelCall(name, startedAt, 'ok', usage);
              yield { ...part, usage };
              return;
            }
            yielded = true;
            yield part;
          }
          throw new FlowrunError('PROVIDER_ERROR', `${route.provider} ended the stream for ${route.modelId} without a finish`);
        } catch (caught) {
          recordModelCall(name, startedAt, 'error');
          if (request.signal.aborted) throw new FlowrunError('CANCELLED', 'the run was cancelled');
          const error = toFlowrunError(caught, route, settings);
          const retryable = isRetryable(caught);
          if (yielded || !retryable || attempt > settings.maxRetries) throw error;
          const headers = APICallError.isInstance(caught) ? caught.responseHeaders : undefined;
          await sleep(retryDelayMs(attempt, headers, settings.maxRetryDelayMs, Date.now()), request.signal);
        }
      }
    },
  };
}

async function createLanguageModel(route: Exclude<Route, { kind: 'echo' }>, settings: ProviderSettings): Promise<LanguageModelV3> {
  const fetchOption = settings.fetch ? { fetch: settings.fetch } : {};
  switch (route.kind) {
    case 'openai': {
      const { createOpenAI } = await import('@ai-sdk/openai');
      return createOpenAI({ apiKey: settings.openai.apiKey, baseURL: settings.openai.baseURL, ...fetchOption }).chat(route.modelId);
    }
    case 'anthropic': {
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      return createAnthropic({ apiKey: settings.anthropic.apiKey, baseURL: settings.anthropic.baseURL, ...fetchOption })(route.modelId);
    }
    case 'google': {
      const { createGoogleGenerativeAI } = await import('@ai-sdk/google');
      return createGoogleGenerativeAI({ apiKey: settings.google.apiKey, baseURL: settings.google.baseURL, ...fetchOption })(route.modelId);
    }
    case 'compatible': {
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      const endpoint = route.endpoint === 'routeAll' ? settings.routeAllTo! : settings.compatible[route.endpoint]!;
      return createOpenAICompatible({
        name: route.provider,
        baseURL: endpoint.baseURL,
        apiKey: endpoint.apiKey,
        includeUsage: true,
        ...fetchOption,
      }).chatModel(route.modelId);
    }
  }
}

/** A call's deadlines: the whole call, and the longest silence between two parts. Either aborts it. */
function callDeadlines(request: ModelRequest, settings: ProviderSettings) {
  const controller = new AbortController();
  const state = { timedOut: false };
  const expire = (): void => {
    state.timedOut = true;
    controller.abort();
  };
  const onAbort = (): void => controller.abort();
  request.signal.addEventListener('abort', onAbort, { once: true });
  const total = setTimeout(expire, settings.timeoutMs);
  let idle: NodeJS.Timeout | undefined;
  return {
    signal: controller.signal,
    timedOut: () => state.timedOut,
    armIdle(): void {
      clearTimeout(idle);
      idle = setTimeout(expire, settings.idleTimeoutMs);
    },
    clear(): void {
      clearTimeout(total);
      clearTimeout(idle);
      request.signal.removeEventListener('abort', onAbort);
    },
  };
}

type SdkStreamPart = Awaited<ReturnType<LanguageModelV3['doStream']>>['stream'] extends ReadableStream<infer Part> ? Part : never;

/** The gateway's part for an AI SDK stream part (null: not one the engine uses); an error part throws. */
function toStreamPart(part: SdkStreamPart, route: Exclude<Route, { kind: 'echo' }>, names: ToolNames): ModelStreamPart | null {
  switch (part.type) {
    case 'text-delta':
      return { type: 'text-delta', text: part.delta };
    case 'reasoning-delta':
      return { type: 'reasoning-delta', text: part.delta };
    case 'tool-input-start':
      return { type: 'tool-input-start', toolCallId: part.id, toolName: names.fromProvider(part.toolName) };
    case 'tool-input-delta':
      return { type: 'tool-input-delta', toolCallId: part.id, delta: part.delta };
    case 'tool-call':
      return { type: 'tool-call', toolCallId: part.toolCallId, toolName: names.fromProvider(part.toolName), input: part.input };
    case 'error':
      throw part.error;
    case 'finish':
      return {
        type: 'finish',
        usage: {
          inputTokens: part.usage.inputTokens.total ?? 0,
          outputTokens: part.usage.outputTokens.total ?? 0,
          reasoningTokens: part.usage.outputTokens.reasoning ?? 0,
          costUsd: 0,
        },
        finishReason: part.finishReason.unified,
        provider: route.provider,
        modelId: route.modelId,
      };
    default:
      return null;
  }
}

/** One attempt: maps AI SDK stream parts to the gateway's, enforcing the whole-call and idle timeouts. */
async function* streamOnce(
  model: LanguageModelV3,
  route: Exclude<Route, { kind: 'echo' }>,
  request: ModelRequest,
  settings: ProviderSettings,
): AsyncGenerator<ModelStreamPart> {
  const deadlines = callDeadlines(request, settings);
  try {
    deadlines.armIdle();
    const names = toolNamesOf(request);
    const options = callOptions(route, request, deadlines.signal, names);
    const parts = (await streamChatCompletion(model, options)) ?? readSdkStream((await model.doStream(options)).stream);
    let finished = false;
    try {
      for (;;) {
        deadlines.armIdle();
        const { done, value } = await parts.next();
        if (done) {
          finished = true;
          return;
        }
        const part = toStreamPart(value as SdkStreamPart, route, names);
        if (!part) continue;
        yield part;
        if (part.type === 'finish') {
          finished = true;
          return;
        }
      }
    } finally {
      // A stream cut short (an error, a timeout, the run cancelled) is closed, which aborts its request.
      if (!finished) await parts.return(undefined).catch(() => undefined);
    }
  } catch (error) {
    if (deadlines.timedOut() && !request.signal.aborted) {
      throw new FlowrunError('PROVIDER_TIMEOUT', `${route.provider} did not answer for ${route.modelId} in time`);
    }
    throw error;
  } finally {
    deadlines.clear();
  }
}

/** The AI SDK's stream as a generator; one cut short is cancelled (a stream that already ended is only released). */
async function* readSdkStream(stream: ReadableStream<SdkStreamPart>): AsyncGenerator<SdkStreamPart> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (finished) reader.releaseLock();
    else reader.cancel().catch(() => undefined);
  }
}

/** Every tool name the call mentions (offered tools and earlier calls), with aliases for those providers refuse. */
function toolNamesOf(request: ModelRequest): ToolNames {
  const names = (request.tools ?? []).map((tool) => tool.name);
  for (const message of request.messages) {
    if (message.role === 'tool') names.push(...message.results.map((result) => result.toolName));
    else if ('toolCalls' in message) names.push(...message.toolCalls.map((call) => call.toolName));
  }
  return toolNamesFor(names);
}

function callOptions(
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
  switch (route.kind) {
    case 'openai':
      return { openai: { reasoningEffort: reasoning.effort ?? 'medium' } };
    case 'anthropic':
      return { anthropic: { thinking: { type: 'enabled', budgetTokens: reasoning.budgetTokens ?? 2048 } } };
    case 'google':
      return {
        google: {
          thinkingConfig: { includeThoughts: true, ...(reasoning.budgetTokens ? { thinkingBudget: reasoning.budgetTokens } : {}) },
        },
      };
    case 'compatible':
      return { [route.provider]: { reasoningEffort: reasoning.effort ?? 'medium' } };
  }
}

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

const networkErrorCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

function isRetryable(error: unknown): boolean {
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    return status === undefined ? error.isRetryable : status === 408 || status === 409 || status === 429 || status >= 500;
  }
  if (FlowrunError.isInstance(error)) return false;
  // Network failures (connection refused or reset) surface as TypeError from fetch, and with a code from undici.
  return error instanceof TypeError || networkErrorCodes.has((error as { code?: string })?.code ?? '');
}

function toFlowrunError(error: unknown, route: Exclude<Route, { kind: 'echo' }>, settings: ProviderSettings): FlowrunError {
  if (FlowrunError.isInstance(error)) return error;
  if (APICallError.isInstance(error) && error.statusCode !== undefined) {
    const detail = providerMessage(error.responseBody) ?? error.message;
    return new FlowrunError('PROVIDER_ERROR', `${route.provider} returned ${error.statusCode} for ${route.modelId}: ${detail}`, [], {
      cause: error,
    });
  }
  // No answer at all (refused, reset, unreachable): say where it was sent and which setting points there.
  const { url, setting } = endpointOf(route, settings);
  const reason = (error as Error)?.message ?? String(error);
  return new FlowrunError(
    'PROVIDER_ERROR',
    `${route.provider} did not answer at ${url} for ${route.modelId} (${reason}): check that it runs and is reachable, or point ${setting} at the right address`,
    [],
    { cause: error },
  );
}

function providerMessage(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    const message = typeof parsed.error === 'string' ? parsed.error : (parsed.error?.message ?? parsed.message);
    return message?.slice(0, 500);
  } catch {
    return body.slice(0, 200);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
