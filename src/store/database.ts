import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, type SqliteDatabase, type Transaction } from 'kysely';
import type { Pool, PoolConfig } from 'pg';
import { migrationProvider } from './migrations.js';
import type { DatabaseSchema } from './schema.js';

export type Database = Kysely<DatabaseSchema>;
export type StoreTransaction = Transaction<DatabaseSchema>;

/**
 * Opens (creating if needed) the SQLite file in WAL mode. `synchronous=NORMAL` in WAL keeps every commit
 * durable across a process crash (the WAL is written before commit returns); only an OS crash may lose the
 * last transactions.
 */
export function openSqlite(file: string): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const connection = new BetterSqlite3(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('busy_timeout = 5000');
  // SQLite's auto-checkpoint stays at its default (1,000 pages): the server copies WAL pages from a worker thread
  // (background-checkpoints.ts), so a commit's own checkpoint only finishes the little that is left.
  connection.pragma('foreign_keys = ON');
  return new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
}

/**
 * Opens a PostgreSQL pool. 64-bit integers and numerics come back as numbers (pg returns them as strings):
 * the store's bigints are epoch milliseconds and credit amounts, far below 2^53.
 */
export async function openPostgres(url: string, poolSize = 10, leaseMs = 15_000): Promise<Database> {
  // Loaded only when used: a server on SQLite never loads the PostgreSQL driver.
  const { default: pg } = await import('pg');
  const types: PoolConfig['types'] = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC ? Number : pg.types.getTypeParser(oid, format)) as never,
  };
  const pool: Pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types,
    // A database that is down refuses connections at once (a 503 within a fraction of a second); one that is
    // unreachable and silent is given up after 5 s. (The same bound holds a request waiting for a free connection
    // under load, so it is not shorter.)
    connectionTimeoutMillis: 5000,
    // A process frozen inside a transaction (SIGSTOP, a VM paused) must not keep its runs' rows locked past its
    // lease: the server ends such a session, so the process that takes the runs over is not left waiting on it.
    // Flowrun's own transactions never sit idle (group commits send their statements back to back).
    options: `-c idle_in_transaction_session_timeout=${Math.min(10_000, Math.max(1000, Math.floor(leaseMs / 3)))}`,
  });
  // A client that loses its connection (terminated, the server restarting) emits 'error': on the pool while idle,
  // on the client itself while checked out (inside a transaction between two queries). Without a listener either
  // ends the process; with one, what used the connection fails (its next query rejects) and the pool connects
  // anew for the next.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
}

/** Which database a connection (or an open transaction) talks to, for the few statements written by hand. */
export function isPostgres(db: Pick<Database, 'getExecutor'>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Whether a failed statement may succeed when tried again: the database was busy, locked, full or had an I/O error. */
export function isTransientStoreError(error: unknown): boolean {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  return (
    /^SQLITE_(BUSY|LOCKED|IOERR|FULL|PROTOCOL)/.test(code) ||
    /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE)$/.test(code) ||
    // PostgreSQL: serialization failure, deadlock, too many connections, the server shutting down or restarting.
    /^(40001|40P01|53300|57P0[123]|08\d\d\d)$/.test(code) ||
    // pg's own words for a connection that went away (no code): the next connection may well work.
    (code === '' &&
      /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect/i.test(
        (error as Error | null)?.message ?? '',
      ))
  );
}

/** Whether the database answers, and how many of the known migrations it has applied. */
export async function schemaStatus(db: Database): Promise<{ applied: number; pending: string[] }> {
  const migrations = await new Migrator({ db, provider: migrationProvider }).getMigrations();
  return {
    applied: migrations.filter((migration) => migration.executedAt !== undefined).length,
    pending: migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name),
  };
}

/** Brings the schema up to date; throws with the failing migration's name. */
export async function migrate(db: Database): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? String(error)}`);
  }
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs more than running a small insert.
 * Statements are cached by SQL text (bounded), so each distinct query is prepared once per connection.
 */
/** A rollback with nothing to roll back: what Kysely runs after SQLite already rolled the transaction back. */
const noRollback = {
  reader: false,
  all: () => [],
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  iterate: () => [][Symbol.iterator](),
} as unknown as ReturnType<SqliteDatabase['prepare']>;

function withStatementCache(connection: BetterSqlite3.Database, limit = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => connection.close(),
    prepare(text: string) {
      // SQLite rolls a transaction back by itself on some errors (SQLITE_FULL, SQLITE_IOERR): Kysely's rollback
      // would then fail with "no transaction is active" and hide the error that matters (the disk is full).
      if (text === 'rollback' && !connection.inTransaction) return noRollback;
      // Several processes may share the file (`serve --workers N`): a transaction takes the write lock when it
      // begins, so one that read first never fails to upgrade with SQLITE_BUSY (which skips the busy timeout).
      const sqlText = text === 'begin' ? 'begin immediate' : text;
      let statement = cache.get(sqlText);
      if (!statement) {
        if (cache.size >= limit) cache.delete(cache.keys().next().value!);
        statement = connection.prepare(sqlText);
        cache.set(sqlText, statement);
      }
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}
