import type { ExecutionEvent } from '../protocol/execution-event.js';
import type { Transaction } from 'kysely';
import type { Database } from './database.js';
import type { DatabaseSchema } from './schema.js';

export async function appendEvents(db: Database, events: readonly StoredEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.transaction().execute((trx) => appendEventsIn(trx, events));
}

/** Events, then `also` (a checkpoint or a journal entry), in one transaction. */
export async function appendEventsWith(
  db: Database,
  events: readonly StoredEvent[],
  also: (trx: Transaction<DatabaseSchema>) => Promise<void>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await appendEventsIn(trx, events);
    await also(trx);
  });
}

/** An event and its JSON, serialised once when it was recorded. */
export interface StoredEvent {
  event: ExecutionEvent;
  json: string;
}

async function appendEventsIn(trx: Transaction<DatabaseSchema>, stored: readonly StoredEvent[]): Promise<void> {
  if (stored.length === 0) return;
  const events = stored.map((entry) => entry.event);

  for (let start = 0; start < stored.length; start += 100) {
    const batch = stored.slice(start, start + 100);
    await trx
      .insertInto('execution_events')
      .values(batch.map(({ event, json }) => ({ execution_id: event.executionId, seq: event.seq, type: event.type, data: json })))
      .onConflict((conflict) => conflict.columns(['execution_id', 'seq']).doNothing())
      .execute();
  }
  const last = new Map<string, number>();
  for (const event of events) last.set(event.executionId, Math.max(last.get(event.executionId) ?? 0, event.seq));
  for (const [id, seq] of last) {
    await trx.updateTable('executions').set({ last_seq: seq }).where('id', '=', id).where('last_seq', '<', seq).execute();
  }
}

export async function readEvents(db: Database, executionId: string, afterSeq: number, limit: number): Promise<ExecutionEvent[]> {
  const rows = await db
    .selectFrom('execution_events')
    .select('data')
    .where('execution_id', '=', executionId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => JSON.parse(row.data) as ExecutionEvent);
}

export async function lastStoredSeq(db: Database, executionId: string): Promise<number> {
  const row = await db
    .selectFrom('execution_events')
    .select((eb) => eb.fn.max('seq').as('max'))
    .where('execution_id', '=', executionId)
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}
