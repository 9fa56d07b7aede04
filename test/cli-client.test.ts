import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from './support/harness.js';
import { callOnceThenAnswer } from './support/fake-scripts.js';

// The CLI's client commands (run, runs, flows, approve) against a real server, as a user types them: output is
// plain (no colours, no spinner) when it is not a terminal.

let harness: Harness;
let dir: string;
before(async () => {
  harness = await startHarness();
  dir = mkdtempSync(join(tmpdir(), 'flowrun-cli-'));
});
after(async () => {
  await harness.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `flowrun …` without blocking this process (the server under test runs in it). */
function flowrun(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['dist/cli/index.js', ...args],
      { env: { ...process.env, FLOWRUN_URL: harness.baseUrl, FLOWRUN_API_KEY: harness.key, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const greeter = {
  name: 'Greeter',
  slug: 'cli_greeter',
  steps: [{ id: 'g', type: 'prompt', name: 'Greet', config: { model: 'flowrun/echo', userPrompt: 'Hi {{name}}' } }],
};

test('run streams a flow file to the terminal: each step, tokens and cost, how it ended', async () => {
  const file = join(dir, 'greeter.json');
  writeFileSync(file, JSON.stringify(greeter));
  const result = await flowrun(['run', file, '--input', 'name=Ada']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Greeter exec_/);
  assert.match(result.stdout, /Hi Ada/);
  assert.match(result.stdout, /✔ Greet {2}\d+\.\ds/);
  assert.match(result.stdout, /completed in \d+\.\ds/);
  assert.ok(!result.stdout.includes('\u001b['), 'no colour codes when not a terminal');
  const json = await flowrun(['run', file, '--json', '--events', 'runtype']);
  const events = json.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string });
  assert.equal(events[0]!.type, 'flow_start');
  assert.equal(events.at(-1)!.type, 'flow_complete');
});

test('a refused run exits 1 and prints the server error with its paths; no key says how to get one', async () => {
  const missing = await flowrun(['run', 'no_such_flow']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no_such_flow not found \[NOT_FOUND, HTTP 404\]/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ name: 'bad', steps: [{ name: 'Beam me', type: 'teleport' }] }));
  const refused = await flowrun(['run', bad]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /flow\.steps\[0\]\.type: .*teleport.*\(use one of: prompt/);
  const keyless = await flowrun(['runs', 'list'], { FLOWRUN_API_KEY: '' });
  assert.equal(keyless.code, 1);
  assert.match(keyless.stderr, /FLOWRUN_API_KEY.*`node dist\/cli\/index\.js keys create`/);
});

test('flows push creates, leaves unchanged and updates; pull writes them back', async () => {
  const folder = join(dir, 'flows');
  const pushed = join(dir, 'push');
  mkdirSync(pushed, { recursive: true });
  writeFileSync(join(pushed, 'greeter.json'), JSON.stringify(greeter));
  const first = await flowrun(['flows', 'push', pushed]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^created {2}cli_greeter/m);
  assert.match((await flowrun(['flows', 'push', pushed])).stdout, /^unchanged {2}cli_greeter/m);
  writeFileSync(join(pushed, 'greeter.json'), JSON.stringify({ ...greeter, description: 'says hi' }));
  assert.match((await flowrun(['flows', 'push', pushed, '--dry-run'])).stdout, /^would be updated {2}cli_greeter/m);
  assert.match((await flowrun(['flows', 'push', pushed])).stdout, /^updated {2}cli_greeter/m);
  const pulled = await flowrun(['flows', 'pull', folder]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.ok(readdirSync(folder).includes('cli_greeter.json'));
  assert.deepEqual(JSON.parse(readFileSync(join(folder, 'cli_greeter.json'), 'utf8')), { ...greeter, description: 'says hi' });
  // A stored flow runs by its slug.
  const bySlug = await flowrun(['run', 'cli_greeter', '--input', 'name=Bo']);
  assert.match(bySlug.stdout, /Hi Bo/);
});

test('runs list, show and replay; a paused run is approved from the CLI', async () => {
  const gated = join(dir, 'gated.json');
  writeFileSync(
    gated,
    JSON.stringify({ name: 'Gated', steps: [{ id: 'gate', type: 'approval', name: 'Gate', config: { message: 'Ship it?' } }] }),
  );
  const paused = await flowrun(['run', gated]);
  assert.equal(paused.code, 0, paused.stderr);
  assert.match(paused.stdout, /waits for an approval: Ship it\?/);
  const executionId = /exec_[0-9A-Z]{26}/.exec(paused.stdout)![0];
  assert.match(paused.stdout, new RegExp(`node dist/cli/index\\.js approve ${executionId}`));
  const listed = await flowrun(['runs', 'list', '--status', 'paused']);
  assert.match(listed.stdout, new RegExp(`${executionId} {2}paused {2}Gated`));
  const approved = await flowrun(['approve', executionId, '--reason', 'fine']);
  assert.equal(approved.code, 0, approved.stderr);
  assert.match(approved.stdout, /completed/);
  const shown = await flowrun(['runs', 'show', executionId]);
  assert.match(shown.stdout, new RegExp(`Gated ${executionId} {2}completed`));
  const replayed = await flowrun(['runs', 'replay', executionId, '--json']);
  const types = replayed.stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { type: string }).type);
  assert.equal(types[0], 'execution_start');
  assert.ok(types.includes('approval_complete'));
});

test('run shows each tool call with its arguments, then its result', async () => {
  harness.fake.script(callOnceThenAnswer('square', { n: 9 }));
  const file = join(dir, 'tools.json');
  const square = {
    name: 'square',
    toolType: 'custom',
    parametersSchema: { type: 'object', properties: { n: { type: 'number' } } },
    config: { code: 'return { squared: parameters.n * parameters.n };' },
  };
  const step = {
    id: 'ask',
    type: 'prompt',
    name: 'Ask',
    config: { model: 'gpt-4o', userPrompt: 'square 9', tools: { runtimeTools: [square] } },
  };
  writeFileSync(file, JSON.stringify({ name: 'Tools', steps: [step] }));
  const result = await flowrun(['run', file]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /→ square \{"n":9\}/, 'the call and its arguments');
  assert.match(result.stdout, /← square \{"squared":81\}/, 'its result');
  assert.ok(result.stdout.indexOf('→ square') < result.stdout.indexOf('← square'), 'the call before its result');
  assert.match(result.stdout, /tool said: \{"squared":81\}/);
});

test('runs list into a pipe its reader has closed (runs list | head) exits 0 without a stack trace', async () => {
  const child = spawn(process.execPath, ['dist/cli/index.js', 'runs', 'list'], {
    env: { ...process.env, FLOWRUN_URL: harness.baseUrl, FLOWRUN_API_KEY: harness.key },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The reader is gone before the CLI writes a line (it must ask the server first): every write meets EPIPE.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (exitCode) => resolve(exitCode)));
  assert.equal(stderr, '', 'no stack trace, no message');
  assert.equal(code, 0);
});
