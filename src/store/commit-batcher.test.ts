import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { balanceBookOf } from './balance-book.js';
import { inSharedTransaction } from './commit-batcher.js';
import { openSqlite, type Database } from './database.js';

async function withDatabase(use: (db: Database) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flowrun-batcher-'));
  const db = openSqlite(join(dir, 'test.sqlite'));
  try {
    await sql`create table items (name text primary key)`.execute(db);
    await sql`create table credit_balances (tenant_id text, mode text, balance integer, primary key (tenant_id, mode))`.execute(db);
    await sql`create table credit_ledger (id text primary key, tenant_id text, mode text, delta integer, balance_after integer, reason text, execution_id text, created_at text)`.execute(
      db,
    );
    await sql`insert into credit_balances values ('t', 'test', 100)`.execute(db);
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
    // Tried together without savepoints; the second work failed, so again with each work in a savepoint.
    assert.equal(transactions.size, 2, 'one transaction for the three, and one more to roll the failing work back alone');
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

const scope = { tenantId: 't', mode: 'test' } as const;
const balance = async (db: Database) => (await sql<{ balance: number }>`select balance from credit_balances`.execute(db)).rows[0]!.balance;
const ledger = async (db: Database) =>
  (
    await sql<{ id: string; delta: number; balance_after: number }>`select id, delta, balance_after from credit_ledger order by id`.execute(
      db,
    )
  ).rows;

test("a shared transaction changes a tenant's balance once, last, and gives each ledger entry the balance after it", async () => {
  await withDatabase(async (db) => {
    const statements: string[] = [];
    const change = (delta: number, entry?: string) =>
      inSharedTransaction(db, async (trx) => {
        const book = balanceBookOf(trx)!;
        const after = book.change(
          scope,
          delta,
          entry ? { id: entry, delta, reason: 'run', executionId: null, createdAt: 'now' } : undefined,
        );
        statements.push(`change ${delta}`);
        return after;
      });
    const afters = await Promise.all([change(-30), change(10, 'e1'), change(-50), change(5, 'e2')]);
    assert.equal(await balance(db), 35);
    assert.deepEqual(
      afters.map((after) => after.balance),
      [70, 80, 30, 35],
    );
    assert.deepEqual(await ledger(db), [
      { id: 'e1', delta: 10, balance_after: 80 },
      { id: 'e2', delta: 5, balance_after: 35 },
    ]);
  });
});

test('reservations that together would overdraw are checked one by one: those the balance covers commit, the rest fail alone', async () => {
  await withDatabase(async (db) => {
    const { reserveCredits } = await import('./credits-repository.js');
    const reserve = (amount: number) =>
      inSharedTransaction(db, async (trx) => {
        if (!(await reserveCredits(trx, scope, amount))) throw new Error(`short by ${amount}`);
        await sql`insert into items (name) values (${`reserved ${amount}`})`.execute(trx);
      });
    const results = await Promise.allSettled([reserve(60), reserve(50), reserve(40)]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal(await balance(db), 0);
    assert.deepEqual(await names(db), ['reserved 40', 'reserved 60']);
  });
});
