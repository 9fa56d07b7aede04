import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSse } from './support/harness.js';
import { startFakeProvider } from './support/fake-provider.js';
import { runCli, startServerProcess } from './support/server-process.js';
import { waitFor } from './support/wait-for.js';

test('keys CLI creates a key shown once, lists prefixes only, and revokes', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flowrun-cli-'));
  try {
    const env = { FLOWRUN_DATA_DIR: dataDir };
    const created = runCli(['keys', 'create', '--mode', 'live', '--tenant', 'acme'], env);
    assert.equal(created.status, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^tv_live_[A-Za-z0-9]{32,}$/);
    assert.match(created.stderr, /will not show it again/);
    const listed = runCli(['keys', 'list', '--json'], env);
    const keys = JSON.parse(listed.stdout) as Array<{ id: string; prefix: string; tenantId: string; mode: string }>;
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.tenantId, 'acme');
    assert.equal(keys[0]!.mode, 'live');
    assert.ok(key.startsWith(keys[0]!.prefix.replace('…', '')));
    assert.ok(!listed.stdout.includes(key), 'list never shows the key');
    const revoked = runCli(['keys', 'revoke', keys[0]!.id], env);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.match(runCli(['keys', 'list'], env).stdout, /revoked=/);
    const bad = runCli(['keys', 'create', '--mode', 'prod'], env);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--mode must be test or live/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM stops accepting, lets a running stream finish, then exits; logs hold no key, secret or prompt', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flowrun-proc-'));
  const fake = await startFakeProvider();
  fake.script(() => ({ chunks: ['slow', ' but', ' sure'], delayMs: 300 }));
  const env = {
    FLOWRUN_DATA_DIR: dataDir,
    PORT: '0',
    OPENAI_API_KEY: 'sk-test-openai',
    OPENAI_BASE_URL: `${fake.url}/v1`,
    FLOWRUN_LOG_LEVEL: 'info',
  };
  try {
    const key = runCli(['keys', 'create'], env).stdout.trim();
    const { child, url, logs } = await startServerProcess(env);
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const secret = 'secret-value-zz-9911';
    const response = await fetch(`${url}/v1/dispatch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        secrets: { token: secret },
        flow: {
          name: 'slow',
          steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'PROMPT-BODY-MARKER {{secrets.token}}' } }],
        },
      }),
    });
    assert.equal(response.status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Stopped while the run's model call streams (three chunks, 300 ms apart).
    await waitFor(() => fake.requests.length > 0, 'the model call in flight');
    child.kill('SIGTERM');
    // Once the process has taken the signal (it says so), it accepts no new connection; a loaded machine may take
    // a while to deliver the signal, so wait for that rather than a fixed time.
    await waitFor(() => /shutting down/.test(logs()), 'the process to say it is shutting down');
    // A bound, not a settling time: the listener must be closed this soon, while the stream still runs (a wait
    // for the refusal would also pass once the process had exited).
    await new Promise((resolve) => setTimeout(resolve, 50));
    await assert.rejects(fetch(`${url}/health`), 'no new connections once stopping');
    const events = await readSse(response);
    assert.equal(events.at(-1)!.event, 'flow_complete', 'the running stream finished');
    assert.equal(await exited, 0);
    const output = logs();
    assert.match(output, /shutting down/);
    for (const forbidden of [key, secret, 'PROMPT-BODY-MARKER', 'sk-test-openai'])
      assert.ok(!output.includes(forbidden), `logs contain ${forbidden}`);
  } finally {
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
