import { z } from 'zod';

/**
 * `wait-until`'s bounds. A wait is a paused run with a wake-up time, so it may be long, but not unbounded; a
 * poll is never more often than once a second (the embedded sweep's default precision).
 */
export const waitUntilLimits = {
  maxWaitMs: 30 * 24 * 3600_000,
  pollIntervalMs: { default: 5_000, min: 1_000 },
  maxAttempts: { max: 10_000 },
  /** How long a poll waits for its condition when the config gives neither `timeoutMs` nor `maxAttempts`. */
  defaultTimeoutMs: 3600_000,
} as const;

const waitMs = (what: string) =>
  z.number().int().min(0).max(waitUntilLimits.maxWaitMs).describe(`${what}, in milliseconds (at most 30 days)`);

/** The condition a poll checks: an HTTP request through the same guarded path as `api-call`. */
export const WaitHttpCondition = z
  .object({
    type: z.literal('http'),
    url: z.string().min(1).max(10_000).describe('The address to check; {{variables}} and {{secret:KEY}} are filled in'),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'HEAD', 'get', 'post', 'put', 'patch', 'head']).default('GET'),
    headers: z.record(z.string(), z.string().max(10_000)).default({}).describe('Request headers; {{secret:KEY}} inserts a secret'),
    body: z.unknown().optional().describe('The request body (JSON, or text with {{variables}})'),
    path: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .describe('A path in the JSON answer (`data.status`); the condition holds when it is truthy'),
    equals: z.unknown().optional().describe('With `path`: the condition holds when the value there equals this'),
  })
  .loose();
export type WaitHttpCondition = z.infer<typeof WaitHttpCondition>;

/**
 * `wait-until`: a delay (`delayMs`, or `until` an ISO time) or a poll (`condition`, every `pollIntervalMs`, at
 * most `maxAttempts` times or for `timeoutMs`). Runtype's names are `condition`, `timeoutMs`, `pollIntervalMs`;
 * `intervalMs` is Flowrun's alias.
 */
export const WaitUntilConfig = z
  .object({
    delayMs: waitMs('How long to wait').optional(),
    until: z.iso.datetime({ offset: true }).optional().describe('Wait until this time (ISO 8601), at most 30 days ahead'),
    condition: WaitHttpCondition.optional().describe('Poll until this HTTP check answers 2xx (and `path` holds)'),
    pollIntervalMs: z.number().int().min(waitUntilLimits.pollIntervalMs.min).max(waitUntilLimits.maxWaitMs).optional(),
    intervalMs: z
      .number()
      .int()
      .min(waitUntilLimits.pollIntervalMs.min)
      .max(waitUntilLimits.maxWaitMs)
      .optional()
      .describe('Alias of pollIntervalMs (default 5000, at least 1000)'),
    maxAttempts: z.number().int().min(1).max(waitUntilLimits.maxAttempts.max).optional().describe('Most checks of the condition'),
    timeoutMs: waitMs('Longest the poll goes on (default 1 hour)').min(1).optional(),
    outputVariable: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('Name of the variable the result is saved as, for later steps to use as {{name}}'),
  })
  .loose()
  .superRefine((config, context) => {
    const given = (['delayMs', 'until', 'condition'] as const).filter((key) => config[key] !== undefined);
    if (given.length !== 1)
      context.addIssue({
        code: 'custom',
        path: [given[1] ?? 'delayMs'],
        message: 'wait-until needs exactly one of delayMs, until (a delay) or condition (a poll)',
      });
    if (config.pollIntervalMs !== undefined && config.intervalMs !== undefined && config.pollIntervalMs !== config.intervalMs)
      context.addIssue({ code: 'custom', path: ['intervalMs'], message: 'intervalMs is an alias of pollIntervalMs: give one' });
    if (config.condition === undefined)
      for (const key of ['pollIntervalMs', 'intervalMs', 'maxAttempts', 'timeoutMs'] as const)
        if (config[key] !== undefined) context.addIssue({ code: 'custom', path: [key], message: `${key} is for a poll (condition)` });
  });
export type WaitUntilConfig = z.infer<typeof WaitUntilConfig>;
