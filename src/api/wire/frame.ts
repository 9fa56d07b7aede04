import type { ExecutionEvent, StepRef } from '../../protocol/execution-event.js';
import type { WireFrame } from './dialect.js';

/** A frame whose data repeats `executionId` and `seq` (Runtype legacy and unified). */
export function stampedFrame<Name extends string>(event: ExecutionEvent, name: Name, data: Record<string, unknown>): WireFrame<Name> {
  return { event: name, id: event.seq, data: { type: name, executionId: event.executionId, seq: event.seq, ...data } };
}

/**
 * A Travrse frame: `type` and the fields. `dataType` is for the frames whose data names a type of its own, as the
 * seed's tool-call `step_chunk` frames do (`data.type` is `tool_call` or `tool_result`).
 */
export function plainFrame<Name extends string>(
  event: ExecutionEvent,
  name: Name,
  data: Record<string, unknown>,
  dataType: string = name,
): WireFrame<Name> {
  return { event: name, id: event.seq, data: { type: dataType, ...data } };
}

/** The fields every dialect gives a step: its id, name, type and position. */
export function stepFields(event: StepRef): { id: string; name: string; stepType: string; index: number } {
  return { id: event.stepId, name: event.stepName, stepType: event.stepType, index: event.index };
}
