import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionEvent } from '../protocol/execution-event.js';
import { migrate, openSqlite } from './database.js';
import { appendEvents, lastStoredSeq, readEvents } from './events-repository.js';
import { insertExecution } from './executions-repository.js';

const ref = { stepId: 's1', stepName: 'S1', stepType: 'prompt', index: 1, totalSteps: 1 };

function delta(executionId: string, seq: number, partId: string, text: string): ExecutionEvent {
  return {
    type: 'step_delta',
    executionId,
    seq,
    at: `2026-11-22T00:00:0${seq % 10}.000Z`,
    partId,
    text,
    chunkIndex: seq,
    ...ref,
  } as ExecutionEvent;
}

test('consecutive deltas of one stream are stored as one row and read back as the same events, from any point', async () => {
  const db = openSqlite(':memory:');
  await migrate(db);
  for (const id of ['exec_a', 'exec_b'])
    await insertExecution(db, {
      id,
      scope: { tenantId: 't', mode: 'test' },
      flowId: null,
      flowVersionId: null,
      flowName: 'f',
      recordId: null,
      dialect: 'runtype',
      input: {},
      totalSteps: 1,
      createdAt: '2026-11-22T00:00:00.000Z',
    });
  const a: ExecutionEvent[] = [
    { type: 'step_start', executionId: 'exec_a', seq: 1, at: '2026-11-22T00:00:00.000Z', ...ref } as ExecutionEvent,
    ...[2, 3, 4, 5].map((seq) => delta('exec_a', seq, 'p1', `a${seq} `)),
    ...[6, 7].map((seq) => delta('exec_a', seq, 'p2', `other part ${seq}`)),
    { type: 'text_end', executionId: 'exec_a', seq: 8, at: '2026-11-22T00:00:00.000Z', partId: 'p2', text: 'x', ...ref } as ExecutionEvent,
  ];
  const b = [1, 2, 3].map((seq) => delta('exec_b', seq, 'q', `b${seq}`));
  // Two runs interleaved in one flush, as the group commit writes them.
  const flush = [a[0]!, b[0]!, a[1]!, a[2]!, b[1]!, a[3]!, a[4]!, a[5]!, a[6]!, b[2]!, a[7]!];
  await appendEvents(
    db,
    flush.map((event) => ({ event, json: JSON.stringify(event) })),
  );

  const rows = await db.selectFrom('execution_events').select(['execution_id', 'seq']).where('execution_id', '=', 'exec_a').execute();
  assert.ok(rows.length < a.length, `fewer rows (${rows.length}) than events (${a.length})`);
  assert.deepEqual(await readEvents(db, 'exec_a', 0, 1000), a);
  assert.deepEqual(await readEvents(db, 'exec_b', 0, 1000), b);
  for (let after = 0; after <= a.length; after++) {
    assert.deepEqual(await readEvents(db, 'exec_a', after, 1000), a.slice(after), `after ${after}`);
    // A small page ends inside a batch; the next page continues after the last event returned.
    const paged: ExecutionEvent[] = [];
    let cursor = after;
    for (;;) {
      const page = await readEvents(db, 'exec_a', cursor, 2);
      paged.push(...page);
      if (page.length < 2) break;
      cursor = page[page.length - 1]!.seq;
    }
    assert.deepEqual(paged, a.slice(after), `paged after ${after}`);
  }
  assert.equal(await lastStoredSeq(db, 'exec_a'), 8);
  await db.destroy();
});
