import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExecutionEvent } from '../protocol/execution-event.js';
import { waitFor } from '../../test/support/wait-for.js';
import { createEventWriter, type RecordedEvent } from './event-writer.js';

const recorded = (executionId: string, seq: number): RecordedEvent => {
  const event = { type: 'step_delta', executionId, seq, at: '', partId: 'p', text: 'x', chunkIndex: seq } as unknown as ExecutionEvent;
  return { event, json: JSON.stringify(event) };
};

test('a batch that fails for a lasting reason is never re-queued: each run is written alone and only the bad one is dropped', async () => {
  const written: string[] = [];
  const failed: string[] = [];
  const writer = createEventWriter(
    async (events) => {
      if (events.some((entry) => entry.event.executionId === 'bad'))
        throw Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' });
      written.push(...events.map((entry) => `${entry.event.executionId}:${entry.event.seq}`));
    },
    { intervalMs: 1000, maxBatch: 1000, isTransient: () => false, onError: () => undefined, onRunFailed: (id) => failed.push(id) },
  );
  writer.enqueue(recorded('good', 1));
  writer.enqueue(recorded('bad', 1));
  writer.enqueue(recorded('other', 1));
  await writer.flush();
  assert.deepEqual(written.sort(), ['good:1', 'other:1']);
  assert.deepEqual(failed, ['bad']);
  // Later flushes are not poisoned by the dropped batch.
  writer.enqueue(recorded('good', 2));
  await writer.flush();
  assert.deepEqual(written.at(-1), 'good:2');
  assert.deepEqual(writer.pending('bad'), []);
  await writer.close();
});

test('a transient failure keeps the batch, in order, for the next flush', async () => {
  let fail = true;
  const written: number[] = [];
  const writer = createEventWriter(
    async (events) => {
      if (fail) throw Object.assign(new Error('busy'), { code: 'SQLITE_BUSY' });
      written.push(...events.map((entry) => entry.event.seq));
    },
    {
      intervalMs: 1000,
      maxBatch: 1000,
      isTransient: (error) => (error as { code?: string }).code === 'SQLITE_BUSY',
      onError: () => undefined,
      onRunFailed: () => assert.fail('not a lasting failure'),
    },
  );
  writer.enqueue(recorded('run', 1));
  writer.enqueue(recorded('run', 2));
  await writer.flush();
  assert.equal(writer.pending('run').length, 2);
  fail = false;
  writer.enqueue(recorded('run', 3));
  await writer.flush();
  assert.deepEqual(written, [1, 2, 3]);
});

test("flushWith rejects with the commit error and still writes the other runs' events when the failure lasts", async () => {
  const written: string[] = [];
  const writer = createEventWriter(
    async (events, work?: (tx: unknown) => Promise<void>) => {
      await work?.(events);
      written.push(...events.map((entry) => entry.event.executionId));
    },
    { intervalMs: 1000, maxBatch: 1000, isTransient: () => false, onError: () => undefined, onRunFailed: () => undefined },
  );
  writer.enqueue(recorded('other', 1));
  await assert.rejects(
    writer.flushWith('run', async () => {
      throw new Error('checkpoint failed');
    }),
    /checkpoint failed/,
  );
  assert.deepEqual(written, ['other']);
});

test("a step's completion waits for the commit that carries its checkpoint; the timer and a full batch write around it", async () => {
  const commits: string[][] = [];
  const writer = createEventWriter<RecordedEvent[]>(
    async (events, work) => (work ? work(events) : void commits.push(events.map((entry) => entry.event.type))),
    {
      intervalMs: 1,
      maxBatch: 2,
      isTransient: () => false,
      onError: () => undefined,
      onRunFailed: () => undefined,
    },
  );
  const event = (type: string, seq: number): RecordedEvent => {
    const body = { type, executionId: 'run', seq, at: '' } as unknown as ExecutionEvent;
    return { event: body, json: JSON.stringify(body) };
  };
  writer.enqueue(event('step_start', 1));
  writer.enqueue(event('step_complete', 2));
  writer.enqueue(event('text_end', 3));
  // The timer's commit of text_end (enqueued after the completion) shows the timer went past the completion.
  await waitFor(() => commits.flat().includes('text_end'), 'the timer committed text_end');
  assert.deepEqual(commits.flat(), ['step_start', 'text_end'], 'the full batch and the timer left the completion queued');
  // Another run's commit does not carry it either: a crash between the two would leave it without its checkpoint.
  await writer.flushWith('other', async (events) => void commits.push(['other', ...events.map((entry) => entry.event.type)]));
  assert.deepEqual(commits.at(-1), ['other']);
  await writer.flushWith('run', async (events) => void commits.push(['checkpoint', ...events.map((entry) => entry.event.type)]));
  assert.deepEqual(commits.at(-1), ['checkpoint', 'step_complete']);
  await writer.close();
});

test('runs that ask for their commit in the same turn are flushed together, each with its own events', async () => {
  const parts: Array<{ runs: string[]; work: boolean }> = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const writer = createEventWriter<string>(
    async (events, work) => {
      parts.push({ runs: events.map((entry) => entry.event.executionId), work: work !== undefined });
      await gate; // no part commits before all were asked for
      await work?.('tx');
    },
    { intervalMs: 1000, maxBatch: 1000, isTransient: () => false, onError: () => undefined, onRunFailed: () => undefined },
  );
  writer.enqueue(recorded('a', 1));
  writer.enqueue(recorded('b', 1));
  writer.enqueue(recorded('c', 1));
  const seen: string[] = [];
  const done = Promise.all([
    writer.flushWith('a', async (tx) => void seen.push(`a:${tx}`)),
    writer.flushWith('b', async (tx) => void seen.push(`b:${tx}`)),
  ]);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(parts, [
    { runs: ['c'], work: false },
    { runs: ['a'], work: true },
    { runs: ['b'], work: true },
  ]);
  release();
  await done;
  assert.deepEqual(seen, ['a:tx', 'b:tx']);
  await writer.close();
});

test('fencing: events of a run the store says this process lost are neither announced nor written again on their own, and the run is told', async () => {
  const announced: string[] = [];
  const fenced: string[] = [];
  const commits: string[][] = [];
  const writer = createEventWriter(
    async (events, work?: (tx: unknown) => Promise<void>) => {
      commits.push(events.map((entry) => `${entry.event.executionId}:${entry.event.seq}`));
      await work?.(events);
      return events.some((entry) => entry.event.executionId === 'lost') ? ['lost'] : [];
    },
    {
      intervalMs: 1000,
      maxBatch: 1000,
      isTransient: () => false,
      onError: () => undefined,
      onRunFailed: () => assert.fail('a fenced run is not a failed write'),
      onWritten: (events) => announced.push(...events.map((entry) => `${entry.event.executionId}:${entry.event.seq}`)),
      onFenced: (id) => fenced.push(id),
    },
  );
  writer.enqueue(recorded('mine', 1));
  writer.enqueue(recorded('lost', 1));
  await writer.flush();
  assert.deepEqual(announced, ['mine:1'], 'only what was stored is announced');
  assert.deepEqual(fenced, ['lost']);
  // A checkpoint refused because the lease passed on: its events are dropped, not written alone.
  writer.enqueue(recorded('taken', 1));
  const refused = writer.flushWith('taken', async () => {
    throw Object.assign(new Error('lease lost'), { name: 'FlowrunError' });
  });
  await assert.rejects(refused);
  const { FlowrunError } = await import('../protocol/errors.js');
  writer.enqueue(recorded('taken', 2));
  const lost = writer.flushWith('taken', async () => {
    throw new FlowrunError('LEASE_LOST', 'the lease passed to another process');
  });
  await assert.rejects(lost, /lease passed/);
  const before = commits.length;
  await writer.flush();
  assert.equal(commits.length, before, 'nothing of the fenced run is written again');
  assert.deepEqual(fenced, ['lost', 'taken']);
  assert.ok(!announced.includes('taken:2'));
  await writer.close();
});
