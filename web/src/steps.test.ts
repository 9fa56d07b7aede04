import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EditorStep } from './flow-json.js';
import { editList, insertStep, moveStep, newStep, removeStep, stepAt, updateStep, variablesBefore } from './steps.js';

const step = (id: string, config: Record<string, unknown> = {}, type = 'prompt'): EditorStep => ({ id, name: id, type, config });
const flow = (): EditorStep[] => [
  step('ask', { outputVariable: 'answer' }),
  step('check', { condition: 'answer', trueSteps: [step('yes', { outputVariable: 'yes_out' })], falseSteps: [step('no')] }, 'conditional'),
  step('after', { outputVariable: 'final' }),
];

test('a path reaches a step inside a branch, and edits write back without touching the original', () => {
  const steps = flow();
  assert.equal(stepAt(steps, [1, 'trueSteps', 0])?.id, 'yes');
  const renamed = updateStep(steps, [1, 'falseSteps', 0], (found) => ({ ...found, name: 'nope' }));
  assert.equal(stepAt(renamed, [1, 'falseSteps', 0])?.name, 'nope');
  assert.equal(stepAt(steps, [1, 'falseSteps', 0])?.name, 'no');
  const appended = editList(steps, [1, 'trueSteps'], (list) => [...list, step('more')]);
  assert.deepEqual(
    (stepAt(appended, [1])!.config.trueSteps as EditorStep[]).map((found) => found.id),
    ['yes', 'more'],
  );
});

test('moving and removing keep to the step’s own list', () => {
  assert.deepEqual(
    moveStep(flow(), [2], -1).map((found) => found.id),
    ['ask', 'after', 'check'],
  );
  assert.deepEqual(
    moveStep(flow(), [0], -1).map((found) => found.id),
    ['ask', 'check', 'after'],
  );
  assert.deepEqual(removeStep(flow(), [1, 'trueSteps', 0])[1]!.config.trueSteps, []);
});

test('the variables in reach of a step are those set before it, branches included on the way', () => {
  assert.deepEqual(variablesBefore(flow(), [0]), []);
  assert.deepEqual(variablesBefore(flow(), [1, 'trueSteps', 0]), ['answer']);
  assert.deepEqual(variablesBefore(flow(), [2]), ['answer', 'yes_out']);
});

test('a new step gets an id no step has', () => {
  const steps = [step('step_2'), step('step_3')];
  const added = newStep('template', steps);
  assert.equal(added.type, 'template');
  assert.ok(!steps.some((found) => found.id === added.id));
});

test('a new step goes after the selected one, at the end without one, or at the end of a chosen branch', () => {
  const added = step('added');
  assert.deepEqual(insertStep(flow(), [0], added).path, [1]);
  assert.deepEqual(
    insertStep(flow(), [0], added).steps.map((found) => found.id),
    ['ask', 'added', 'check', 'after'],
  );
  assert.deepEqual(insertStep(flow(), null, added).path, [3]);
  const inBranch = insertStep(flow(), [1], added, 'falseSteps');
  assert.deepEqual(inBranch.path, [1, 'falseSteps', 1]);
  assert.equal(stepAt(inBranch.steps, inBranch.path)?.id, 'added');
});
