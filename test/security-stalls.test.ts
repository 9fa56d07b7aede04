import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';
import { composed, conditionals, evilSchema, liquid, prompt, stallInputs } from './support/stall-inputs.js';

// Each input here held the event loop for seconds before. Here each is answered clearly (never a 500) and what the
// limits refuse says so; how long the event loop is held while each is answered is timed in npm run test:attack
// (test/attack/stalls.attack.ts), never in this suite.
let harness: Harness;
let inputs: ReturnType<typeof stallInputs>;
before(async () => {
  harness = await startHarness();
  inputs = stallInputs(harness);
});
after(() => harness.close());

test('every input that once stalled the server is answered, never with a 500', async () => {
  for (const [name, send] of inputs.cases) {
    const response = await send();
    const body = await response.text();
    assert.ok(response.status < 500, `${name}: answered ${response.status}: ${body.slice(0, 300)}`);
  }
});

test('what the limits refuse is refused with a clear message', async () => {
  const { dispatch, call } = inputs;
  const triple = (await (
    await dispatch([liquid('{% for i in (1..200) %}{% for j in (1..200) %}{% for k in (1..200) %}x{% endfor %}{% endfor %}{% endfor %}')])()
  ).json()) as Record<string, any>;
  assert.equal(triple.status, 'failed');
  assert.match(JSON.stringify(triple), /template step|limit/i);
  const pattern = (await (await dispatch([prompt(`${'a'.repeat(40)}!`, { responseSchema: evilSchema })])()).json()) as Record<string, any>;
  assert.equal(pattern.status, 'failed');
  const matched = (await (await dispatch([prompt('a'.repeat(40), { responseSchema: evilSchema })])()).json()) as Record<string, any>;
  assert.equal(matched.status, 'completed', JSON.stringify(matched).slice(0, 400));
  const tree = await dispatch(conditionals)();
  assert.equal(tree.status, 422);
  assert.match(await tree.text(), /more than 2000 steps/);
  const bomb = await call('POST', '/api/v1/flows', { name: 'bomb', templates: composed })();
  assert.equal(bomb.status, 422);
  assert.match(await bomb.text(), /more than 1000000 characters|more than 10000 expansions/);
});
