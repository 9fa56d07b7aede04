import type { ModelRequest, ModelStreamPart } from '../engine/ports.js';

/**
 * `flowrun/echo`: answers without any provider by repeating the last user message, word by word,
 * so a new user can run a flow offline. A json request gets `{"echo": "…"}`.
 */
export async function* streamEcho(request: ModelRequest): AsyncGenerator<ModelStreamPart> {
  const last = [...request.messages].reverse().find((message) => message.role === 'user');
  const prompt =
    last && 'content' in last
      ? typeof last.content === 'string'
        ? last.content
        : last.content.map((part) => part.text ?? '').join('')
      : '';
  const reply = request.responseFormat === 'json' ? JSON.stringify({ echo: prompt }) : prompt;
  const words = reply.match(/\S+\s*|\s+/g) ?? [];
  for (const [index, word] of words.entries()) {
    // A long echo is many parts produced at once; yield to the event loop now and then, as a network stream would.
    if (index > 0 && index % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
    yield { type: 'text-delta', text: word };
  }
  const input = Math.ceil((prompt.length + (request.system?.length ?? 0)) / 4);
  yield {
    type: 'finish',
    usage: { inputTokens: input, outputTokens: Math.ceil(reply.length / 4), reasoningTokens: 0, costUsd: 0 },
    finishReason: 'stop',
    provider: 'flowrun',
    modelId: 'flowrun/echo',
  };
}
