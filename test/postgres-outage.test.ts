import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openPostgres, type Database } from '../src/store/database.js';
import { createTestDatabase, postgresSkip, testDatabaseUrl, type TestDatabase } from './support/postgres.js';
import { waitFor } from './support/wait-for.js';

// A PostgreSQL connection terminated under a process (an administrator, a failover, a restart) must fail what
// used it, never the process: pg emits 'error' on a client that loses its connection, and an 'error' event
// nobody listens to ends Node.
let database: TestDatabase | undefined;
let db: Database;
before(async () => {
  if (postgresSkip) return;
  database = await createTestDatabase('flowrun_outage');
  db = await openPostgres(database.url, 4);
});
after(async () => {
  await db?.destroy();
  await database?.drop();
});

async function terminate(pid: number): Promise<void> {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query('select pg_terminate_backend($1)', [pid]);
    await waitFor(
      async () => !(await admin.query('select 1 from pg_stat_activity where pid = $1', [pid])).rowCount,
      `backend ${pid} gone`,
      {
        everyMs: 10,
      },
    );
  } finally {
    await admin.end();
  }
}

test(
  'a connection terminated inside a transaction fails that transaction; the process lives and the pool serves again',
  { skip: postgresSkip },
  async () => {
    const outcome = await db
      .transaction()
      .execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await terminate(rows[0]!.pid);
        // Let the client see its socket close while no query runs (the 'error' that ended the process).
        for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, 50));
        await sql`select 1`.execute(trx);
        return 'committed';
      })
      .catch((error: Error) => error);
    assert.ok(outcome instanceof Error, 'the transaction on the terminated connection failed');
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    assert.equal(rows[0]!.one, 1);
  },
);

test('idle connections terminated together are replaced', { skip: postgresSkip }, async () => {
  const pids = await Promise.all(
    [0, 1, 2].map(() =>
      db.transaction().execute(async (trx) => (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid),
    ),
  );
  for (const pid of new Set(pids)) await terminate(pid);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const answers = await Promise.all(
    [0, 1, 2, 3].map(() =>
      sql<{ one: number }>`select 1 as one`.execute(db).then(
        (result) => result.rows[0]!.one,
        () => 0,
      ),
    ),
  );
  // A query handed a connection that died unseen may fail once; the pool then connects anew.
  const again = await sql<{ one: number }>`select 1 as one`.execute(db);
  assert.equal(again.rows[0]!.one, 1);
  assert.ok(answers.some((answer) => answer === 1));
});
