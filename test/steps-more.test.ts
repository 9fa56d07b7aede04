import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readSse, startHarness, type Harness, type SseEvent } from './support/harness.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

async function createRecord(body: Record<string, unknown>): Promise<{ id: string }> {
  const response = await harness.request('/v1/records', {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201);
  return (await response.json()) as { id: string };
}

async function run(steps: unknown[], extra: Record<string, unknown> = {}) {
  const response = await harness.dispatch({ flow: { name: 'steps-more', steps }, options: { streamResponse: false }, ...extra });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

test('get-record and list-records read stored records with Runtype filters, limit and offset', async () => {
  const ada = await createRecord({ name: 'Ada', type: 'lead', metadata: { score: 91, stage: 'won' } });
  await createRecord({ name: 'Bob', type: 'lead', metadata: { score: 40, stage: 'open' } });
  await createRecord({ name: 'Cy', type: 'lead', metadata: { score: 75, stage: 'open' } });
  const { body } = await run([
    { id: 'one', name: 'One', type: 'get-record', config: { recordId: ada.id, outputVariable: 'one' } },
    {
      id: 'hot',
      name: 'Hot',
      type: 'list-records',
      config: {
        recordFilter: {
          type: 'lead',
          where: {
            op: 'and',
            conditions: [
              { field: 'score', op: 'gte', value: 50 },
              { field: 'stage', op: 'in', value: ['open', 'won'] },
            ],
          },
        },
        limit: 10,
        outputVariable: 'hot',
      },
    },
    { id: 'page', name: 'Page', type: 'list-records', config: { recordType: 'lead', limit: 1, offset: 1, outputVariable: 'page' } },
  ]);
  assert.equal(body.status, 'completed', JSON.stringify(body.error));
  assert.equal(body.output.one.name, 'Ada');
  assert.deepEqual(
    body.output.hot.records.map((record: { name: string }) => record.name),
    ['Cy', 'Ada'],
  );
  assert.equal(body.output.hot.total, 2);
  assert.deepEqual([body.output.page.records.length, body.output.page.total, body.output.page.hasMore], [1, 3, true]);
});

test('a list-records filter with an operator Runtype does not document is a 422 naming the field', async () => {
  const { status, body } = await run([
    { id: 'l', name: 'L', type: 'list-records', config: { recordFilter: { where: { field: 'score', op: 'like', value: 1 } } } },
  ]);
  assert.equal(status, 422);
  assert.match(JSON.stringify(body), /flow\.steps\[0\]\.config\.recordFilter\.where/);
});

const sendSteps = [
  { id: 'set', name: 'Set', type: 'set-variable', config: { variableName: 'reply', value: 'Looking up order {{order}}…' } },
  { id: 'say', name: 'Say', type: 'send-stream', config: { sourceVariable: 'reply', streamType: 'text' } },
  { id: 'tell', name: 'Tell', type: 'send-event', config: { eventType: 'order.lookup', payload: { order: '{{order}}' } } },
];

async function streamIn(dialect: string): Promise<SseEvent[]> {
  const body = { flow: { name: 'send', steps: sendSteps }, inputs: { order: 'ord_9' }, options: { streamResponse: true } };
  return readSse(await harness.dispatch(body, { query: `events=${dialect}` }));
}

test('send-stream streams its text and send-event its custom event in every dialect; Runtype frames validate', async () => {
  const runtype = await streamIn('runtype');
  const runtypeText = runtype.filter((frame) => frame.event === 'step_delta' && frame.data.id === 'say').map((frame) => frame.data.text);
  assert.equal(runtypeText.join(''), 'Looking up order ord_9…');
  const runtypeEvent = runtype.find((frame) => frame.data.eventType === 'order.lookup')!;
  assert.deepEqual([runtypeEvent.event, runtypeEvent.data.text, runtypeEvent.data.payload], ['step_delta', '', { order: 'ord_9' }]);
  for (const frame of runtype) assert.equal(validateRuntypeFrame(frame.data), null);

  const unified = await streamIn('unified');
  const unifiedText = unified.filter((frame) => frame.event === 'text_delta' && !frame.data.eventType).map((frame) => frame.data.delta);
  assert.equal(unifiedText.join(''), 'Looking up order ord_9…');
  const unifiedEvent = unified.find((frame) => frame.data.eventType === 'order.lookup')!;
  assert.deepEqual([unifiedEvent.event, unifiedEvent.data.delta, unifiedEvent.data.payload], ['text_delta', '', { order: 'ord_9' }]);

  const travrse = await streamIn('travrse');
  const travrseText = travrse
    .filter((frame) => frame.event === 'step_chunk' && frame.data.type === 'step_chunk')
    .map((frame) => frame.data.text);
  assert.equal(travrseText.join(''), 'Looking up order ord_9…');
  const travrseEvent = travrse.find((frame) => frame.data.type === 'custom_event')!;
  assert.deepEqual(
    [travrseEvent.event, travrseEvent.data.eventType, travrseEvent.data.payload],
    ['step_chunk', 'order.lookup', { order: 'ord_9' }],
  );

  // Recorded with the run: its stored events replay the custom event.
  const executionId = String(runtype[0]!.data.executionId);
  const stored = await readSse(
    await harness.request(`/v1/executions/${executionId}/events?events=runtype`, { headers: { authorization: `Bearer ${harness.key}` } }),
  );
  assert.deepEqual(stored.find((frame) => frame.data.eventType === 'order.lookup')?.data.payload, { order: 'ord_9' });
});

test('loop runs its steps for each listed record (bounded by maxIterations), and its frames validate as Runtype’s', async () => {
  for (const name of ['L1', 'L2', 'L3']) await createRecord({ name, type: 'ticket', metadata: { open: true } });
  const flow = {
    name: 'loop',
    steps: [
      { id: 'list', name: 'List', type: 'list-records', config: { recordType: 'ticket', outputVariable: 'tickets' } },
      {
        id: 'each',
        name: 'Each',
        type: 'loop',
        config: {
          sourceVariable: 'tickets.records',
          itemVariable: 'ticket',
          maxIterations: 2,
          steps: [
            {
              id: 'close',
              name: 'Close',
              type: 'update-record',
              config: { recordId: '{{ticket.id}}', updates: { open: false, pass: '{{index}}' } },
            },
          ],
          outputVariable: 'closed',
        },
      },
    ],
  };
  const frames = await readSse(await harness.dispatch({ flow, options: { streamResponse: true } }, { query: 'events=runtype' }));
  const done = frames.find((frame) => frame.event === 'flow_complete')!;
  assert.ok(done, JSON.stringify(frames.filter((frame) => frame.event.includes('error'))));
  const closed = (done.data.output as { closed: Array<{ name: string; metadata: Record<string, unknown> }> }).closed;
  assert.deepEqual(
    closed.map((record) => [record.name, record.metadata.open, record.metadata.pass]),
    [
      ['L3', false, 0],
      ['L2', false, 1],
    ],
  );
  // Runtype's vocabularies have no warning frame: a warning rides on the next frame as `warnings`.
  const carried = frames.flatMap((frame) => (Array.isArray(frame.data.warnings) ? (frame.data.warnings as Array<{ code?: string }>) : []));
  assert.ok(
    carried.some((warning) => warning.code === 'LOOP_ITEMS_CAPPED'),
    JSON.stringify(carried),
  );
  assert.equal(frames.filter((frame) => frame.event === 'step_start' && frame.data.id === 'close').length, 2);
  for (const frame of frames) assert.equal(validateRuntypeFrame(frame.data), null);
  const { body } = await run([
    { id: 'l', name: 'L', type: 'loop', config: { items: [1], steps: [{ id: 'a', name: 'A', type: 'approval' }] } },
  ]);
  assert.match(JSON.stringify(body), /flow\.steps\[0\]\.config\.steps\[0\]\.type/);
});
