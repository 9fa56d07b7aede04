import type { ExecutionEvent } from '../../protocol/execution-event.js';
import type { Encoder } from './dialect.js';

type WarningEvent = Extract<ExecutionEvent, { type: 'warning' }>;

/** A warning as Runtype's frames carry it, in their `warnings` field. */
export function carriedWarning(event: WarningEvent): Record<string, unknown> {
  return {
    code: event.code,
    message: event.message,
    ...(event.setting ? { setting: event.setting } : {}),
    ...(event.field ? { field: event.field } : {}),
    ...(event.variable ? { variable: event.variable } : {}),
    ...(event.suggestion ? { suggestion: event.suggestion } : {}),
    ...(event.stepId ? { stepId: event.stepId } : {}),
    timestamp: event.at,
  };
}

/**
 * Runtype's vocabularies have no warning frame, and every frame of theirs allows extra fields: a warning goes out
 * as `warnings: [...]` on the next frame this stream sends, whatever its type (the next one, not a later
 * `step_complete`, so it arrives at once and survives a reconnection: the events between the warning and that
 * frame send nothing, so a `Last-Event-ID` is either before the warning, which is then replayed, or at or after
 * the frame that carried it). The state is the stream's: one encoder per stream.
 */
export function carryWarnings(encode: Encoder): Encoder {
  let pending: Array<Record<string, unknown>> = [];
  return (event) => {
    if (event.type === 'warning') {
      pending.push(carriedWarning(event));
      return null;
    }
    const frame = encode(event);
    if (!frame || pending.length === 0) return frame;
    const warnings = pending;
    pending = [];
    return { ...frame, data: { ...frame.data, warnings } };
  };
}
