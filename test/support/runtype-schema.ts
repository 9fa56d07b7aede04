import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

let validator: ValidateFunction | null = null;

/** Validates one Runtype legacy frame against `DispatchSSEEvent` of Runtype's published OpenAPI document. */
export function validateRuntypeFrame(data: unknown): string | null {
  if (!validator) {
    const schema = JSON.parse(readFileSync(new URL('../fixtures/dispatch-sse-event.schema.json', import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
    delete schema.$comment;
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addKeyword('example');
    validator = ajv.compile(schema);
  }
  if (validator(data)) return null;
  // anyOf errors are noisy: report those of the branch whose `type` matches.
  const type = (data as { type?: string }).type;
  const relevant = (validator.errors ?? []).filter((error) => !error.schemaPath.includes('/type/enum'));
  return `${type}: ${JSON.stringify(relevant.slice(0, 5))}`;
}
