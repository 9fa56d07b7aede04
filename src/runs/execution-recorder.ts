import type { EventSink } from '../engine/ports.js';
import type { SecretRedactor } from '../engine/secret-redactor.js';
import { FlowrunError } from '../protocol/errors.js';
import type { ExecutionEvent, ExecutionEventBody } from '../protocol/execution-event.js';
import { maxJsonDepth, valueTooDeep } from '../protocol/json-depth.js';
import type { EventWriter, RecordedEvent } from '../queue/event-writer.js';

/** Events may wrap outside data (itself at most 128 deep) in a few levels of their own. */
const maxEventDepth = maxJsonDepth + 32;

type DeltaBody = Extract<ExecutionEventBody, { type: 'step_delta' | 'reasoning_delta' | 'tool_input_delta' }>;

/**
 * The EventSink of one run: numbers events from `lastSeq + 1`, removes secret values from them, serialises
 * each once (an event that cannot be stored fails only its own run, with NESTING_TOO_DEEP) and queues it for
 * group commit, fenced by the run's lease. Listeners hear of an event once it is stored (runtime.ts wires the
 * writer's onWritten to the bus): a stream never carries a frame the store does not hold. A run this process
 * lost (`fenced()`) records nothing more.
 *
 * Streamed text (text, reasoning and tool-argument deltas) is redacted per stream: a secret the model writes
 * in several pieces is caught because each stream holds back its last (longest secret − 1) characters until
 * more text, or any other event, arrives.
 */
export function createExecutionRecorder(options: {
  executionId: string;
  lastSeq: number;
  /** The run's redactor (the same one that redacts its checkpoints and outcome). */
  redactor: SecretRedactor;
  writer: EventWriter;
  now: () => number;
  /** The lease owner the run's events are written under (absent: a run no process leases, e.g. paused). */
  fence?: string;
  /** Whether this process lost the run to another: nothing more is queued. */
  fenced?: () => boolean;
}): EventSink & { lastSeq(): number } {
  let seq = options.lastSeq;
  const { redactor } = options;
  const held = new Map<string, { body: DeltaBody; text: string }>();

  const record = (body: ExecutionEventBody): ExecutionEvent => {
    const event = redactor.redact({
      ...body,
      executionId: options.executionId,
      seq: seq + 1,
      at: new Date(options.now()).toISOString(),
    } as ExecutionEvent);
    const recorded = serialise(event, options.fence);
    seq++;
    if (!options.fenced?.()) options.writer.enqueue(recorded);
    return event;
  };

  const flushHeld = (): void => {
    for (const [key, entry] of held) {
      held.delete(key);
      if (entry.text !== '') record(withText(entry.body, redactor.redactText(entry.text)));
    }
  };

  return {
    emit(body: ExecutionEventBody): ExecutionEvent {
      if (redactor.active && isDelta(body)) return emitDelta(body, redactor, held, record);
      if (body.type !== 'tool_start') flushHeld();
      return record(body);
    },
    lastSeq: () => seq,
  };
}

function serialise(event: ExecutionEvent, fence: string | undefined): RecordedEvent {
  const refuse = () =>
    new FlowrunError(
      'NESTING_TOO_DEEP',
      `an event of type ${event.type} holds data nested deeper than ${maxJsonDepth} levels; it cannot be stored or streamed`,
    );
  if (valueTooDeep(event, maxEventDepth)) throw refuse();
  try {
    const json = JSON.stringify(event);
    return fence === undefined ? { event, json } : { event, json, fence };
  } catch {
    throw refuse();
  }
}

function isDelta(body: ExecutionEventBody): body is DeltaBody {
  return body.type === 'step_delta' || body.type === 'reasoning_delta' || body.type === 'tool_input_delta';
}

function textOf(body: DeltaBody): string {
  return body.type === 'tool_input_delta' ? body.delta : body.text;
}

function withText(body: DeltaBody, text: string): DeltaBody {
  return body.type === 'tool_input_delta' ? { ...body, delta: text } : { ...body, text };
}

function emitDelta(
  body: DeltaBody,
  redactor: SecretRedactor,
  held: Map<string, { body: DeltaBody; text: string }>,
  record: (body: ExecutionEventBody) => ExecutionEvent,
): ExecutionEvent {
  const key = `${body.type}:${body.type === 'tool_input_delta' ? body.toolCallId : body.partId}`;
  const text = (held.get(key)?.text ?? '') + textOf(body);
  // Everything but the last (longest − 1) characters can go, unless a secret found in the text crosses the cut.
  let cut = Math.max(0, text.length - (redactor.longest - 1));
  for (const [start, end] of redactor.ranges(text)) if (start < cut && end > cut) cut = end;
  held.set(key, { body, text: text.slice(cut) });
  const ready = text.slice(0, cut);
  if (ready === '') return { ...body, executionId: '', seq: 0, at: '' } as ExecutionEvent;
  return record(withText(body, redactor.redactText(ready)));
}
