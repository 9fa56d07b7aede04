import { addUsage } from '../protocol/usage.js';
import type { ModelRequest } from './ports.js';
import type { StepContext } from './run-context.js';
import type { LoopState } from './tool-loop-state.js';

const reflectionPrompt =
  'Before you go on: in one or two sentences, reflect on your progress so far. What have you learned, and what will you do next?';

/**
 * An agent's reflection (`loopConfig.enableReflection`): after an iteration that used tools, the model is asked,
 * without tools, to assess its progress; its answer streams as `agent_reflection` and its cost counts. The
 * conversation is not changed by it: the next turn sees the same messages.
 */
export async function reflect(request: Omit<ModelRequest, 'tools' | 'toolChoice' | 'messages'>, state: LoopState, context: StepContext) {
  let text = '';
  for await (const part of context.deps.models.stream({
    ...request,
    messages: [...state.messages, { role: 'user', content: reflectionPrompt }],
  })) {
    if (part.type === 'text-delta') text += part.text;
    if (part.type === 'finish') state.usage = addUsage(state.usage, part.usage);
  }
  context.deps.events.emit({ type: 'reflection', reflection: text.trim(), ...context.ref, iteration: state.turns });
}
