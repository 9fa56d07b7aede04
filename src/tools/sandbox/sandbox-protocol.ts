import type { ErrorCode } from '../../protocol/errors.js';

/** Messages between the sandbox pool and its worker threads. */
export interface SandboxTask {
  id: number;
  /** The body of an async function: it reads its inputs from globals and `return`s the result. */
  code: string;
  /** Globals defined before the code runs (JSON values only). */
  globals: Record<string, unknown>;
  timeoutMs: number;
  memoryBytes: number;
  maxResultBytes: number;
}

export type SandboxReply =
  | { id: number; ok: true; result: unknown; logs: string[] }
  | {
      id: number;
      ok: false;
      code: Extract<ErrorCode, 'SANDBOX_TIMEOUT' | 'SANDBOX_MEMORY' | 'SANDBOX_ERROR' | 'SANDBOX_RESULT'>;
      message: string;
      logs: string[];
    };
