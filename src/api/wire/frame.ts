import type { ExecutionEvent, StepRef } from '../../protocol/execution-event.js';
import { isToolKind } from '../../protocol/tool-kinds.js';
import type { WireFrame } from './dialect.js';

/**
 * The frame builder of a dialect whose frames repeat `executionId` and `seq` (Runtype legacy and unified), typed by
 * the dialect's frame fields: a frame name or a field the dialect does not have does not compile.
 */
export function stampedFramer<Fields>() {
  return <Name extends keyof Fields & string>(event: ExecutionEvent, name: Name, data: Fields[Name]): WireFrame<Name> => ({
    event: name,
    id: event.seq,
    data: { type: name, executionId: event.executionId, seq: event.seq, ...(data as Record<string, unknown>) },
  });
}

/**
 * A Travrse frame: `type` and the fields. `dataType` is for the frames whose data names a type of its own, as the
 * seed's tool-call `step_chunk` frames do (`data.type` is `tool_call` or `tool_result`).
 */
export function plainFramer<Fields>() {
  return <Name extends keyof Fields & string>(
    event: ExecutionEvent,
    name: Name,
    data: Fields[Name],
    dataType: string = name,
  ): WireFrame<Name> => ({
    event: name,
    id: event.seq,
    data: { type: dataType, ...(data as Record<string, unknown>) },
  });
}

/** The fields every dialect gives a step: its id, name, type and position. */
export function stepFields(event: StepRef): { id: string; name: string; stepType: string; index: number } {
  return { id: event.stepId, name: event.stepName, stepType: event.stepType, index: event.index };
}

/** A client tool's origin fields, on the frames that announce or await its call (only those it has). */
export function originFields(event: { origin?: string; pageOrigin?: string }): { origin?: string; pageOrigin?: string } {
  return { ...(event.origin ? { origin: event.origin } : {}), ...(event.pageOrigin ? { pageOrigin: event.pageOrigin } : {}) };
}

/** Tool types Runtype has that are no Flowrun tool kind. */
const runtypeOnlyToolTypes = ['advisor'];

/**
 * Runtype's tool type: every Flowrun tool kind keeps its name (Runtype has them all); a call of a tool the run does
 * not have (the model made it up) is reported as `custom`.
 */
export function runtypeToolType(toolType: string): string {
  return isToolKind(toolType) || runtypeOnlyToolTypes.includes(toolType) ? toolType : 'custom';
}
