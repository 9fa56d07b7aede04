import { test } from 'node:test';
import assert from 'node:assert/strict';
import { discoverParameters, expandParameters } from './parameters.js';

const templates = [
  {
    name: 'main',
    template: 'You write for [[brand]]. [[style_guide]] {# internal note #}',
    userTemplate: 'Describe [[product_name]] in a [[tone]] tone.',
  },
  { name: 'style_guide', template: 'Style: [[house_style]]<!-- hidden -->' },
  { name: 'loop_a', template: 'a [[loop_b]]' },
  { name: 'loop_b', template: 'b [[loop_a]]' },
];

test('expands parameters, composes templates recursively, strips comments and reports what stays unresolved', () => {
  const result = expandParameters(templates[0]!.template!, { brand: 'Acme', house_style: 'short' }, templates);
  assert.equal(result.text, 'You write for Acme. Style: short ');
  assert.deepEqual(result.unresolved, []);
  assert.deepEqual(result.usedParameters.sort(), ['brand', 'house_style']);
  const user = expandParameters(templates[0]!.userTemplate!, { product_name: 'Bottle' }, templates);
  assert.equal(user.text, 'Describe Bottle in a [[tone]] tone.');
  assert.deepEqual(user.unresolved, ['tone']);
});

test('a supplied parameter beats a same-named template; a cycle of templates is refused', () => {
  assert.equal(expandParameters('[[style_guide]]', { style_guide: 'override' }, templates).text, 'override');
  assert.throws(() => expandParameters('[[loop_a]]', {}, templates), /cycle: loop_a -> loop_b -> loop_a/);
});

test('discovers every token reachable from the entrypoint with its source', () => {
  assert.deepEqual(discoverParameters(templates[0]!, templates), [
    { token: 'brand', source: 'template', template: 'main' },
    { token: 'style_guide', source: 'composition', template: 'main' },
    { token: 'house_style', source: 'template', template: 'style_guide' },
    { token: 'product_name', source: 'template', template: 'main' },
    { token: 'tone', source: 'template', template: 'main' },
  ]);
});
