import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifySchemaCompiler, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { FlowrunError } from '../protocol/errors.js';
import { zodIssuesToDetails, type PathSegment } from '../protocol/zod-details.js';
import { dialects } from './wire/dialect.js';

/** The app as routes see it: params, query and body typed by the zod schemas of each route. */
export type ZodApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

const bases: Record<string, PathSegment[]> = { body: [], querystring: ['query'], params: ['params'], headers: ['headers'] };

/**
 * Validates each part of a request with its route's zod schema; a mismatch is a 422 in Runtype's error body,
 * with each field's path (`params.id`, `query.limit`, `flow.steps[0].type`), exactly like a bad body.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  if (httpPart === 'body' && validatedInHandler.has(schema)) return (data) => ({ value: data });
  return (data) => {
    const result = schema.safeParse(data ?? {});
    if (result.success) return { value: result.data };
    const details = zodIssuesToDetails(result.error, data, bases[httpPart ?? 'body'] ?? []);
    return { error: new FlowrunError('VALIDATION_ERROR', details[0]?.message ?? 'Invalid request', details) };
  };
};

const validatedInHandler = new WeakSet<z.ZodType>();

/**
 * What every Flowrun HTTP listener (the API, a worker's) needs before routes with zod schemas are added: zod
 * validation with Runtype-style errors, and plain JSON.stringify answers (response schemas describe answers for
 * /openapi.json and its test; they do not reshape them).
 */
export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

/**
 * A route's body schema for /openapi.json whose checking stays in the handler (`parseInput` with the same schema,
 * after what the handler checks first: the caller's flow, a snake_case spelling, the dialect): the description and
 * the validation are one schema, and the errors stay as they were.
 */
export function describedBody<T extends z.ZodType>(schema: T): T {
  validatedInHandler.add(schema);
  return schema;
}

/** The error body of every refusal (Runtype's): what /openapi.json says each route answers with 4xx and 5xx. */
export const ErrorBody = z.object({
  error: z.string(),
  code: z.string(),
  details: z.array(
    z.object({ message: z.string(), code: z.string().optional(), path: z.string().optional(), suggestion: z.string().optional() }).loose(),
  ),
});

const identifier = z.string().min(1).max(256);

/** The schema of a route's path parameters, each a non-empty string of at most 256 characters. */
export function routeParams<const Names extends string>(...names: Names[]): z.ZodObject<{ [Name in Names]: typeof identifier }> {
  return z.object(Object.fromEntries(names.map((name) => [name, identifier]))) as unknown as z.ZodObject<{
    [Name in Names]: typeof identifier;
  }>;
}

/** `?events=travrse|runtype|unified`, the event vocabulary of a streamed response. */
export const EventsQuery = z.object({ events: z.enum(dialects).optional() }).loose();
