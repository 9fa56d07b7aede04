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

/**
 * Managed secrets (`{{secret:KEY}}`, `/v1/secrets`) travel with a run in the same map as the dispatch-scoped ones
 * (`{{secrets.k}}`), under `secret:KEY`: they are sealed on the run's row, carried to a worker and redacted from
 * everything the run stores or streams exactly as those are. No dispatch-scoped name can shadow one: a managed
 * secret loaded for the run is written over a dispatched `secret:KEY`.
 */
export const managedSecretName = (key: string): string => `secret:${key}`;

/** The key a `{{secret:KEY}}` expression names, or null when the expression is something else. */
export function managedSecretKey(expression: string): string | null {
  return expression.startsWith('secret:') ? expression.slice('secret:'.length).trim() : null;
}

/** Every key `text` references as `{{secret:KEY}}`, once each, in order of first use. */
export function managedSecretReferences(text: string): string[] {
  const keys = new Set<string>();
  for (const match of text.matchAll(/\{\{\s*secret:\s*([^{}\s]+)\s*\}\}/g)) keys.add(match[1]!);
  return [...keys];
}
