import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { DispatchOptions } from '../src/api/wire/dispatch-request.js';
import { AgentDefinition } from '../src/protocol/agent.js';
import { ReasoningConfig, ToolsConfig } from '../src/protocol/flow.js';
import { ignoredDispatchOptions, reportedAgentFields } from '../src/protocol/ignored-fields.js';

// Every field Runtype's OpenAPI document gives agents and dispatch options is either read by Flowrun's schemas
// (honoured) or reported as an IGNORED_FIELD warning: a field Runtype adds that is neither fails here.
// The document's copy in test/fixtures (a clone has no ../shared): its paths, and its 25 dispatch examples.
const document = JSON.parse(readFileSync('test/fixtures/runtype-openapi-mirrored.json', 'utf8')) as {
  paths: Record<string, Record<string, { requestBody?: { content: { 'application/json': { schema?: Schema } } } }>>;
};
const dispatchExamples = (
  JSON.parse(readFileSync('test/fixtures/runtype-dispatch-examples.json', 'utf8')) as { examples: Record<string, { value: unknown }> }
).examples;
interface Schema {
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
}

/** The keys a zod object schema reads, through optional, default, pipe and union wrappers. */
function keysOf(schema: z.ZodType): string[] {
  const def = (
    schema as unknown as {
      def: { type: string; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[]; shape?: Record<string, z.ZodType> };
    }
  ).def;
  if (def.type === 'object') return Object.keys(def.shape ?? {});
  if (def.innerType) return keysOf(def.innerType);
  if (def.in) return keysOf(def.in);
  if (def.options) return def.options.flatMap(keysOf);
  return [];
}
/** The schema of one field of an object schema (through its wrappers). */
function fieldOf(schema: z.ZodType, key: string): z.ZodType {
  const def = (schema as unknown as { def: { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType> } })
    .def;
  if (def.type === 'object') {
    const field = def.shape?.[key];
    assert.ok(field, `the schema has a ${key}`);
    return field;
  }
  const inner = def.innerType ?? def.in;
  assert.ok(inner, `no object schema around ${key}`);
  return fieldOf(inner, key);
}

const agentBody = document.paths['/v1/agents']!.post!.requestBody!.content['application/json'].schema!;
const propertiesOf = (schema: Schema | undefined): Record<string, Schema> =>
  schema?.properties ?? Object.assign({}, ...(schema?.anyOf ?? []).map((option) => option.properties ?? {}));

test("every agent field of Runtype's document is read by Flowrun or reported as ignored", () => {
  const topKeys = keysOf(AgentDefinition);
  const configKeys = keysOf(fieldOf(AgentDefinition, 'config'));
  const unaccounted: string[] = [];
  for (const key of Object.keys(propertiesOf(agentBody)))
    if (!topKeys.includes(key) && !reportedAgentFields.agent.includes(key)) unaccounted.push(`agent.${key}`);
  const config = propertiesOf(agentBody.properties!.config);
  for (const key of Object.keys(config))
    if (!configKeys.includes(key) && !reportedAgentFields.agent.includes(key)) unaccounted.push(`agent.config.${key}`);
  const toolsKeys = keysOf(ToolsConfig);
  for (const key of Object.keys(propertiesOf(config.tools)))
    if (!toolsKeys.includes(key) && !reportedAgentFields.tools.includes(key)) unaccounted.push(`agent.config.tools.${key}`);
  // The settings objects Flowrun reads: each of their documented fields too.
  const nested: Record<string, string[]> = {
    loopConfig: keysOf(fieldOf(fieldOf(AgentDefinition, 'config'), 'loopConfig')),
    reasoning: keysOf(ReasoningConfig),
    errorHandling: keysOf(fieldOf(fieldOf(AgentDefinition, 'config'), 'errorHandling')),
    artifacts: keysOf(fieldOf(fieldOf(AgentDefinition, 'config'), 'artifacts')),
  };
  for (const [name, known] of Object.entries(nested))
    for (const key of Object.keys(propertiesOf(config[name]))) if (!known.includes(key)) unaccounted.push(`agent.config.${name}.${key}`);
  assert.deepEqual(unaccounted, [], 'documented agent fields Flowrun neither reads nor reports');
});

test("every dispatch option of Runtype's examples is read by Flowrun's schema, and those it does not act on are reported", () => {
  const examples = dispatchExamples;
  const optionKeys = new Set<string>();
  for (const { value } of Object.values(examples))
    for (const key of Object.keys((value as { options?: object }).options ?? {})) optionKeys.add(key);
  assert.ok(optionKeys.size > 3, 'the examples set options');
  const known = keysOf(DispatchOptions);
  assert.deepEqual(
    [...optionKeys].filter((key) => !known.includes(key)),
    [],
    'options of the examples that Flowrun does not read',
  );
  assert.deepEqual(
    ignoredDispatchOptions({ storeResults: false, debugMode: true, upsertOptions: { allowOverwriteExternalChanges: false } }).map(
      (field) => field.field,
    ),
    ['options.upsertOptions.allowOverwriteExternalChanges', 'options.storeResults', 'options.debugMode'],
  );
});
