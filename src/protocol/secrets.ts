import { z } from 'zod';

/**
 * What a request may carry as the run's secrets (`secrets` on dispatch, resume and a tool test). Every secret is
 * redacted from everything a run stores or streams, so the set is bounded: a secret shorter than
 * `minSecretLength` cannot be told apart from ordinary text (an empty one hides nothing and is allowed), and the
 * count and total size bound the work of building the redactor.
 */
export const secretLimits = {
  minLength: 4,
  maxCount: 1000,
  maxValueLength: 32_768,
  maxTotalLength: 32_768,
  maxNameLength: 256,
};

const secretValue = z
  .string()
  .max(secretLimits.maxValueLength)
  .refine((value) => value === '' || value.length >= secretLimits.minLength, {
    message: `A secret must be empty or at least ${secretLimits.minLength} characters: a shorter one cannot be redacted from the run's output`,
  });

/** Counted before any entry is checked, so a body of 150,000 secrets is refused without walking them. */
const withinCount = (value: unknown): boolean =>
  value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length <= secretLimits.maxCount;

export const RunSecrets = z
  .custom<Record<string, unknown>>(withinCount, { message: `At most ${secretLimits.maxCount} secrets may be sent with one request` })
  // What the API description shows (a custom check has no JSON Schema of its own).
  .meta({
    type: 'object',
    maxProperties: secretLimits.maxCount,
    additionalProperties: { type: 'string', maxLength: secretLimits.maxValueLength },
    description: `name → value; each empty or ${secretLimits.minLength}+ characters, at most ${secretLimits.maxCount} totalling ${secretLimits.maxTotalLength} characters`,
  } as Record<string, unknown>)
  .pipe(z.record(z.string().min(1).max(secretLimits.maxNameLength), secretValue))
  .refine((secrets) => Object.values(secrets).reduce((sum, value) => sum + value.length, 0) <= secretLimits.maxTotalLength, {
    message: `The secrets may total at most ${secretLimits.maxTotalLength} characters`,
  });
