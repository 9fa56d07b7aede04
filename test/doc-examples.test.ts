import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createUlidIds } from '../src/ids.js';
import { curlRequest, extractCurlExamples } from './support/doc-examples.js';
import { startHarness, type Harness } from './support/harness.js';

// Every curl example of README.md and docs/ runs, in order, against a real server: the docs are the test's
// script, so editing an example edits the test. Ids the docs write as `exec_…`, `flow_…`, `tool_…` (and agent,
// flowver, appr, call) are the ones the earlier examples' answers returned. Each example must answer 2xx.

const adminToken = 'doc-examples-admin-token';
const files = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const idPattern = /\b(exec|flow|tool|agent|flowver|appr|call)_[0-9A-HJKMNP-TV-Z]{26}\b/g;

let harness: Harness;
before(async () => {
  harness = await startHarness({ FLOWRUN_ADMIN_TOKEN: adminToken });
  const ids = createUlidIds();
  // The model calls the first tool it is offered (with arguments that fit the docs' tools), then answers in text.
  harness.fake.script((request) => {
    const messages = (request.body.messages ?? []) as Array<{ role: string }>;
    const tools = (request.body.tools ?? []) as Array<{ function?: { name: string } }>;
    const name = tools[0]?.function?.name;
    if (name && messages.at(-1)?.role !== 'tool')
      return { toolCalls: [{ id: ids.next('call'), name, arguments: JSON.stringify({ a: 2, b: 3, path: '/pricing' }) }] };
    return { chunks: ['Hello', ' from the docs.'] };
  });
});
after(async () => {
  await harness.close();
});

test('every curl example in README.md and docs/ answers 2xx against a real server, in order', async () => {
  const examples = extractCurlExamples(files, { KEY: harness.key, FLOWRUN_ADMIN_TOKEN: adminToken });
  assert.ok(examples.length >= 40, `found ${examples.length} examples`);
  const latest = new Map<string, string>();
  const problems: string[] = [];
  for (const example of examples) {
    const where = `${example.file}:${example.line}`;
    const unquotedGlob = example.words.find((word) => !word.quoted && /[?*[]/.test(word.text));
    if (unquotedGlob) problems.push(`${where}: quote '${unquotedGlob.text}' (zsh reads ? and * as a file pattern)`);
    const words = example.words.map((word) => ({
      ...word,
      text: word.text.replace(/\b(exec|flow|tool|agent|flowver|appr|call)_…/g, (_, prefix: string) => {
        const id = latest.get(prefix);
        if (!id) problems.push(`${where}: no earlier example returned a ${prefix}_ id`);
        return id ?? `${prefix}_missing`;
      }),
    }));
    const request = curlRequest(words);
    if (!request.url.startsWith('http://127.0.0.1:8787/')) {
      problems.push(`${where}: the URL should start with http://127.0.0.1:8787/ (the README's server), not ${request.url}`);
      continue;
    }
    const response = await fetch(harness.baseUrl + request.url.slice('http://127.0.0.1:8787'.length), {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const body = await response.text();
    if (response.status < 200 || response.status > 299)
      problems.push(`${where}: ${request.method} ${request.url} answered ${response.status}: ${body.slice(0, 300)}`);
    const firstOfEach = new Map<string, string>();
    for (const match of body.matchAll(idPattern)) if (!firstOfEach.has(match[1]!)) firstOfEach.set(match[1]!, match[0]);
    for (const [prefix, id] of firstOfEach) latest.set(prefix, id);
  }
  assert.deepEqual(problems, []);
});

test("docs/api.md's error example is the error the server answers", async () => {
  const documented = /```json\n(\{ "error": "step 'Beam me'[\s\S]*?)\n```/.exec(readFileSync('docs/api.md', 'utf8'));
  assert.ok(documented, 'the example is in docs/api.md');
  const response = await harness.dispatch({ flow: { name: 'f', steps: [{ name: 'Beam me', type: 'teleport', config: {} }] } });
  assert.equal(response.status, 422);
  const answered = (await response.json()) as { error: string; code: string; details: Array<Record<string, unknown>> };
  const expected = JSON.parse(documented[1]!) as typeof answered;
  assert.equal(answered.error, expected.error);
  assert.equal(answered.code, expected.code);
  assert.deepEqual(
    answered.details.map(({ message, code, path, suggestion }) => ({ message, code, path, suggestion })),
    expected.details,
  );
});
