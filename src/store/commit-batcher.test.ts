import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { inSharedTransaction } from './commit-batcher.js';
import { openSqlite, type Database } from './database.js';

async function withDatabase(use: (db: Database) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flowrun-batcher-'));
  const db = openSqlite(join(dir, 'test.sqlite'));
  try {
    await sql`create table items (name text primary key)`.execute(db);
    await use(db);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

const names = async (db: Database) =>
  (await sql<{ name: string }>`select name from items order by name`.execute(db)).rows.map((row) => row.name);

test('work asked for in the same turn shares one transaction; a failing work is rolled back alone', async () => {
  await withDatabase(async (db) => {
    const transactions = new Set<unknown>();
    const insert = (name: string) =>
      inSharedTransaction(db, async (trx) => {
        transactions.add(trx);
        await sql`insert into items (name) values (${name})`.execute(trx);
        return name;
      });
    const results = await Promise.allSettled([
      insert('a'),
      inSharedTransaction(db, async (trx) => {
        transactions.add(trx);
        await sql`insert into items (name) values ('half')`.execute(trx);
        await sql`insert into items (name) values ('a')`.execute(trx); // taken by the first work: fails
      }),
      insert('b'),
    ]);
    assert.equal(transactions.size, 1, 'one transaction for the three');
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((results[0] as PromiseFulfilledResult<string>).value, 'a');
    assert.deepEqual(await names(db), ['a', 'b'], "the failing work's first insert was rolled back with it");
  });
});

test('work asked for while a shared transaction commits goes in the next one, in order', async () => {
  await withDatabase(async (db) => {
    const order: string[] = [];
    const first = inSharedTransaction(db, async (trx) => {
      order.push('first');
      await sql`insert into items (name) values ('first')`.execute(trx);
    });
    await new Promise((resolve) => setImmediate(resolve));
    const second = inSharedTransaction(db, async (trx) => {
      order.push('second');
      await sql`insert into items (name) values ('second')`.execute(trx);
    });
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first', 'second']);
    assert.deepEqual(await names(db), ['first', 'second']);
  });
});
