import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateExpression, parseExpression } from './expression.js';
import { lookupPath } from './template.js';

function run(source: string, scope: Record<string, unknown>): unknown {
  return evaluateExpression(parseExpression(source), scope, (path) => lookupPath(scope, path));
}

const scope = { score: 0.8, name: 'Ada', tags: ['a', 'b'], _record: { metadata: { tier: 'gold', n: 3 } } };

test('evaluates comparisons, logic, precedence and ternaries', () => {
  assert.equal(run('score > 0.5 && name === "Ada"', scope), true);
  assert.equal(run('1 + 2 * 3 === 7', scope), true);
  assert.equal(run('!(score < 0.5) || false', scope), true);
  assert.equal(run('_record.metadata.n >= 3 ? "many" : "few"', scope), 'many');
  assert.equal(run("{{_record.metadata.tier}} == 'gold'", scope), true);
  assert.equal(run('tags.includes("b") && tags.length == 2 && name.toLowerCase() === "ada"', scope), true);
});

test('refuses syntax it does not know and never reaches the prototype', () => {
  assert.throws(() => parseExpression('score >'));
  assert.throws(() => parseExpression('process.exit(1)'), /not allowed/);
  assert.throws(() => parseExpression('a = 1'));
  assert.equal(run('name.constructor', scope), undefined);
  assert.equal(run('missing.deep.path', scope), undefined);
});
