import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settings } from '../src/cli/settings.js';
import { startHarness, type Harness } from './support/harness.js';
import { killProcess, runCli, startCliProcess } from './support/server-process.js';
import { waitFor } from './support/wait-for.js';

// What a new user meets first, tried as one would: the CLI's answers, the start banner, and the errors that must
// say what to do next.

let harness: Harness;
before(async () => {
  harness = await startHarness({ FLOWRUN_LOG_LEVEL: 'info' });
});
after(async () => {
  await harness.close();
});

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

/** Both the log line with the URL (stdout) and the banner (stderr) arrived, in whichever order. */
const listeningWithBanner = /^(?=[\s\S]*"url":"http)(?=[\s\S]*settings {2}node dist\/cli\/index\.js serve --help)/;

function freshDir(): string {
  return mkdtempSync(join(tmpdir(), 'flowrun-first-'));
}

test('flowrun --version prints the package version, and serve --help lists every setting', () => {
  const printed = runCli(['--version'], {});
  assert.equal(printed.status, 0);
  assert.equal(printed.stdout.trim(), version);
  const help = runCli(['serve', '--help'], {});
  assert.equal(help.status, 0);
  for (const setting of settings) for (const name of setting.names) assert.ok(help.stdout.includes(name), `serve --help names ${name}`);
  assert.match(help.stdout, /Examples:/);
});

test('keys create and credits show default to the same mode', () => {
  const dataDir = freshDir();
  try {
    const key = runCli(['keys', 'create'], { FLOWRUN_DATA_DIR: dataDir });
    assert.equal(key.status, 0, key.stderr);
    assert.match(key.stdout.trim(), /^tv_test_/);
    const credits = runCli(['credits', 'show'], { FLOWRUN_DATA_DIR: dataDir });
    assert.equal(credits.status, 0, credits.stderr);
    assert.match(credits.stdout, /\(test\)/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the start banner names the URL, the database and the models, and how to create the first key; each ended run is one info log line (id, status, duration, error code, never the prompt)', async () => {
  const dataDir = freshDir();
  const env = {
    FLOWRUN_DATA_DIR: dataDir,
    PORT: '0',
    FLOWRUN_WORKERS: '1',
    FLOWRUN_LOG_LEVEL: 'info',
    OPENAI_API_KEY: 'sk-x',
    OPENAI_BASE_URL: '',
  };
  try {
    const first = await startCliProcess(['serve'], env, listeningWithBanner);
    await killProcess(first.child);
    assert.match(first.logs(), /Flowrun \S+ is listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(first.logs(), /dashboard http:\/\/127\.0\.0\.1:\d+\/ \(sign in with an API key\)/);
    assert.ok(first.logs().includes(join(dataDir, 'flowrun.sqlite')), 'the database path');
    // Configured is not reachable: nothing has called the provider yet, so the banner says it was not checked.
    assert.match(first.logs(), /openai \(OPENAI_API_KEY\): not checked/);
    assert.match(first.logs(), /flowrun\/echo \(built in/);
    assert.doesNotMatch(first.logs(), /flowrun\/echo[^\n]*not checked/);
    assert.match(first.logs(), /none yet: run `node dist\/cli\/index\.js keys create`/);
    const key = runCli(['keys', 'create'], { FLOWRUN_DATA_DIR: dataDir }).stdout.trim();
    // The same server again, now that a key exists: the banner stops asking for one, and a run ends in the log.
    const server = await startCliProcess(['serve'], env, listeningWithBanner);
    try {
      assert.doesNotMatch(server.logs(), /none yet/, 'once a key exists the banner stops asking for one');
      const url = /"url":"(http[^"]+)"/.exec(server.logs())![1]!;
      const secretPrompt = 'the prompt text that must not be logged';
      const response = await fetch(`${url}/v1/dispatch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          record: { name: 'r' },
          flow: { name: 'f', steps: [{ type: 'prompt', name: 'P', config: { model: 'flowrun/echo', userPrompt: secretPrompt } }] },
          options: { streamResponse: false, flowMode: 'virtual', recordMode: 'virtual' },
        }),
      });
      const { executionId } = (await response.json()) as { executionId: string };
      await waitFor(() => server.logs().includes('"run ended"'), 'the "run ended" log line');
      const lines = server
        .logs()
        .split('\n')
        .filter((line) => line.includes('"run ended"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.executionId, executionId);
      assert.equal(lines[0]!.status, 'completed');
      assert.equal(typeof lines[0]!.durationMs, 'number');
      assert.ok(!server.logs().includes(secretPrompt), 'the prompt is in no log line');
    } finally {
      await killProcess(server.child);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a port in use is refused with a hint to set PORT', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  const dataDir = freshDir();
  try {
    const result = runCli(['serve'], { FLOWRUN_DATA_DIR: dataDir, PORT: String(port), FLOWRUN_WORKERS: '1' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use.*PORT=${port + 1} node dist/cli/index\\.js serve`));
  } finally {
    taken.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a 401 says how to create a key', async () => {
  for (const authorization of [undefined, 'Bearer nonsense', `Bearer tv_test_${'a'.repeat(40)}`]) {
    const response = await fetch(`${harness.baseUrl}/v1/flows`, { headers: authorization ? { authorization } : {} });
    assert.equal(response.status, 401);
    assert.match(await response.text(), /node dist\/cli\/index\.js keys create/);
  }
});

test('every answer carries X-Request-Id; a sane one sent by the client is kept', async () => {
  const answers = await Promise.all([
    fetch(`${harness.baseUrl}/health`),
    fetch(`${harness.baseUrl}/v1/flows`),
    fetch(`${harness.baseUrl}/v1/nothing-here`, { headers: { authorization: `Bearer ${harness.key}` } }),
  ]);
  const ids = answers.map((answer) => answer.headers.get('x-request-id'));
  for (const id of ids) assert.match(id ?? '', /^req_[0-9a-f]{24}$/);
  assert.equal(new Set(ids).size, 3);
  const own = await fetch(`${harness.baseUrl}/health`, { headers: { 'x-request-id': 'my-trace-42' } });
  assert.equal(own.headers.get('x-request-id'), 'my-trace-42');
  const hostile = await fetch(`${harness.baseUrl}/health`, { headers: { 'x-request-id': 'a b<script>' } });
  assert.match(hostile.headers.get('x-request-id') ?? '', /^req_/);
});

test('GET /v1/models lists the models this server can route, each once, with prices', async () => {
  const response = await fetch(`${harness.baseUrl}/v1/models`, { headers: { authorization: `Bearer ${harness.key}` } });
  assert.equal(response.status, 200);
  const body = (await response.json()) as {
    object: string;
    data: Array<{ id: string; provider: string; pricing: { inputPerMillionTokensUsd: number; outputPerMillionTokensUsd: number } | null }>;
  };
  assert.equal(body.object, 'list');
  const byId = new Map(body.data.map((model) => [model.id, model]));
  assert.equal(body.data.filter((model) => model.id === 'flowrun/echo').length, 1, 'flowrun/echo once (the catalog lists it too)');
  assert.equal(byId.size, body.data.length, 'every model once');
  assert.equal(byId.get('flowrun/echo')?.provider, 'flowrun');
  const mini = byId.get('gpt-4o-mini');
  assert.equal(mini?.provider, 'openai');
  assert.ok((mini?.pricing?.inputPerMillionTokensUsd ?? 0) > 0, 'a catalog price');
  assert.ok(byId.has('claude-sonnet-4-5'), 'anthropic models route: the harness sets ANTHROPIC_API_KEY');
  assert.ok(!byId.has('gemini-2.0-flash'), 'google models do not: no GOOGLE_GENERATIVE_AI_API_KEY');
});

test('a provider that does not answer is named with the setting that points at it', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const offline = await startHarness({ OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, FLOWRUN_MODEL_MAX_RETRIES: '0' });
  try {
    const response = await offline.dispatch({
      record: { name: 'r' },
      flow: { name: 'f', steps: [{ type: 'prompt', name: 'P', config: { model: 'gpt-4o-mini', userPrompt: 'hi' } }] },
      options: { streamResponse: false, flowMode: 'virtual', recordMode: 'virtual' },
    });
    const text = await response.text();
    assert.match(text, new RegExp(`did not answer at http://127\\.0\\.0\\.1:${port}/v1`));
    assert.match(text, /OPENAI_BASE_URL/);
  } finally {
    await offline.close();
  }
});

test('an address the SSRF guard refuses names FLOWRUN_SSRF_ALLOWLIST', async () => {
  const response = await harness.dispatch({
    record: { name: 'r' },
    flow: { name: 'f', steps: [{ id: 'm', name: 'M', type: 'fetch-url', config: { url: 'http://169.254.169.254/latest/meta-data/' } }] },
    options: { streamResponse: false, flowMode: 'virtual', recordMode: 'virtual' },
  });
  assert.match(await response.text(), /FLOWRUN_SSRF_ALLOWLIST/);
});
