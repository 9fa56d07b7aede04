import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldLabel } from './field-label.js';

test('config keys read as labels: words split, acronyms kept, the known ones said plainly', () => {
  assert.equal(fieldLabel('userPrompt'), 'Prompt');
  assert.equal(fieldLabel('outputVariable'), 'Save the result as');
  assert.equal(fieldLabel('frequencyPenalty'), 'Frequency penalty');
  assert.equal(fieldLabel('recordId'), 'Record id');
  assert.equal(fieldLabel('url'), 'URL');
  assert.equal(fieldLabel('responseType'), 'Response type');
  assert.equal(fieldLabel('fallback_models'), 'Fallback models');
});
