import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate, renderValue } from './template.js';
import { FlowrunError } from '../protocol/errors.js';

const scope = {
  _record: { name: 'Q4', metadata: { region: 'EU', items: [{ sku: 'a1' }, { sku: 'b2' }], deep: { x: { y: 7 } } } },
  result: { score: 0.9 },
  list: ['zero', 'one'],
};

test('renders nested record metadata, arrays by index and output fields', () => {
  const rendered = renderTemplate(
    '{{_record.name}} {{ _record.metadata.region }} {{_record.metadata.items[1].sku}} {{_record.metadata.items.0.sku}} {{_record.metadata.deep.x.y}} {{result.score}} {{list[1]}}',
    scope,
  );
  assert.equal(rendered.text, 'Q4 EU b2 a1 7 0.9 one');
  assert.deepEqual(rendered.unresolved, []);
});

test('reports each unresolved name once and renders it empty', () => {
  const rendered = renderTemplate('a{{missing}}b{{missing}}c{{_record.metadata.nope}}', scope);
  assert.equal(rendered.text, 'abc');
  assert.deepEqual(rendered.unresolved, ['missing', '_record.metadata.nope']);
});

test('objects render as JSON, and an exact placeholder keeps its type in values', () => {
  assert.equal(renderTemplate('{{result}}', scope).text, '{"score":0.9}');
  const unresolved: string[] = [];
  assert.deepEqual(renderValue({ r: '{{result}}', s: 'x {{list[0]}}' }, scope, unresolved), { r: { score: 0.9 }, s: 'x zero' });
});

test('does not walk the prototype chain', () => {
  assert.deepEqual(renderTemplate('{{result.constructor}}{{__proto__}}', scope).unresolved, ['result.constructor', '__proto__']);
});

test('{{secret:KEY}} renders a managed secret of the run, and one the run has not throws SECRET_NOT_FOUND naming it', () => {
  const scope = { secrets: { 'secret:API_TOKEN': 'value-1234', plain: 'p' } };
  assert.equal(renderTemplate('Bearer {{secret:API_TOKEN}}', scope).text, 'Bearer value-1234');
  assert.deepEqual(renderValue({ token: '{{ secret:API_TOKEN }}' }, scope, []), { token: 'value-1234' });
  assert.equal(renderTemplate('{{secrets.plain}}', scope).text, 'p');
  assert.throws(
    () => renderTemplate('Bearer {{secret:MISSING}}', scope),
    (error: unknown) => FlowrunError.isInstance(error) && error.code === 'SECRET_NOT_FOUND' && error.message.includes("'MISSING'"),
  );
  assert.throws(() => renderTemplate('{{secret:plain}}', scope), /SECRET_NOT_FOUND|plain/);
});
