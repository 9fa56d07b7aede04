import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { startBackgroundCheckpoints } from './background-checkpoints.js';

// What the database file alone holds (a copy without its WAL): the rows a checkpoint has copied into it. A copy
// taken while a checkpoint is writing the file can be torn (SQLITE_CORRUPT): that reads as "not yet" (-1).
function rowsInMainFile(dir: string, file: string): number {
  const copy = join(dir, `copy-${Math.random()}.sqlite`);
  copyFileSync(file, copy);
  const reader = new BetterSqlite3(copy);
  try {
    return (reader.prepare('select count(*) as n from items').get() as { n: number }).n;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CORRUPT') return -1;
    throw error;
  } finally {
    reader.close();
  }
}

/** Polls until `read` gives `wanted` (a loaded machine starts the worker thread late), for at most 10 s. */
async function eventually(read: () => number, wanted: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  let value = read();
  while (value !== wanted && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = read();
  }
  return value;
}

test('a worker thread copies committed WAL pages into the database file; the writer never checkpoints itself', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowrun-checkpoints-'));
  const file = join(dir, 'db.sqlite');
  const writer = new BetterSqlite3(file);
  writer.pragma('journal_mode = WAL');
  writer.pragma('wal_autocheckpoint = 0');
  writer.exec('create table items (id integer primary key, body text)');
  writer.pragma('wal_checkpoint(TRUNCATE)');
  const insert = writer.prepare('insert into items (body) values (?)');
  try {
    for (let index = 0; index < 200; index++) insert.run('x'.repeat(500));
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(rowsInMainFile(dir, file), 0, 'without the worker the rows are only in the WAL');

    const checkpoints = startBackgroundCheckpoints(file, 20, (error) => assert.fail(error));
    assert.equal(await eventually(() => rowsInMainFile(dir, file), 200), 200);
    for (let index = 0; index < 100; index++) insert.run('y'.repeat(500));
    assert.equal(await eventually(() => rowsInMainFile(dir, file), 300), 300);
    await checkpoints.stop();
  } finally {
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
