import { type LanguageModelV3 } from '@ai-sdk/provider';
import type { ModelRequest, ModelStreamPart } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import { type Route } from './model-router.js';
import type { ProviderSettings } from './provider-settings.js';
import { type ToolNames } from './tool-names.js';
import { streamChatCompletion } from './chat-completions-stream.js';
import { callDeadlines } from './call-deadlines.js';
import { callOptions, toolNamesOf } from './prompt-conversion.js';

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
export async function* streamOnce(
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
