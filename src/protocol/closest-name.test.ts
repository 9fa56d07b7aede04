import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closestName } from './closest-name.js';

const known = ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-sonnet-latest', 'gemini-2.0-flash'];

test('a mistyped model id finds the catalog id it is close to', () => {
  assert.equal(closestName('gpt-4o-mnii', known), 'gpt-4o-mini');
  assert.equal(closestName('GPT-4O', known), 'gpt-4o');
  assert.equal(closestName('claude-3-5-sonet-latest', known), 'claude-3-5-sonnet-latest');
});

test('an id far from every known one finds nothing', () => {
  assert.equal(closestName('llama3', known), undefined);
  assert.equal(closestName('my-private-model', known), undefined);
});

test('step types, config keys and variables find their near names, swapped letters included', () => {
  assert.equal(closestName('promt', ['set-variable', 'prompt', 'template']), 'prompt');
  assert.equal(closestName('userPromt', ['model', 'userPrompt', 'systemPrompt']), 'userPrompt');
  assert.equal(closestName('nmae', ['topic', 'name']), 'name');
});

test('a short name is not "close" to every other short name', () => {
  assert.equal(closestName('ab', ['xy', 'id']), undefined);
  assert.equal(closestName('x', ['y']), undefined);
});
