import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { StepRunner } from '../run-context.js';
import { renderValue } from '../template.js';

/** The largest payload a `send-event` step sends, as JSON. */
export const sendEventMaxPayloadChars = 256 * 1024;

/** `send-event`: a `custom_event` with the type and the rendered payload, streamed and recorded with the run. */
export const runSendEvent: StepRunner<StepOf<'send-event'>> = async (step, context) => {
  const unresolved: string[] = [];
  const payload = renderValue(step.config.payload ?? null, context.scope(), unresolved);
  context.checkVariables(unresolved);
  const size = JSON.stringify(payload)?.length ?? 0;
  if (size > sendEventMaxPayloadChars)
    throw new FlowrunError(
      'PAYLOAD_TOO_LARGE',
      `send-event step '${step.name}': the payload is ${size} characters of JSON, more than ${sendEventMaxPayloadChars}`,
    );
  const event = context.deps.events.emit({ type: 'custom_event', eventType: step.config.eventType, payload, ...context.ref });
  return { result: { eventType: step.config.eventType, payload, sentAt: event.at }, unresolved };
};
