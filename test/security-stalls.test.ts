import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startHarness, type Harness } from './support/harness.js';

// Each input here held the event loop for seconds before; none may hold it for more than 100 ms now.
const maxStallMs = 100;

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

/**
 * The longest the event loop was held while `send` ran. A deterministic stall shows on every try; a pause of
 * the whole process (another test process on the same two cores, a GC) does not, so the best of three tries counts.
 */
async function worstStall(send: () => Promise<Response>): Promise<{ stallMs: number; status: number; body: string }> {
  let best = await stallOnce(send);
  for (let attempt = 1; attempt < 3 && best.stallMs >= maxStallMs; attempt++) {
    const next = await stallOnce(send);
    if (next.stallMs < best.stallMs) best = next;
  }
  return best;
}

async function stallOnce(send: () => Promise<Response>): Promise<{ stallMs: number; status: number; body: string }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const response = await send();
  const body = await response.text();
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.disable();
  return { stallMs: histogram.max / 1e6, status: response.status, body };
}

const call = (method: string, path: string, body: unknown) => () =>
  fetch(`${harness.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const dispatch = (steps: unknown[], extra: Record<string, unknown> = {}) =>
  call('POST', '/v1/dispatch', { flow: { name: 'stall', steps }, options: { streamResponse: false }, ...extra });
const prompt = (userPrompt: string, config: Record<string, unknown> = {}) => ({
  id: 'p',
  name: 'P',
  type: 'prompt',
  config: { model: 'flowrun/echo', userPrompt, ...config },
});
const liquid = (template: string, partials?: Record<string, string>) => ({
  id: 't',
  name: 'T',
  type: 'template',
  config: { template, ...(partials ? { partials } : {}) },
});

// flowrun/echo answers a json request with {"echo": prompt}.
const evilSchema = { type: 'object', properties: { echo: { type: 'string', pattern: '^(a+)+$' } } };

const doubling: Record<string, string> = {};
for (let level = 0; level < 30; level++) doubling[`p${level}`] = `{% render 'p${level + 1}' %}{% render 'p${level + 1}' %}`;
doubling.p30 = 'x';

const conditionals = Array.from({ length: 11 }, (_, index) => ({
  id: `c${index}`,
  name: `C${index}`,
  type: 'conditional',
  config: {
    condition: 'true',
    trueSteps: index < 10 ? [`c${index + 1}`, `c${index + 1}`] : [prompt('leaf')],
    falseSteps: index < 10 ? [`c${index + 1}`, `c${index + 1}`] : [],
  },
}));

const composed = Array.from({ length: 40 }, (_, index) => ({
  name: index === 0 ? 'main' : `t${index}`,
  template: index < 39 ? `[[t${index + 1}]][[t${index + 1}]]` : 'xxxxxxxxxx',
  ...(index === 0 ? { llm: 'flowrun/echo' } : {}),
}));

const bigJson = JSON.stringify(Array.from({ length: 3_000 }, (_, index) => ({ index, name: `item ${index}` })));

const cases: Array<[string, () => Promise<Response>]> = [
  ['{{ followed by 2,000 spaces', dispatch([prompt(`{{${' '.repeat(2_000)}`)])],
  ['{{ followed by 100,000 spaces', dispatch([prompt(`{{${' '.repeat(100_000)}`)])],
  ['5,000 unclosed {{ a', dispatch([prompt('{{ a '.repeat(5_000))])],
  [
    'a Liquid triple loop of 200 each',
    dispatch([liquid('{% for i in (1..200) %}{% for j in (1..200) %}{% for k in (1..200) %}x{% endfor %}{% endfor %}{% endfor %}')]),
  ],
  ['a Liquid range of 3,000,000', dispatch([liquid('{% for i in (1..3000000) %}{{ i }}{% endfor %}')])],
  ['Liquid partials that double 30 times', dispatch([liquid("{% render 'p0' %}", doubling)])],
  ['a responseSchema pattern ^(a+)+$ against 40 characters', dispatch([prompt(`${'a'.repeat(40)}!`, { responseSchema: evilSchema })])],
  ['conditionals naming the same steps twice per branch, 10 deep', dispatch(conditionals)],
  ['PromptShuttle templates composed by doubling 40 times, at save', call('POST', '/api/v1/flows', { name: 'bomb', templates: composed })],
  [
    'a 90 KB JSON-looking string read by 1,000 placeholders',
    dispatch([prompt('{{big.0.name}} '.repeat(1_000))], { inputs: { big: bigJson } }),
  ],
  [
    '{# and <!-- comments left open 100,000 times, at save',
    call('POST', '/api/v1/flows', {
      name: 'comments',
      templates: [{ name: 'main', template: '{#<!--'.repeat(100_000), llm: 'flowrun/echo' }],
    }),
  ],
];

for (const [name, send] of cases) {
  test(`no stall over ${maxStallMs} ms: ${name}`, async () => {
    const { stallMs, status, body } = await worstStall(send);
    assert.ok(status < 500, `${name}: answered ${status}: ${body.slice(0, 300)}`);
    assert.ok(stallMs < maxStallMs, `${name}: the event loop was held for ${stallMs.toFixed(1)} ms`);
  });
}

test('what the limits refuse is refused with a clear message', async () => {
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
