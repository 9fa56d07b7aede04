import type { ChatMessage } from '../protocol/flow.js';

/**
 * `{{userMessage}}` (Runtype's OpenAPI examples) and `{{user_message}}` (its chat flows): the text of the request's
 * last user message. Without one the names stay unset, so a step using them warns that they did not resolve.
 */
export function userMessageVariables(messages: readonly ChatMessage[]): Record<string, string> {
  const last = messages.findLast((message) => message.role === 'user');
  if (!last) return {};
  const text =
    typeof last.content === 'string'
      ? last.content
      : last.content
          .map((part) => (part.type === 'text' ? (part.text ?? '') : ''))
          .filter(Boolean)
          .join('\n');
  return { userMessage: text, user_message: text };
}
