import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonTextTooDeep, JsonTooDeepError, parseJsonBounded, valueTooDeep } from './json-depth.js';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

test('text depth counts objects and arrays outside strings only', () => {
  assert.equal(jsonTextTooDeep(nested(128)), false);
  assert.equal(jsonTextTooDeep(nested(129)), true);
  assert.equal(jsonTextTooDeep(JSON.stringify({ a: '[[[[[[[[[[' })), false);
  assert.equal(jsonTextTooDeep(JSON.stringify({ a: '\\"[[[[' }), 3), false);
  assert.equal(jsonTextTooDeep('{"a":{"b":{"c":{}}}}', 3), true);
  assert.equal(jsonTextTooDeep('['.repeat(40_000), 128), true);
});

test('value depth is measured without recursion, even 100,000 levels deep', () => {
  let deep: unknown = [];
  for (let index = 0; index < 100_000; index++) deep = [deep];
  assert.equal(valueTooDeep(deep), true);
  assert.equal(valueTooDeep({ a: [{ b: 1 }] }, 3), false);
  assert.equal(valueTooDeep({ a: [{ b: {} }] }, 3), true);
  assert.equal(valueTooDeep('x'), false);
});

test('parseJsonBounded refuses deep text before parsing and parses the rest', () => {
  assert.throws(
    () => parseJsonBounded(nested(3000), 'the body'),
    (error: unknown) => JsonTooDeepError.isInstance(error) && /the body is nested deeper than 128/.test(error.message),
  );
  assert.deepEqual(parseJsonBounded('{"a":[1]}', 'x'), { a: [1] });
  assert.throws(() => parseJsonBounded('{', 'x'), SyntaxError);
});
