import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toolNamesFor } from './tool-names.js';

test('names providers accept pass unchanged; others get distinct aliases that map back', () => {
  const names = toolNamesFor(['lookup', 'crm.contacts.search', 'crm_contacts_search', 'crm:contacts:search', 'x'.repeat(80)]);
  assert.equal(names.toProvider('lookup'), 'lookup');
  assert.equal(names.toProvider('crm_contacts_search'), 'crm_contacts_search');
  const dotted = names.toProvider('crm.contacts.search');
  const coloned = names.toProvider('crm:contacts:search');
  assert.match(dotted, /^[A-Za-z0-9_-]{1,64}$/);
  assert.notEqual(dotted, 'crm_contacts_search', 'no clash with a real name');
  assert.notEqual(dotted, coloned);
  assert.equal(names.toProvider('x'.repeat(80)).length, 64);
  for (const name of ['lookup', 'crm.contacts.search', 'crm:contacts:search', 'x'.repeat(80)]) {
    assert.equal(names.fromProvider(names.toProvider(name)), name);
  }
});
