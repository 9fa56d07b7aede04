import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestModel } from './closest-model.js';

const known = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet-latest', 'gemini-2.0-flash'];

test('a mistyped model id finds the catalog id it is close to', () => {
  assert.equal(closestModel('gpt-4o-mnii', known), 'gpt-4o-mini');
  assert.equal(closestModel('GPT-4O', known), 'gpt-4o');
  assert.equal(closestModel('claude-3-5-sonet-latest', known), 'claude-3-5-sonnet-latest');
});

test('an id far from every known one finds nothing', () => {
  assert.equal(closestModel('llama3', known), undefined);
  assert.equal(closestModel('my-private-model', known), undefined);
});
