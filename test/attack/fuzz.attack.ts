import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startHarness, type Harness } from '../support/harness.js';

// The seed bodies, mutated many ways with a fixed seed: whatever arrives, the answer is a clear error or a run,
// never a 500, a hang or a dead server.
const mutations = Number(process.env.FLOWRUN_FUZZ_MUTATIONS ?? 2400);
const seeds = [
  JSON.parse(readFileSync(new URL('../fixtures/seed-000-body.json', import.meta.url), 'utf8')) as unknown,
  JSON.parse(readFileSync(new URL('../fixtures/seed-001-body.json', import.meta.url), 'utf8')) as unknown,
  {
    flow: {
      name: 'tools',
      steps: [
        {
          id: 'p',
          name: 'P',
          type: 'prompt',
          config: {
            model: 'gpt-4o',
            userPrompt: 'hi {{x}}',
            tools: { runtimeTools: [{ name: 'calc', toolType: 'custom', config: { code: 'return 1;' } }] },
          },
        },
        {
          id: 'c',
          name: 'C',
          type: 'conditional',
          config: {
            condition: 'x > 1',
            trueSteps: [{ id: 't', name: 'T', type: 'template', config: { template: '{{ x }}' } }],
            falseSteps: [],
          },
        },
      ],
    },
    inputs: { x: 2 },
    options: { streamResponse: false },
  },
];

let harness: Harness;
before(async () => {
  harness = await startHarness();
  harness.fake.script(() => ({ chunks: ['fuzzed'] }));
});
after(() => harness.close());

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const nasty: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1e308,
  -0,
  2 ** 53 + 1,
  0.1,
  '',
  ' ',
  'x'.repeat(100_000),
  '\u0000',
  '{{',
  '{{ }}',
  '{{ __proto__ }}',
  '[[x]]',
  '{% for i in (1..99999999) %}x{% endfor %}',
  '\ud800',
  '😀'.repeat(1000),
  'constructor',
  '__proto__',
  'prompt',
  'conditional',
  'gpt-4o',
  'flowrun/echo',
  'nope/model',
  [],
  [null],
  {},
  { id: 1 },
  [[[[[]]]]],
  { type: 'prompt' },
  'javascript:alert(1)',
  'http://169.254.169.254/',
  '../../etc/passwd',
  '%00',
  'true',
  '1e999',
  '-',
  'a'.repeat(65),
];

function paths(
  value: unknown,
  prefix: Array<string | number> = [],
  out: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => paths(item, [...prefix, index], out));
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) paths(item, [...prefix, key], out);
  return out;
}

function mutate(body: unknown, next: () => number): string | Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const copy = structuredClone(body) as Record<string, unknown>;
  const kind = next();
  if (kind < 0.05) {
    const text = JSON.stringify(copy);
    return pick([
      text.slice(0, Math.floor(next() * text.length)),
      `${text}garbage`,
      `[${text}]`,
      '',
      'null',
      '"string"',
      text.replace(/"/g, "'"),
      `{"__proto__": {"admin": true}, ${text.slice(1)}`,
    ]);
  }
  if (kind < 0.07)
    return Buffer.concat([Buffer.from(JSON.stringify(copy).slice(0, 20)), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from('"}')]);
  const count = 1 + Math.floor(next() * 3);
  for (let round = 0; round < count; round++) {
    const all = paths(copy).filter((path) => path.length > 0);
    const path = pick(all);
    const parent = path.slice(0, -1).reduce<any>((node, key) => node?.[key as keyof typeof node], copy);
    const key = path.at(-1)!;
    if (parent === null || typeof parent !== 'object') continue;
    const operation = next();
    if (operation < 0.2) delete parent[key];
    else if (operation < 0.6) parent[key] = structuredClone(pick(nasty));
    else if (operation < 0.7) {
      let wrapped: unknown = parent[key];
      for (let depth = 0; depth < 20 + Math.floor(next() * 300); depth++) wrapped = [wrapped];
      parent[key] = wrapped;
    } else if (operation < 0.8) parent[`${String(key)}_${Math.floor(next() * 100)}`] = parent[key];
    else if (operation < 0.9)
      parent[key] = structuredClone(pick(all).reduce<any>((node, part) => node?.[part as keyof typeof node], copy) ?? null);
    else if (Array.isArray(parent)) parent.push(...Array(1 + Math.floor(next() * 50)).fill(parent[Number(key)]));
    else
      parent[
        pick([
          'type',
          'id',
          'steps',
          'config',
          'options',
          'flowMode',
          'recordMode',
          'streamResponse',
          'when',
          'errorHandling',
          'toolIds',
          'secrets',
        ])
      ] = structuredClone(pick(nasty));
  }
  return JSON.stringify(copy);
}

test(`${mutations} mutations of the seed bodies get a clear answer, never a 500`, async () => {
  const next = random(20261122);
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let index = 0;
  const worker = async () => {
    while (index < mutations) {
      const current = index++;
      const body = mutate(seeds[current % seeds.length], next);
      const response = await fetch(`${harness.baseUrl}/v1/dispatch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
        body: body as BodyInit,
        signal: AbortSignal.timeout(20_000),
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500 || ![200, 201, 400, 401, 402, 403, 404, 409, 413, 415, 422, 429].includes(response.status))
        failures.push(`${response.status} for ${String(body).slice(0, 300)} → ${text.slice(0, 300)}`);
      else if (response.status >= 400) {
        const error = JSON.parse(text) as { code?: string; error?: string };
        if (!error.code || !error.error) failures.push(`${response.status} without code or message: ${text.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const health = await fetch(`${harness.baseUrl}/health`);
  assert.equal(health.status, 200);
  console.log(
    `# attack fuzz: ${mutations} mutated bodies, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, ${failures.length} failures`,
  );
  assert.deepEqual(failures.slice(0, 5), []);
});
