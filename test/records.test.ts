import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/harness.js';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(() => harness.close());

async function call(method: string, path: string, body?: unknown, key = harness.key) {
  const response = await harness.request(`${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, any>) : null };
}

test('records: create, list with filters, get, patch, delete, per tenant', async () => {
  const created = await call('POST', '/v1/records', { name: 'Ada', type: 'person', metadata: { role: 'engineer' } });
  assert.equal(created.status, 201);
  const id = created.body!.id;
  await call('POST', '/v1/records', { name: 'Bob', type: 'person' });
  await call('POST', '/v1/records', { name: 'Q4', type: 'report' });
  const people = await call('GET', '/v1/records?type=person');
  assert.deepEqual(people.body!.data.map((record: { name: string }) => record.name).sort(), ['Ada', 'Bob']);
  assert.equal((await call('GET', `/v1/records/${id}`)).body!.metadata.role, 'engineer');
  const patched = await call('PATCH', `/v1/records/${id}`, { metadata: { role: 'lead' } });
  assert.equal(patched.body!.metadata.role, 'lead');
  assert.equal((await call('GET', `/v1/records/${id}`, undefined, await harness.createKey('other'))).status, 404);
  assert.equal((await call('POST', '/v1/records', { type: 'x' })).status, 422);
  assert.equal((await call('DELETE', `/v1/records/${id}`)).status, 204);
  assert.equal((await call('GET', `/v1/records/${id}`)).status, 404);
});

test('retrieve-record, upsert-record and update-record steps read and write stored records', async () => {
  const record = (await call('POST', '/v1/records', { name: 'Acme', type: 'company', metadata: { tier: 'gold', visits: 1 } })).body!;
  const run = await harness.dispatch({
    record: { id: record.id },
    flow: {
      name: 'records',
      steps: [
        { id: 'own', name: 'Own', type: 'retrieve-record', config: { outputVariable: 'own' } },
        {
          id: 'other',
          name: 'Other',
          type: 'retrieve-record',
          config: {
            recordType: 'company',
            recordName: 'Acme',
            recordFilter: { where: { field: 'tier', op: 'eq', value: 'gold' } },
            outputVariable: 'found',
          },
        },
        {
          id: 'bump',
          name: 'Bump',
          type: 'update-record',
          config: { updates: { visits: 2, lastSeen: '{{_execution.id}}' }, outputVariable: 'bumped' },
        },
        {
          id: 'note',
          name: 'Note',
          type: 'set-variable',
          config: { variableName: 'note', value: { summary: 'likes {{own.metadata.tier}}' } },
        },
        {
          id: 'save',
          name: 'Save',
          type: 'upsert-record',
          config: { recordType: 'note', recordName: 'acme-note', sourceVariable: 'note', outputVariable: 'saved' },
        },
        {
          id: 'save2',
          name: 'Save again',
          type: 'upsert-record',
          config: { recordType: 'note', recordName: 'acme-note', metadata: { extra: true }, outputVariable: 'saved2' },
        },
      ],
    },
    options: { recordMode: 'existing', streamResponse: false },
  });
  const result = (await run.json()) as { status: string; output: Record<string, any>; executionId: string; error: unknown };
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.equal(result.output.own.metadata.tier, 'gold');
  assert.equal(result.output.found.id, record.id);
  assert.deepEqual(result.output.bumped.metadata, { tier: 'gold', visits: 2, lastSeen: result.executionId });
  assert.equal(result.output.saved.created, true);
  assert.equal(result.output.saved2.created, false);
  assert.deepEqual(result.output.saved2.metadata, { summary: 'likes gold', extra: true });
  const notes = await call('GET', '/v1/records?type=note');
  assert.equal(notes.body!.data.length, 1);
  const virtual = await harness.dispatch({
    flow: { name: 'v', steps: [{ id: 'u', name: 'U', type: 'update-record', config: { updates: { a: 1 } } }] },
    options: { streamResponse: false },
  });
  const failed = (await virtual.json()) as { status: string; error: { message: string } };
  assert.equal(failed.status, 'failed');
  assert.match(failed.error.message, /virtual/);
});
