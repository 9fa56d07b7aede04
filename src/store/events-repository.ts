import { isStreamedDelta, type ExecutionEvent } from '../protocol/execution-event.js';
import { CompiledQuery } from 'kysely';
import { inSharedTransaction } from './commit-batcher.js';
import { isPostgres, type Database, type StoreTransaction } from './database.js';

export async function appendEvents(db: Database, events: readonly StoredEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.transaction().execute((trx) => appendEventsIn(trx, events));
}

/**
 * Events, then `also` (a run's checkpoint, journal entry or end), all or nothing, in the transaction shared with
 * the other commits asked for in this turn of the event loop (group commit). Resolves with the runs whose
 * events were not written because their lease is not the writer's (see StoredEvent.fence).
 */
export function commitEvents(
  db: Database,
  events: readonly StoredEvent[],
  also?: (trx: StoreTransaction) => Promise<void>,
): Promise<string[]> {
  // Keyed by run: a run's events never commit out of order, even with several shared transactions in flight.
  const runs = new Set<string>();
  for (const { event } of events) runs.add(event.executionId);
  return inSharedTransaction(
    db,
    async (trx) => {
      const fenced = await appendEventsIn(trx, events);
      if (also) await also(trx);
      return fenced;
    },
    [...runs],
  );
}

/** An event and its JSON, serialised once when it was recorded. */
export interface StoredEvent {
  event: ExecutionEvent;
  json: string;
  /**
   * The lease owner that must hold the run for the event to be written (fencing): a process that lost the run
   * to another (it stalled past its lease) writes nothing more into it. Absent for events of runs no process
   * leases (a paused run cancelled).
   */
  fence?: string;
}

// The insert of n rows, built once per n: Kysely's builder spent more CPU compiling a 100-row insert than
// SQLite spent running it (5-6 µs against 3.5 µs a row, measured).
// PostgreSQL numbers its placeholders ($1, $2, …), SQLite takes `?`.
const insertSql = new Map<string, string>();
function insertEventsSql(count: number, postgres: boolean): string {
  const cacheKey = `${count}${postgres ? 'p' : 's'}`;
  let text = insertSql.get(cacheKey);
  if (!text) {
    const rows = Array.from({ length: count }, (_, row) =>
      postgres ? `($${row * 4 + 1}, $${row * 4 + 2}, $${row * 4 + 3}, $${row * 4 + 4})` : '(?, ?, ?, ?)',
    ).join(', ');
    text = `insert into "execution_events" ("execution_id", "seq", "type", "data") values ${rows} on conflict ("execution_id", "seq") do nothing`;
    insertSql.set(cacheKey, text);
  }
  return text;
}

interface EventRow {
  executionId: string;
  seq: number;
  type: string;
  data: string;
}

/**
 * The rows for a batch of events. Consecutive deltas of one stream (same run, type and part) become one row,
 * keyed by the last one's number: `{"batch":{"base":…,"items":[…]}}`, the fields they share once and what each
 * changes. A streamed token is one event; stored one row each, thousands of streams made every commit touch
 * thousands of index pages.
 */
function rowsOf(stored: readonly StoredEvent[]): EventRow[] {
  const rows: EventRow[] = [];
  let index = 0;
  while (index < stored.length) {
    const first = stored[index]!.event;
    let end = index + 1;
    if (isStreamedDelta(first)) {
      const part = streamOf(first);
      while (end < stored.length && sameStream(stored[end]!.event, first, part, stored[end - 1]!.event.seq)) end++;
    }
    if (end - index === 1) rows.push({ executionId: first.executionId, seq: first.seq, type: first.type, data: stored[index]!.json });
    else rows.push(batchRow(stored.slice(index, end).map((entry) => entry.event)));
    index = end;
  }
  return rows;
}

const streamOf = (event: ExecutionEvent): string => {
  const fields = event as { partId?: string; toolCallId?: string };
  return fields.partId ?? fields.toolCallId ?? '';
};

const sameStream = (event: ExecutionEvent, first: ExecutionEvent, part: string, previousSeq: number): boolean =>
  event.type === first.type && event.executionId === first.executionId && event.seq === previousSeq + 1 && streamOf(event) === part;

function batchRow(events: ExecutionEvent[]): EventRow {
  const base = events[0] as unknown as Record<string, unknown>;
  const items = events.map((event) => {
    const fields = event as unknown as Record<string, unknown>;
    const item: Record<string, unknown> = {};
    for (const key of Object.keys(fields)) if (fields[key] !== base[key]) item[key] = fields[key];
    return item;
  });
  const last = events[events.length - 1]!;
  return { executionId: last.executionId, seq: last.seq, type: last.type, data: JSON.stringify({ batch: { base, items } }) };
}

/** The events a stored row holds: itself, or each delta of a batch. */
function eventsOfRow(data: string): ExecutionEvent[] {
  const parsed = JSON.parse(data) as ExecutionEvent | { batch: { base: Record<string, unknown>; items: Record<string, unknown>[] } };
  if (!('batch' in parsed)) return [parsed];
  return parsed.batch.items.map((item) => ({ ...parsed.batch.base, ...item }) as unknown as ExecutionEvent);
}

/**
 * The runs of `stored` whose fence is not their lease owner now. On PostgreSQL the rows of the runs that are
 * held are locked (FOR SHARE, in id order) until the transaction ends, so a takeover waits for this commit and
 * then sees its events: no event of the old holder can land after the new holder read where the log ends.
 * (SQLite has one writer at a time: the takeover cannot come in between.)
 */
async function fencedRuns(trx: StoreTransaction, stored: readonly StoredEvent[]): Promise<Set<string>> {
  const byOwner = new Map<string, Set<string>>();
  for (const { event, fence } of stored) {
    if (fence === undefined) continue;
    let ids = byOwner.get(fence);
    if (!ids) byOwner.set(fence, (ids = new Set()));
    ids.add(event.executionId);
  }
  const fenced = new Set<string>();
  for (const [owner, ids] of byOwner) {
    const wanted = [...ids].sort();
    const held = new Set<string>();
    for (let start = 0; start < wanted.length; start += 500) {
      const rows = await trx
        .selectFrom('executions')
        .select('id')
        .where('id', 'in', wanted.slice(start, start + 500))
        .where('lease_owner', '=', owner)
        .orderBy('id')
        .$if(isPostgres(trx), (query) => query.forShare())
        .execute();
      for (const row of rows) held.add(row.id);
    }
    for (const id of wanted) if (!held.has(id)) fenced.add(id);
  }
  return fenced;
}

/** Writes `stored` but the events of runs whose lease the writer lost; returns those runs. */
async function appendEventsIn(trx: StoreTransaction, all: readonly StoredEvent[]): Promise<string[]> {
  const fenced = await fencedRuns(trx, all);
  const stored = fenced.size === 0 ? all : all.filter(({ event }) => !fenced.has(event.executionId));
  const rows = rowsOf(stored);
  const postgres = isPostgres(trx);
  for (let start = 0; start < rows.length; start += 100) {
    const batch = rows.slice(start, start + 100);
    const parameters: unknown[] = [];
    for (const row of batch) parameters.push(row.executionId, row.seq, row.type, row.data);
    await trx.executeQuery(CompiledQuery.raw(insertEventsSql(batch.length, postgres), parameters));
  }
  // A run's start is committed with its start event, in the group commit that carries it, not in a transaction
  // of its own: queued and running are alike to recovery, and the run shows as running once its start is stored.
  // In id order: two transactions that lock several runs' rows lock them in the same order (no deadlock).
  const starts = stored
    .filter(({ event }) => event.type === 'flow_start')
    .sort((a, b) => (a.event.executionId < b.event.executionId ? -1 : 1));
  for (const { event } of starts) {
    await trx
      .updateTable('executions')
      .set({ status: 'running', started_at: event.at })
      .where('id', '=', event.executionId)
      .where('status', '=', 'queued')
      .execute();
  }
  return [...fenced];
}

/** Up to `limit` of a run's events after `afterSeq`, in order (fewer only when there are no more). */
export async function readEvents(db: Database, executionId: string, afterSeq: number, limit: number): Promise<ExecutionEvent[]> {
  const events: ExecutionEvent[] = [];
  let cursor = afterSeq;
  let last = afterSeq;
  while (events.length < limit) {
    const wanted = limit - events.length;
    const rows = await db
      .selectFrom('execution_events')
      .select(['seq', 'data'])
      .where('execution_id', '=', executionId)
      .where('seq', '>', cursor)
      .orderBy('seq')
      .limit(wanted)
      .execute();
    // Each number once, in order: a write that committed but was reported failed (a connection lost at commit) is
    // written again, perhaps grouped into a longer batch, so a number may be stored twice.
    for (const row of rows)
      for (const event of eventsOfRow(row.data)) {
        if (event.seq <= last || events.length >= limit) continue;
        events.push(event);
        last = event.seq;
      }
    if (rows.length < wanted) break;
    cursor = rows[rows.length - 1]!.seq;
  }
  return events;
}

export async function lastStoredSeq(db: Database, executionId: string): Promise<number> {
  const row = await db
    .selectFrom('execution_events')
    .select((eb) => eb.fn.max('seq').as('max'))
    .where('execution_id', '=', executionId)
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}
