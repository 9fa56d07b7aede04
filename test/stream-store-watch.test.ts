import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../src/config.js';
import { commitEvents, readEvents } from '../src/store/events-repository.js';
import { emptyUsage } from '../src/protocol/usage.js';
import { authHeaders, readSse, startHarness, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  // A short heartbeat period: how long a waiting stream goes without looking at the store.
  harness = await startHarness({ FLOWRUN_SSE_HEARTBEAT_MS: '50' });
});
after(() => harness.close());

test('a stream whose run ended without the bus telling it (an announcement lost in an outage) ends from the store', async () => {
  // A model that never answers: the run is running while its end is written behind the bus's back.
  harness.fake.script(() => ({ kind: 'hang' }));
  const dispatched = new AbortController();
  const started = await fetch(`${harness.baseUrl}/v1/dispatch`, {
    method: 'POST',
    headers: authHeaders(harness.key),
    body: JSON.stringify({
      flow: { name: 'slow', steps: [{ id: 's', name: 'S', type: 'prompt', config: { model: 'gpt-4o', userPrompt: 'go' } }] },
    }),
    signal: dispatched.signal,
  });
  const id = started.headers.get('x-execution-id')!;
  const stream = await fetch(`${harness.baseUrl}/v1/executions/${id}/events?events=unified`, { headers: authHeaders(harness.key) });
  assert.equal(stream.status, 200);
  const frames = readSse(stream);
  // The run's end is written to the store behind the bus's back, as a relay that dropped the publish leaves it.
  const db = await openDatabase(harness.config);
  try {
    const last = (await readEvents(db, id, 0, 1000)).at(-1)?.seq ?? 0;
    const end = {
      type: 'flow_error' as const,
      executionId: id,
      seq: last + 1000,
      at: new Date().toISOString(),
      error: { code: 'STEP_FAILED', message: 'ended elsewhere' },
      durationMs: 1,
      usage: emptyUsage(),
    };
    await commitEvents(db, [{ event: end as never, json: JSON.stringify(end) }]);
    await db.updateTable('executions').set({ status: 'failed' }).where('id', '=', id).execute();
  } finally {
    await db.destroy();
  }
  const received = await frames;
  assert.deepEqual(
    received.map((frame) => frame.event),
    ['execution_start', 'step_start', 'execution_error'],
  );
  // The run itself is still waiting on the model: it is cancelled, which ends the model call.
  const db2 = await openDatabase(harness.config);
  await db2.updateTable('executions').set({ status: 'running' }).where('id', '=', id).execute();
  await db2.destroy();
  const cancelled = await fetch(`${harness.baseUrl}/v1/executions/${id}/cancel`, {
    method: 'POST',
    headers: authHeaders(harness.key),
    body: '{}',
  });
  assert.equal(cancelled.status, 200);
  dispatched.abort();
});
