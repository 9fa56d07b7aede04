import type { z } from 'zod';
import { FlowrunError } from '../protocol/errors.js';
import { zodIssuesToDetails, type PathSegment } from '../protocol/zod-details.js';

/** Validates a body or query with zod; a mismatch is a 422 whose details name each field's path under `base`. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, base: PathSegment[] = []): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const details = zodIssuesToDetails(result.error, value, base);
    throw new FlowrunError('VALIDATION_ERROR', details[0]?.message ?? 'Invalid request', details);
  }
  return result.data;
}
