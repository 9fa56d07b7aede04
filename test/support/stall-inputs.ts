// Inputs that each held the event loop for seconds before: template bombs, a catastrophic pattern, a doubling tree of
// conditionals, composed PromptShuttle templates. npm test sends each once (a clear answer, never a 500); the attack
// suite (test/attack/stalls.attack.ts) times the event loop while each is answered.
import type { Harness } from './harness.js';

export type StallCase = [name: string, send: () => Promise<Response>];

export const prompt = (userPrompt: string, config: Record<string, unknown> = {}) => ({
  id: 'p',
  name: 'P',
  type: 'prompt',
  config: { model: 'flowrun/echo', userPrompt, ...config },
});
export const liquid = (template: string, partials?: Record<string, string>) => ({
  id: 't',
  name: 'T',
  type: 'template',
  config: { template, ...(partials ? { partials } : {}) },
});

// flowrun/echo answers a json request with {"echo": prompt}.
export const evilSchema = { type: 'object', properties: { echo: { type: 'string', pattern: '^(a+)+$' } } };

const doubling: Record<string, string> = {};
for (let level = 0; level < 30; level++) doubling[`p${level}`] = `{% render 'p${level + 1}' %}{% render 'p${level + 1}' %}`;
doubling.p30 = 'x';

export const conditionals = Array.from({ length: 11 }, (_, index) => ({
  id: `c${index}`,
  name: `C${index}`,
  type: 'conditional',
  config: {
    condition: 'true',
    trueSteps: index < 10 ? [`c${index + 1}`, `c${index + 1}`] : [prompt('leaf')],
    falseSteps: index < 10 ? [`c${index + 1}`, `c${index + 1}`] : [],
  },
}));

export const composed = Array.from({ length: 40 }, (_, index) => ({
  name: index === 0 ? 'main' : `t${index}`,
  template: index < 39 ? `[[t${index + 1}]][[t${index + 1}]]` : 'xxxxxxxxxx',
  ...(index === 0 ? { llm: 'flowrun/echo' } : {}),
}));

const bigJson = JSON.stringify(Array.from({ length: 3_000 }, (_, index) => ({ index, name: `item ${index}` })));

/** Requests to the harness's server, and every stall input as one. */
export function stallInputs(harness: Harness) {
  const call = (method: string, path: string, body: unknown) => () =>
    fetch(`${harness.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const dispatch = (steps: unknown[], extra: Record<string, unknown> = {}) =>
    call('POST', '/v1/dispatch', { flow: { name: 'stall', steps }, options: { streamResponse: false }, ...extra });
  const cases: StallCase[] = [
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
    [
      'PromptShuttle templates composed by doubling 40 times, at save',
      call('POST', '/api/v1/flows', { name: 'bomb', templates: composed }),
    ],
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
  return { call, dispatch, cases };
}
