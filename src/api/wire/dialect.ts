import type { ExecutionEvent } from '../../protocol/execution-event.js';

export const dialects = ['travrse', 'runtype', 'unified'] as const;
export type Dialect = (typeof dialects)[number];

/** One SSE frame; `Name` is the dialect's closed set of frame names. */
export interface WireFrame<Name extends string = string> {
  event: Name;
  id: number;
  data: Record<string, unknown>;
}

/** Maps one internal event to at most one frame, so `id:` is always the event's seq. */
export type Encoder = (event: ExecutionEvent) => WireFrame | null;

/**
 * A dialect: one handler per internal event type, each saying which frame (or none) it sends. A new internal
 * event does not compile until every dialect has its handler; a frame name outside `Name` does not compile.
 */
export type EventHandlers<Name extends string> = { [E in ExecutionEvent as E['type']]: (event: E) => WireFrame<Name> | null };

export function encoderFrom<Name extends string>(handlers: EventHandlers<Name>): Encoder {
  return (event) => (handlers[event.type] as (event: ExecutionEvent) => WireFrame<Name> | null)(event);
}

export interface EncoderContext {
  flowId: string | null;
  flowName: string;
  /** Set for agent runs: they speak the agent_* (legacy) or turn_* (unified) events. */
  agent?: { id: string; name: string; maxTurns: number; model?: string };
}

/**
 * `?events=` wins; else Runtype's chat widget (it sends `X-Persona-Version`) gets unified events; else a body
 * written in Travrse's snake_case gets Travrse events; any other caller gets Runtype legacy events.
 */
export function chooseDialect(query: string | undefined, personaVersion: string | undefined, snakeCase: boolean): Dialect {
  if (query && (dialects as readonly string[]).includes(query)) return query as Dialect;
  if (personaVersion) return 'unified';
  return snakeCase ? 'travrse' : 'runtype';
}

export function isDialect(value: unknown): value is Dialect {
  return typeof value === 'string' && (dialects as readonly string[]).includes(value);
}

export function outputText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
