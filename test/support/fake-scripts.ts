import type { FakeReply, FakeRequest } from './fake-provider.js';

/** The tool results the model has been sent so far in this request, by tool name (OpenAI wire format). */
export function toolResultsIn(request: FakeRequest): Array<{ toolCallId: string; content: string }> {
  const messages = (request.body.messages as Array<{ role: string; tool_call_id?: string; content?: unknown }>) ?? [];
  return messages
    .filter((message) => message.role === 'tool')
    .map((message) => ({ toolCallId: String(message.tool_call_id), content: String(message.content) }));
}

/** A model that calls `toolName` once with `args`, then answers with the tool's result in its text. */
export function callOnceThenAnswer(toolName: string, args: Record<string, unknown>): (request: FakeRequest) => FakeReply {
  return (request) => {
    const results = toolResultsIn(request);
    if (results.length === 0) return { toolCalls: [{ id: 'call_1', name: toolName, arguments: JSON.stringify(args) }] };
    return { text: `tool said: ${results.map((result) => result.content).join(' | ')}` };
  };
}
