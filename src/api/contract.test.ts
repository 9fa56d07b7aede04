import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { apiTypesFile, generateApiTypes } from './contract-types.js';
import { implementedStepTypes } from '../engine/steps/registry.js';
import { typeOfSchema } from './json-schema-to-ts.js';

test("the client's API types are the ones generated from the server's schemas", async () => {
  const expected = await generateApiTypes();
  const actual = readFileSync(apiTypesFile, 'utf8');
  assert.ok(actual === expected, `${apiTypesFile} is out of date with src/api/contract.ts: run \`npm run generate:api-types\``);
});

test('routes define no schema of their own: each takes its schemas from the contract', () => {
  const dir = 'src/api/routes';
  const adHoc = readdirSync(dir)
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
    .filter((name) =>
      /\bz\.(object|array|string|number|boolean|enum|record|union|literal|coerce)\b/.test(readFileSync(`${dir}/${name}`, 'utf8')),
    );
  assert.deepEqual(adHoc, [], 'move these schemas into src/api/request-schemas.ts or response-schemas.ts (src/api/contract.ts names them)');
});

test('a JSON Schema becomes the TypeScript type it describes', () => {
  const type = typeOfSchema({
    type: 'object',
    properties: {
      id: { type: 'string' },
      count: { type: 'integer' },
      status: { type: 'string', enum: ['queued', 'done'] },
      parent: { anyOf: [{ $ref: 'Node' }, { type: 'null' }] },
      tags: { type: 'array', items: { type: 'string' } },
      meta: { type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} } as never,
      'odd-key': { const: 1 },
      anything: {},
    },
    required: ['id', 'status', 'parent'],
    additionalProperties: {},
  });
  assert.equal(
    type,
    [
      '{',
      'id: string;',
      'count?: number;',
      "status: 'queued' | 'done';".replaceAll("'", '"'),
      'parent: Node | null;',
      'tags?: string[];',
      'meta?: Record<string, unknown>;',
      '"odd-key"?: 1;',
      'anything?: unknown;',
      '[field: string]: unknown;',
      '}',
    ].join('\n'),
  );
  assert.equal(typeOfSchema({ type: ['string', 'null'] }), 'string | null');
  assert.equal(
    typeOfSchema({
      type: 'array',
      items: { type: 'object', properties: { a: { type: 'number' } }, required: ['a'], additionalProperties: false },
    }),
    'Array<{\na: number;\n}>',
  );
});

test("the client's Step is the union of the step types the server runs, from the step registry", async () => {
  const generated = await generateApiTypes();
  const step = /export type Step =([\s\S]*?)\n\nexport /.exec(generated)?.[1] ?? '';
  const members = [...step.matchAll(/^ {6}type: '([a-z-]+)';$/gm)].map((match) => match[1]);
  assert.deepEqual(members.sort(), [...implementedStepTypes].sort());
  assert.match(step, /trueSteps\?: Array<string \| Step>;/, "a conditional's branches are steps or step ids");
});
