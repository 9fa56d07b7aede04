import { Ajv, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';

/**
 * `pattern` and `patternProperties` come from API users (a prompt step's `responseSchema`) and are matched
 * against model output: they run on RE2 (linear time), never on the backtracking RegExp engine, so a pattern
 * like `^(a+)+$` cannot stall the server. Patterns RE2 does not support (back-references, look-around) make
 * the schema invalid.
 */
function re2Engine(pattern: string, flags: string): { test: (text: string) => boolean } {
  const compiled = RE2JS.compile(pattern, flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0);
  return { test: (text: string) => compiled.test(text) };
}
re2Engine.code = 'require("re2js").RE2JS.compile';

const ajv = new Ajv({ strict: false, allErrors: true, code: { regExp: re2Engine } });
const compiled = new Map<string, ValidateFunction>();

/** null when `value` matches the JSON Schema, else a short description of what does not. */
export function schemaProblems(schema: Record<string, unknown>, value: unknown): string | null {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    if (compiled.size > 500) compiled.clear();
    compiled.set(key, validate);
  }
  if (validate(value)) return null;
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((error) => `${error.instancePath || '(root)'} ${error.message}`)
    .join('; ');
}
