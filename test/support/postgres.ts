/**
 * The PostgreSQL server tests may use: FLOWRUN_TEST_DATABASE_URL (`.ci/run` sets it and fails when PostgreSQL does
 * not answer). Unset, the PostgreSQL half of a suite is skipped with that reason, never passed silently.
 */
export const testDatabaseUrl = process.env.FLOWRUN_TEST_DATABASE_URL || undefined;
export const postgresSkip = testDatabaseUrl ? false : 'FLOWRUN_TEST_DATABASE_URL is not set';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A new empty database on the test server, so each suite starts clean and suites run side by side. */
export async function createTestDatabase(prefix = 'flowrun_test'): Promise<TestDatabase> {
  if (!testDatabaseUrl) throw new Error('FLOWRUN_TEST_DATABASE_URL is not set');
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(`create database "${name}"`);
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`drop database if exists "${name}" with (force)`),
  };
}

async function admin(statement: string): Promise<void> {
  // pg is loaded only when a test asks for PostgreSQL (most run on SQLite).
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
