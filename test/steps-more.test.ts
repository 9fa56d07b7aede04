import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';

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
