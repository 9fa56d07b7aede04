import { test } from 'node:test';
import assert from 'node:assert/strict';
import { knownStepTypes, type Step } from '../../protocol/flow.js';
import { validateFlowSteps } from '../validate-flow.js';
import { childStepsOf, implementedStepTypes, stepRegistry, walkSteps } from './registry.js';

const models = { resolve: () => ({ ok: true as const, provider: 'test', modelId: 'test' }) };

test('every implemented step type is a documented Runtype type with a runner and a config schema', () => {
  for (const type of implementedStepTypes) {
    assert.ok((knownStepTypes as readonly string[]).includes(type), type);
    assert.equal(typeof stepRegistry[type].run, 'function');
    assert.equal(typeof stepRegistry[type].config.safeParse, 'function');
  }
});

test('walkSteps visits nested branches once each, in order, and childStepsOf reads them from the registry', () => {
  const steps = validateFlowSteps(
    [
      { id: 'a', name: 'A', type: 'set-variable', config: { variableName: 'x', value: 1 } },
      {
        id: 'c',
        name: 'C',
        type: 'conditional',
        config: {
          condition: 'x > 0',
          trueSteps: [
            't',
            { id: 'inner', name: 'I', type: 'conditional', config: { condition: 'true', trueSteps: ['u'], falseSteps: [] } },
          ],
          falseSteps: [],
        },
      },
      { id: 't', name: 'T', type: 'template', config: { template: 'yes' } },
      { id: 'u', name: 'U', type: 'template', config: { template: 'deep' } },
    ],
    ['flow', 'steps'],
    { models },
  );
  const seen: string[] = [];
  walkSteps(steps, (step: Step) => seen.push(step.id));
  assert.deepEqual(seen, ['a', 'c', 't', 'inner', 'u']);
  assert.deepEqual(
    childStepsOf(steps[1]!).map((branch) => branch.map((step) => step.id)),
    [['t', 'inner'], []],
  );
  assert.deepEqual(childStepsOf(steps[0]!), []);
});
