import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RecordData } from '../../protocol/record.js';
import { recordFilterOperators } from '../../protocol/record-filter.js';
import { matchesRecordFilter } from '../record-filter.js';
import { runFlow } from '../run-flow.js';
import { fixedClock, memoryRecords, testEngine, testRequest } from '../testing.js';

const signal = () => new AbortController().signal;
const day = 86_400_000;
const now = Date.UTC(2026, 10, 22, 12);

const people: RecordData[] = [
  { id: 'rec_1', name: 'Ada', type: 'person', metadata: { age: 36, city: 'London', tags: ['math'], active: true }, created: false },
  { id: 'rec_2', name: 'Bob', type: 'person', metadata: { age: 25, city: 'Paris', active: false }, created: false },
  { id: 'rec_3', name: 'Cy', type: 'person', metadata: { age: 51, city: 'Lisbon' }, created: false },
  { id: 'rec_4', name: 'Q4', type: 'report', metadata: {}, created: false },
].map((record, index) => ({ ...record, createdAt: new Date(now - (index + 1) * 10 * day).toISOString() }));

test('each of the 18 record filter operators selects what Runtype documents', () => {
  const cases: Record<(typeof recordFilterOperators)[number], [string, unknown, string[]]> = {
    eq: ['city', 'Paris', ['Bob']],
    neq: ['city', 'Paris', ['Ada', 'Cy']],
    gt: ['age', 36, ['Cy']],
    gte: ['age', 36, ['Ada', 'Cy']],
    lt: ['age', 36, ['Bob']],
    lte: ['age', '36', ['Ada', 'Bob']],
    between: ['age', [30, 60], ['Ada', 'Cy']],
    contains: ['city', 'is', ['Bob', 'Cy']],
    startsWith: ['city', 'l', ['Ada', 'Cy']],
    endsWith: ['name', 'b', ['Bob']],
    in: ['city', ['Paris', 'Lisbon'], ['Bob', 'Cy']],
    notIn: ['city', ['Paris', 'Lisbon'], ['Ada']],
    isSet: ['active', undefined, ['Ada', 'Bob']],
    isNotSet: ['active', undefined, ['Cy']],
    isTrue: ['active', undefined, ['Ada']],
    isFalse: ['active', undefined, ['Bob']],
    withinLastDays: ['createdAt', 25, ['Ada', 'Bob']],
    olderThanDays: ['createdAt', 25, ['Cy']],
  };
  assert.deepEqual(Object.keys(cases).sort(), [...recordFilterOperators].sort());
  for (const [op, [field, value, names]] of Object.entries(cases)) {
    const where = { field, op, value } as never;
    const matched = people.filter((record) => record.type === 'person' && matchesRecordFilter(record, where, now));
    assert.deepEqual(
      matched.map((record) => record.name),
      names,
      op,
    );
  }
  const group = {
    op: 'or',
    conditions: [
      { field: 'tags', op: 'contains', value: 'math' },
      { field: 'age', op: 'gt', value: 50 },
    ],
  };
  assert.deepEqual(
    people.filter((record) => matchesRecordFilter(record, group as never, now)).map((record) => record.name),
    ['Ada', 'Cy'],
  );
});

test('list-records pages the matching records of a type, newest first; get-record reads one by id or name', async () => {
  const outcome = await runFlow(
    testEngine({ records: memoryRecords(people), clock: fixedClock(now) }),
    testRequest(
      [
        {
          id: 'adults',
          name: 'adults',
          type: 'list-records',
          config: { recordType: 'person', recordFilter: { where: { field: 'age', op: 'gte', value: 30 } }, limit: 1, offset: 0 },
        },
        { id: 'all', name: 'all', type: 'list-records', config: { recordType: 'person', limit: 2, offset: 1 } },
        { id: 'byId', name: 'byId', type: 'get-record', config: { recordId: '{{id}}' } },
        { id: 'byName', name: 'byName', type: 'get-record', config: { recordType: 'person', recordName: 'Bob' } },
        { id: 'none', name: 'none', type: 'get-record', config: { recordId: 'rec_404' } },
      ],
      { inputs: { id: 'rec_3' } },
    ),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  const adults = outcome.output.adults as { records: Array<{ name: string }>; total: number; hasMore: boolean };
  assert.deepEqual([adults.records.map((record) => record.name), adults.total, adults.hasMore], [['Cy'], 2, true]);
  const all = outcome.output.all as { records: Array<{ name: string }>; total: number; hasMore: boolean };
  assert.deepEqual([all.records.map((record) => record.name), all.total, all.hasMore], [['Bob', 'Ada'], 3, false]);
  assert.equal((outcome.output.byId as { name: string }).name, 'Cy');
  assert.equal((outcome.output.byName as { id: string }).id, 'rec_2');
  assert.equal(outcome.output.none, null);
});

test('record steps are validated with field paths: a bad operator, a between without a pair, get-record without a key', () => {
  const attempt = (steps: unknown[]) => {
    try {
      testRequest(steps);
      return [];
    } catch (error) {
      return ((error as { details?: Array<{ path: string }> }).details ?? []).map((detail) => detail.path);
    }
  };
  const operator = attempt([
    { id: 'l', name: 'l', type: 'list-records', config: { recordFilter: { where: { field: 'age', op: 'like', value: 1 } } } },
  ]);
  assert.ok(
    operator.some((path) => path.startsWith('flow.steps[0].config.recordFilter.where')),
    operator.join(),
  );
  const between = attempt([
    { id: 'l', name: 'l', type: 'list-records', config: { recordFilter: { where: { field: 'age', op: 'between', value: 3 } } } },
  ]);
  assert.ok(
    between.some((path) => path.startsWith('flow.steps[0].config.recordFilter.where')),
    between.join(),
  );
  assert.deepEqual(attempt([{ id: 'g', name: 'g', type: 'get-record', config: {} }]), ['flow.steps[0].config.recordId']);
  assert.ok(attempt([{ id: 'l', name: 'l', type: 'list-records', config: { limit: 0 } }]).includes('flow.steps[0].config.limit'));
});
