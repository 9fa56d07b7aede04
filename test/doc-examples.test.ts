import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createUlidIds } from '../src/ids.js';
import { curlRequest, extractCliExamples, extractCurlExamples } from './support/doc-examples.js';
import { startHarness, type Harness } from './support/harness.js';

// Every curl example of README.md and docs/ runs, in order, against a real server: the docs are the test's
// script, so editing an example edits the test. Ids the docs write as `exec_…`, `flow_…`, `tool_…` (and agent,
// flowver, appr, call) are the ones the earlier examples' answers returned. Each example must answer 2xx. The
// `node dist/cli/index.js` commands (the CLI as a clone runs it) run too, as the repository's own binary, from a copy of the repository's flows/ (the
// example flow files the docs name), against the same server: each must exit 0.

const adminToken = 'doc-examples-admin-token';
const files = [
  'README.md',
  ...readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const run = promisify(execFile);
const cli = resolve('dist/cli/index.js');
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
  const examples = extractCurlExamples(files, { FLOWRUN_API_KEY: harness.key, FLOWRUN_ADMIN_TOKEN: adminToken });
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

test('every flowrun command in README.md and docs/ exits 0 against a real server, and the flow files it names exist', async () => {
  const examples = extractCliExamples(files, { FLOWRUN_API_KEY: harness.key });
  const named = new Set(examples.flatMap((example) => example.args.filter((arg) => /^flows\/.+\.json$/.test(arg))));
  assert.deepEqual([...named].sort(), ['flows/greeter.json', 'flows/intro.json'], 'the docs run every example flow file of flows/');
  // A fresh clone's working directory, as far as the commands see it: its flows/, and a data folder of its own.
  const clone = mkdtempSync(join(tmpdir(), 'flowrun-docs-'));
  cpSync('flows', join(clone, 'flows'), { recursive: true });
  const problems: string[] = [];
  try {
    for (const example of examples) {
      const env = {
        ...process.env,
        FLOWRUN_URL: harness.baseUrl,
        FLOWRUN_API_KEY: harness.key,
        FLOWRUN_DATA_DIR: join(clone, 'data'),
        NO_COLOR: '1',
        ...example.env,
      };
      const ran = await run(process.execPath, [cli, ...example.args], { cwd: clone, env, timeout: 30_000 }).then(
        () => null,
        (error: { code?: number; stderr?: string; stdout?: string }) =>
          `exit ${error.code}: ${(error.stderr || error.stdout || '').slice(0, 300)}`,
      );
      if (ran) problems.push(`${example.file}:${example.line}: ${example.source.trim()} -> ${ran}`);
    }
    // What `flows pull` wrote is what was pushed: the example files are what the server stores, field for field.
    for (const name of readdirSync('flows'))
      assert.deepEqual(
        JSON.parse(readFileSync(join(clone, 'flows', name), 'utf8')),
        JSON.parse(readFileSync(join('flows', name), 'utf8')),
        name,
      );
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
  assert.ok(examples.length >= 8, `found ${examples.length} commands`);
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
