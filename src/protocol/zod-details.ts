import type { z } from 'zod';
import { errorCatalogue, type ErrorCode, type ErrorDetail } from './errors.js';

export type PathSegment = string | number;

/** `['flow','steps',0,'config']` → `flow.steps[0].config` */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${segment}` : segment;
  }
  return text;
}

/** Turns zod issues into Runtype error details, each naming the field path and a stable code. */
export function zodIssuesToDetails(error: z.ZodError, input: unknown, basePath: readonly PathSegment[] = []): ErrorDetail[] {
  return error.issues.slice(0, 50).map((issue) => {
    const path = [...basePath, ...(issue.path as PathSegment[])];
    const value = valueAt(input, issue.path as PathSegment[]);
    let code: ErrorCode = 'INVALID_VALUE';
    let message = issue.message;
    if (issue.code === 'invalid_type') {
      code = value === undefined ? 'MISSING_REQUIRED_FIELD' : 'INVALID_TYPE';
      message =
        value === undefined ? `${formatPath(path) || 'body'} is required` : `expected ${issue.expected}, received ${describe(value)}`;
    } else if (issue.code === 'invalid_value') {
      code = 'INVALID_ENUM';
      message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; received ${JSON.stringify(value)}`;
    } else if (issue.code === 'unrecognized_keys') {
      message = `unknown field(s): ${issue.keys.join(', ')}`;
    } else if (issue.code === 'invalid_union') {
      code = value === undefined ? 'MISSING_REQUIRED_FIELD' : 'INVALID_TYPE';
    } else if (issue.code === 'custom' && isErrorCode(issue.params?.code)) {
      code = issue.params.code;
      const suggestion = issue.params.suggestion;
      if (typeof suggestion === 'string')
        return { message: `${formatPath(path) || 'body'}: ${message}`, code, path: formatPath(path), suggestion };
    }
    return { message: `${formatPath(path) || 'body'}: ${message}`, code, path: formatPath(path) };
  });
}

/** A custom issue may name its detail's code (and a suggestion) in `params`: e.g. `UNSUPPORTED_LANGUAGE`. */
function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(errorCatalogue, value);
}

function valueAt(input: unknown, path: readonly PathSegment[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment as string];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
