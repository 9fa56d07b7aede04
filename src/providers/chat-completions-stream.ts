import { APICallError, type LanguageModelV3, type LanguageModelV3CallOptions } from '@ai-sdk/provider';

/**
 * A lean reader of OpenAI's streamed chat completions, for the AI SDK's OpenAI chat and OpenAI-compatible chat
 * models. The request is the AI SDK's own (its `getArgs` builds the body, its config gives the URL and headers,
 * so every model quirk it knows stays); only the response is read here: undici's body as a Node stream, the SSE
 * lines split by hand, each `data:` parsed once with JSON.parse. The AI SDK's own path pipes every chunk through
 * a tee and four web-stream stages and validates it with zod; per streamed token that cost more than everything
 * else Flowrun does with it (docs/benchmarks.md). A model without those pieces (another SDK version) is left to
 * `doStream`.
 */

/** The parts this reader yields: the AI SDK's stream parts the gateway maps (see toStreamPart). */
export type ChatStreamPart =
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'reasoning-delta'; id: string; delta: string }
  | { type: 'tool-input-start'; id: string; toolName: string }
  | { type: 'tool-input-delta'; id: string; delta: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: string }
  | { type: 'error'; error: unknown }
  | {
      type: 'finish';
      finishReason: { unified: string; raw: string | undefined };
      usage: { inputTokens: { total: number | undefined }; outputTokens: { total: number | undefined; reasoning: number | undefined } };
    };

interface SdkChatModel {
  provider: string;
  modelId: string;
  getArgs(options: LanguageModelV3CallOptions): Promise<{ args: Record<string, unknown>; warnings: unknown[] }>;
  transformRequestBody?: (body: Record<string, unknown>, warnings: unknown[]) => Record<string, unknown>;
  config: {
    url(options: { path: string; modelId: string }): string;
    headers(): Record<string, string | undefined>;
    fetch?: unknown;
    includeUsage?: boolean;
  };
}

/** The AI SDK chat model, when it has the pieces this reader needs and uses the built-in fetch. */
function sdkChatModel(model: LanguageModelV3): SdkChatModel | null {
  const candidate = model as unknown as Partial<SdkChatModel>;
  const chat = /\.chat$/.test(model.provider) || typeof candidate.transformRequestBody === 'function';
  if (!chat || typeof candidate.getArgs !== 'function' || typeof candidate.config?.url !== 'function') return null;
  if (typeof candidate.config.headers !== 'function' || candidate.config.fetch !== undefined) return null;
  return candidate as SdkChatModel;
}

/** Streams one chat completion, or null when the model is not one this reader handles. */
export async function streamChatCompletion(
  model: LanguageModelV3,
  options: LanguageModelV3CallOptions,
): Promise<AsyncGenerator<ChatStreamPart> | null> {
  const chat = sdkChatModel(model);
  if (!chat) return null;
  const { args, warnings } = await chat.getArgs(options);
  const compatible = typeof chat.transformRequestBody === 'function';
  const streamed = {
    ...args,
    stream: true,
    stream_options: !compatible || chat.config.includeUsage ? { include_usage: true } : undefined,
  };
  const body = compatible ? chat.transformRequestBody!(streamed, warnings) : streamed;
  const url = chat.config.url({ path: '/chat/completions', modelId: chat.modelId });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, value] of Object.entries({ ...chat.config.headers(), ...(options.headers ?? {}) }))
    if (value !== undefined) headers[name.toLowerCase()] = value;
  // undici is loaded with the first model call, not when the server starts.
  const { request: httpRequest } = await import('undici');
  const response = await httpRequest(url, { method: 'POST', headers, body: JSON.stringify(body), signal: options.abortSignal });
  const responseHeaders = flatHeaders(response.headers);
  if (response.statusCode < 200 || response.statusCode > 299) {
    const text = await response.body.text();
    throw new APICallError({
      // The gateway reports the provider's own message from the body; APICallError says whether to retry.
      message: `${url} answered ${response.statusCode}`,
      url,
      requestBodyValues: body,
      statusCode: response.statusCode,
      responseHeaders,
      responseBody: text,
    });
  }
  return readChunks(response.body, { url, body, responseHeaders });
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

interface ToolCallState {
  id: string;
  name: string;
  arguments: string;
}

/** The state of one streamed completion, fed one parsed chunk at a time. */
interface ChunkState {
  output: boolean;
  toolCalls: Map<number, ToolCallState>;
  usage: Record<string, unknown> | undefined;
  finish: string | undefined;
}

async function* readChunks(
  body: AsyncIterable<Buffer>,
  request: { url: string; body: unknown; responseHeaders: Record<string, string> },
): AsyncGenerator<ChatStreamPart> {
  const state: ChunkState = { output: false, toolCalls: new Map(), usage: undefined, finish: undefined };
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const bytes of body) {
    buffered += decoder.decode(bytes, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]' || data === '') continue;
      let chunk: Record<string, unknown>;
      try {
        chunk = JSON.parse(data) as Record<string, unknown>;
      } catch (error) {
        yield { type: 'error', error };
        continue;
      }
      yield* partsOf(chunk, state, request);
    }
  }
  yield* endParts(state);
}

function* partsOf(
  chunk: Record<string, unknown>,
  state: ChunkState,
  request: { url: string; body: unknown; responseHeaders: Record<string, string> },
): Generator<ChatStreamPart> {
  if (chunk.error !== undefined) {
    if (!state.output) throw streamError(chunk, request);
    yield { type: 'error', error: chunk.error };
    return;
  }
  if (chunk.usage) state.usage = chunk.usage as Record<string, unknown>;
  const choice = (chunk.choices as Array<Record<string, unknown>> | undefined)?.[0];
  if (!choice) return;
  if (typeof choice.finish_reason === 'string') state.finish = choice.finish_reason;
  const delta = choice.delta as Record<string, unknown> | undefined;
  if (!delta) return;
  const reasoning = delta.reasoning_content ?? delta.reasoning;
  if (typeof reasoning === 'string' && reasoning.length > 0) {
    state.output = true;
    yield { type: 'reasoning-delta', id: 'reasoning-0', delta: reasoning };
  }
  for (const text of [delta.content, delta.refusal]) {
    if (typeof text !== 'string' || text.length === 0) continue;
    state.output = true;
    yield { type: 'text-delta', id: 'txt-0', delta: text };
  }
  for (const call of (delta.tool_calls as Array<Record<string, unknown>> | undefined) ?? []) yield* toolCallParts(call, state);
}

function* toolCallParts(call: Record<string, unknown>, state: ChunkState): Generator<ChatStreamPart> {
  const index = typeof call.index === 'number' ? call.index : state.toolCalls.size;
  const fn = (call.function as { name?: string; arguments?: string } | undefined) ?? {};
  let known = state.toolCalls.get(index);
  if (!known) {
    known = { id: typeof call.id === 'string' ? call.id : `call_${index}`, name: fn.name ?? '', arguments: '' };
    state.toolCalls.set(index, known);
    state.output = true;
    yield { type: 'tool-input-start', id: known.id, toolName: known.name };
  }
  if (fn.arguments) {
    known.arguments += fn.arguments;
    yield { type: 'tool-input-delta', id: known.id, delta: fn.arguments };
  }
}

function* endParts(state: ChunkState): Generator<ChatStreamPart> {
  for (const call of state.toolCalls.values()) yield { type: 'tool-call', toolCallId: call.id, toolName: call.name, input: call.arguments };
  const usage = state.usage as
    { prompt_tokens?: number; completion_tokens?: number; completion_tokens_details?: { reasoning_tokens?: number } } | undefined;
  yield {
    type: 'finish',
    finishReason: { unified: unifiedFinishReason(state.finish), raw: state.finish },
    usage: {
      inputTokens: { total: usage?.prompt_tokens },
      outputTokens: { total: usage?.completion_tokens, reasoning: usage?.completion_tokens_details?.reasoning_tokens },
    },
  };
}

function unifiedFinishReason(raw: string | undefined): string {
  switch (raw) {
    case 'stop':
    case 'length':
      return raw;
    case 'content_filter':
      return 'content-filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    default:
      return 'other';
  }
}

/** An error frame before any output: the request failed (retryable as its status says), as the AI SDK reports it. */
function streamError(
  chunk: Record<string, unknown>,
  request: { url: string; body: unknown; responseHeaders: Record<string, string> },
): APICallError {
  const error = chunk.error as { message?: string; code?: unknown; type?: string } | string;
  const message = typeof error === 'string' ? error : error?.message;
  const code = typeof error === 'object' ? Number(error?.code) : NaN;
  const statusCode = Number.isInteger(code) && code >= 400 && code < 600 ? code : 500;
  return new APICallError({
    message: message ?? 'the provider failed before any output',
    url: request.url,
    requestBodyValues: request.body,
    statusCode,
    responseHeaders: request.responseHeaders,
    responseBody: JSON.stringify(chunk),
    data: chunk,
  });
}
