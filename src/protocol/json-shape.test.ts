import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonShapeProblem } from './json-shape.js';

const limits = { maxDepth: 4, maxObjectMembers: 3, maxDistinctNames: 6, maxValues: 12 };

test('ordinary JSON within the limits has no problem', () => {
  for (const text of ['{}', '[]', '1', '"x"', '{"a":[1,2,3,4,5,6],"b":{"c":"{[\\"]}"}}', '[{"a":1},{"a":2},{"a":3},{"a":4}]'])
    assert.equal(jsonShapeProblem(text, limits), null, text);
});

test('an object with too many members is named by its path', () => {
  assert.deepEqual(jsonShapeProblem('{"secrets":{"a":"1","b":"2","c":"3","d":"4"}}', limits), {
    code: 'PAYLOAD_TOO_LARGE',
    message: '`secrets` has more than 3 fields',
    path: 'secrets',
  });
  assert.equal(jsonShapeProblem('{"x":[true, 12, "s", {"a":1,"b":2,"c":3,"d":4}]}', limits)?.path, 'x[3]');
  assert.equal(jsonShapeProblem('{"a\\"b":{"k":[null,{"a":1,"b":2,"c":3,"d":4}]}}', limits)?.path, 'a"b.k[1]');
  assert.equal(jsonShapeProblem('{"a":1,"b":2,"c":3,"d":4}', limits)?.message, 'The request body has more than 3 fields');
});

test('too many distinct names in all, or too deep, is refused; names repeated across records are not counted twice', () => {
  assert.equal(
    jsonShapeProblem('[{"a":1,"b":1},{"c":1,"d":1},{"e":1,"f":1},{"g":1}]', limits)?.message,
    'The request body has more than 6 distinct field names',
  );
  assert.equal(
    jsonShapeProblem(JSON.stringify(Array.from({ length: 100 }, () => ({ a: 1, b: 2, c: 3 }))), { ...limits, maxValues: 1000 }),
    null,
  );
  assert.equal(jsonShapeProblem('[[[[[1]]]]]', limits)?.code, 'NESTING_TOO_DEEP');
  assert.equal(jsonShapeProblem('[[[[1]]]]', limits), null);
});

test('more values in all than the limit is refused, members of arrays and of objects alike', () => {
  assert.equal(jsonShapeProblem('[1,2,3,4,5,6,7,8,9,10,11,12]', limits), null);
  assert.equal(jsonShapeProblem('[1,2,3,4,5,6,7,8,9,10,11,12,13]', limits)?.message, 'The request body has more than 12 values');
  // 10 values: 1, the array, 2, 3, the object, a, b, 5, 6, "s".
  assert.equal(jsonShapeProblem('[1,[2,3],{"a":4,"b":[5,6]},"s"]', limits), null);
  assert.equal(jsonShapeProblem('[1,[2,3],{"a":4,"b":[5,6]},"s",true,-1.5e3,null]', limits)?.code, 'PAYLOAD_TOO_LARGE');
  assert.equal(jsonShapeProblem('[1,[2,3],{"a":4,"b":[5,6]},"s",true,-1.5e3]', limits), null);
});
