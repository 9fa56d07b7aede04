import type { ExecutionEvent } from '../../protocol/execution-event.js';

export const dialects = ['travrse', 'runtype', 'unified'] as const;
export type Dialect = (typeof dialects)[number];

export interface WireFrame {
  event: string;
  id: number;
  data: Record<string, unknown>;
}

/** Maps one internal event to at most one frame, so `id:` is always the event's seq. */
export type Encoder = (event: ExecutionEvent) => WireFrame | null;

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
