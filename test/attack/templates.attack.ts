import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaProblems } from '../../src/engine/json-schema.js';
import { expandParameters } from '../../src/engine/parameters.js';
import { runTemplate } from '../../src/engine/steps/template.js';
import { lookupPath, renderTemplate, renderValue } from '../../src/engine/template.js';
import { validateFlowSteps } from '../../src/engine/validate-flow.js';
import type { StepContext } from '../../src/engine/run-context.js';

// Template bombs of every class, each timed on its own: none may take 100 ms of this thread.
const budgetMs = 100;
const models = { resolve: () => ({ ok: true as const, provider: 'test', modelId: 'test' }) };

/** The first call of each kind loads and compiles code; time only what an attacker controls. */
async function warmUp(): Promise<void> {
  renderTemplate('{{ a }}', { a: 1 });
  schemaProblems({ type: 'string', pattern: '^a+$' }, 'aaa');
  expandParameters('[[a]]', { a: 1 }, []);
  validateFlowSteps([{ id: 'x', name: 'X', type: 'set-variable', config: { variableName: 'x', value: 1 } }], ['flow', 'steps'], { models });
  const [step, context] = liquidContext('{% for i in (1..3) %}{{ i }}{% endfor %}');
  await runTemplate(step as never, context);
}

test('warm up', warmUp);

function timed(name: string, work: () => unknown | Promise<unknown>): Promise<number> {
  const started = performance.now();
  return Promise.resolve()
    .then(work)
    .catch(() => undefined)
    .then(() => {
      const elapsed = performance.now() - started;
      assert.ok(elapsed < budgetMs, `${name} took ${elapsed.toFixed(1)} ms`);
      return elapsed;
    });
}

const liquidContext = (template: string, partials?: Record<string, string>) =>
  [{ id: 't', name: 'T', type: 'template', config: { template, partials } }, { scope: () => ({}) } as unknown as StepContext] as const;

test('placeholder scanning is linear for every shape of unclosed or nested braces', async () => {
  let count = 0;
  let worst = 0;
  const scope = { a: { b: 1 }, json: JSON.stringify({ x: Array.from({ length: 5_000 }, (_, index) => index) }) };
  for (const size of [1_000, 10_000, 100_000, 400_000]) {
    for (const shape of [
      '{{' + ' '.repeat(size),
      '{{ a'.repeat(size / 4),
      '{'.repeat(size),
      '{{}'.repeat(size / 3),
      '{{ a }'.repeat(size / 5),
      '{{\t\n'.repeat(size / 4),
      '}}{{'.repeat(size / 4),
      `{{${'a.'.repeat(size / 2)}`,
    ]) {
      count++;
      worst = Math.max(worst, await timed(`renderTemplate(${shape.slice(0, 8)}… ×${size})`, () => renderTemplate(shape, scope)));
      count++;
      worst = Math.max(worst, await timed(`renderValue(${shape.slice(0, 8)}… ×${size})`, () => renderValue({ value: shape }, scope, [])));
    }
  }
  count++;
  worst = Math.max(worst, await timed('2,000 lookups into one JSON string', () => renderTemplate('{{json.x.4999}} '.repeat(2_000), scope)));
  count++;
  worst = Math.max(worst, await timed('a 100,000-segment path', () => lookupPath(scope, 'a.'.repeat(100_000))));
  console.log(`# attack templates: ${count} placeholder inputs, slowest ${worst.toFixed(1)} ms`);
});

test('Liquid bombs stop at the render limit', async () => {
  const bombs: Array<[string, Record<string, string> | undefined]> = [];
  for (const size of [100, 200, 400])
    bombs.push([
      `{% for i in (1..${size}) %}{% for j in (1..${size}) %}{% for k in (1..${size}) %}x{% endfor %}{% endfor %}{% endfor %}`,
      undefined,
    ]);
  for (const size of [1_000_000, 3_000_000, 100_000_000]) bombs.push([`{% for i in (1..${size}) %}{{ i }}{% endfor %}`, undefined]);
  for (const depth of [10, 20, 30, 40]) {
    const partials: Record<string, string> = {};
    for (let level = 0; level < depth; level++) partials[`p${level}`] = `{% render 'p${level + 1}' %}{% render 'p${level + 1}' %}`;
    partials[`p${depth}`] = 'xxxxxxxx';
    bombs.push(["{% render 'p0' %}", partials]);
    const includes: Record<string, string> = {};
    for (let level = 0; level < depth; level++) includes[`p${level}`] = `{% include 'p${level + 1}' %}{% include 'p${level + 1}' %}`;
    includes[`p${depth}`] = 'y';
    bombs.push(["{% include 'p0' %}", includes]);
  }
  bombs.push(['{% assign s = "x" %}' + '{% assign s = s | append: s %}'.repeat(40) + '{{ s | size }}', undefined]);
  bombs.push(['{% assign a = "1,2" | split: "," %}' + '{% assign a = a | concat: a %}'.repeat(40) + '{{ a | size }}', undefined]);
  bombs.push(['{{ "x" | append: "' + 'y'.repeat(100_000) + '" | size }}'.repeat(20), undefined]);
  bombs.push(['{% for i in (1..10000000) limit: 10000000 %}{% endfor %}', undefined]);
  bombs.push(['{% tablerow i in (1..5000000) %}{{ i }}{% endtablerow %}', undefined]);
  bombs.push([`${'{% if true %}'.repeat(5_000)}${'{% endif %}'.repeat(5_000)}`, undefined]);
  bombs.push(['{{'.repeat(100_000), undefined]);
  let worst = 0;
  for (const [template, partials] of bombs) {
    const [step, context] = liquidContext(template, partials);
    worst = Math.max(worst, await timed(`liquid ${template.slice(0, 40)}`, () => runTemplate(step as never, context)));
  }
  console.log(`# attack templates: ${bombs.length} Liquid bombs, slowest ${worst.toFixed(1)} ms`);
});

test('regular expressions from responseSchema run in linear time', async () => {
  const patterns = [
    '^(a+)+$',
    '^(a|aa)+$',
    '^(a|a?)+$',
    '^(.*a){25}$',
    '^([a-zA-Z]+)*$',
    '^(\\w+\\s?)*$',
    '(x+x+)+y',
    '^(([a-z])+.)+[A-Z]([a-z])+$',
    '^(a+)+b',
    '(.*){1,32000}[bc]',
  ];
  let count = 0;
  let worst = 0;
  for (const pattern of patterns) {
    for (const length of [25, 40, 1_000, 50_000]) {
      for (const tail of ['!', 'b', '']) {
        const text = 'a'.repeat(length) + tail;
        count++;
        worst = Math.max(worst, await timed(`${pattern} on ${length}`, () => schemaProblems({ type: 'string', pattern }, text)));
        count++;
        worst = Math.max(
          worst,
          await timed(`patternProperties ${pattern}`, () =>
            schemaProblems({ type: 'object', patternProperties: { [pattern]: { type: 'string' } } }, { [text]: 'x' }),
          ),
        );
      }
    }
  }
  console.log(`# attack templates: ${count} regular-expression inputs, slowest ${worst.toFixed(1)} ms`);
});

test('expansion bombs are refused by budget: conditionals by id and PromptShuttle composition', async () => {
  let count = 0;
  for (const fanout of [2, 3, 4]) {
    for (const depth of [6, 8, 10]) {
      const steps = Array.from({ length: depth + 1 }, (_, index) => ({
        id: `c${index}`,
        name: `C${index}`,
        type: 'conditional',
        config: {
          condition: 'true',
          trueSteps:
            index < depth
              ? Array(fanout).fill(`c${index + 1}`)
              : [{ id: 'leaf', name: 'L', type: 'set-variable', config: { variableName: 'x', value: 1 } }],
          falseSteps: index < depth ? Array(fanout).fill(`c${index + 1}`) : [],
        },
      }));
      count++;
      await timed(`conditionals fanout ${fanout} depth ${depth}`, () => validateFlowSteps(steps, ['flow', 'steps'], { models }));
    }
  }
  for (const fanout of [2, 3, 8]) {
    for (const depth of [10, 20, 40]) {
      const templates = Array.from({ length: depth + 1 }, (_, index) => ({
        name: `t${index}`,
        template: index < depth ? `[[t${index + 1}]]`.repeat(fanout) : 'x'.repeat(100),
      }));
      count++;
      await timed(`composition fanout ${fanout} depth ${depth}`, () => expandParameters('[[t0]]', {}, templates));
      count++;
      await timed(`composition with parameters fanout ${fanout} depth ${depth}`, () =>
        expandParameters('[[t0]] [[p]]', { p: 'y'.repeat(10_000) }, templates),
      );
    }
  }
  for (const size of [10_000, 100_000, 1_000_000]) {
    for (const text of [
      '{#'.repeat(size / 2),
      '<!--'.repeat(size / 4),
      '{#<!--'.repeat(size / 6),
      '[['.repeat(size / 2),
      '[[a'.repeat(size / 3),
    ]) {
      count++;
      await timed(`comments/tokens ×${size}`, () => expandParameters(text, {}, []));
    }
  }
  console.log(`# attack templates: ${count} expansion bombs, each under ${budgetMs} ms`);
});
