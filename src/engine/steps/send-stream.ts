import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';
import { lookupPath } from '../template.js';

/** The longest text delta a `send-stream` step sends; longer text goes out in pieces of this size. */
export const sendStreamChunkChars = 1000;
/** The most text one `send-stream` step sends. */
export const sendStreamMaxChars = 1_000_000;

/**
 * `send-stream`: the variable's text (JSON when it is not text) streamed as the step's text deltas
 * (`text_start`, `step_delta`s, `text_end`), so every dialect streams it as it streams a prompt's answer.
 */
export const runSendStream: StepRunner<StepOf<'send-stream'>> = async (step, context) => {
  const value = lookupPath(context.scope(), step.config.sourceVariable);
  const unresolved = value === undefined ? [step.config.sourceVariable] : [];
  context.checkVariables(unresolved);
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (text.length > sendStreamMaxChars)
    throw new FlowrunError(
      'PAYLOAD_TOO_LARGE',
      `send-stream step '${step.name}': ${step.config.sourceVariable} holds ${text.length} characters, more than ${sendStreamMaxChars}`,
    );
  if (text.length > 0) {
    const { events, ids } = context.deps;
    const partId = ids.next('part');
    events.emit({ type: 'text_start', partId, ...context.ref });
    for (let start = 0, chunkIndex = 0; start < text.length; start += sendStreamChunkChars, chunkIndex += 1) {
      events.emit({ type: 'step_delta', partId, text: text.slice(start, start + sendStreamChunkChars), chunkIndex, ...context.ref });
    }
    events.emit({ type: 'text_end', partId, text, ...context.ref });
  }
  return { result: text, unresolved };
};
