import type { EventSink } from '../engine/ports.js';
import type { ExecutionEvent, ExecutionEventBody } from '../protocol/execution-event.js';
import type { EventBus } from './event-bus.js';
import type { EventWriter } from './event-writer.js';

/**
 * The EventSink of one run: numbers events from `lastSeq + 1`, removes secret values from them, publishes
 * them at once and queues them for group commit.
 */
export function createExecutionRecorder(options: {
  executionId: string;
  lastSeq: number;
  secrets: Record<string, string>;
  bus: EventBus;
  writer: EventWriter;
  now: () => number;
}): EventSink & { lastSeq(): number } {
  let seq = options.lastSeq;
  const redact = createRedactor(Object.values(options.secrets));
  return {
    emit(body: ExecutionEventBody): ExecutionEvent {
      seq++;
      const event = redact({ ...body, executionId: options.executionId, seq, at: new Date(options.now()).toISOString() } as ExecutionEvent);
      options.writer.enqueue(event);
      options.bus.publish(event);
      return event;
    },
    lastSeq: () => seq,
  };
}

/** Replaces every secret value (4+ characters) anywhere in an event with `[REDACTED]`. */
export function createRedactor(secrets: string[]): <T>(value: T) => T {
  const needles = secrets.filter((secret) => typeof secret === 'string' && secret.length >= 4).map((secret) => JSON.stringify(secret).slice(1, -1));
  if (needles.length === 0) return (value) => value;
  return (value) => {
    let json = JSON.stringify(value);
    for (const needle of needles) json = json.split(needle).join('[REDACTED]');
    return JSON.parse(json);
  };
}
