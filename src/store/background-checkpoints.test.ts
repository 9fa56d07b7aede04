import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { waitFor } from '../../test/support/wait-for.js';
import { startBackgroundCheckpoints } from './background-checkpoints.js';

/**
 * How much of the WAL has been copied into the database file, as SQLite itself records it in the wal-index (the
 * `-shm` file, https://www.sqlite.org/walformat.html): `committed` is the header's mxFrame, `copied` the checkpoint
 * info's nBackfill. Read while the checkpoint thread works, without copying the database: a copy of a file being
 * written can be torn. A header caught mid-update (its two copies differ) reads as null.
 */
function walProgress(file: string): { committed: number; copied: number } | null {
  const index = readFileSync(`${file}-shm`).subarray(0, 136);
  if (!index.subarray(0, 48).equals(index.subarray(48, 96))) return null;
  const read = (offset: number) => (endianness() === 'LE' ? index.readUInt32LE(offset) : index.readUInt32BE(offset));
  return { committed: read(16), copied: read(96) };
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
  const allCopied = () => {
    const progress = walProgress(file);
    return progress !== null && progress.committed > 0 && progress.copied === progress.committed;
  };
  try {
    for (let index = 0; index < 200; index++) insert.run('x'.repeat(500));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const alone = walProgress(file);
    assert.ok(alone && alone.committed > 0, 'the rows were committed to the WAL');
    assert.equal(alone.copied, 0, 'without the worker nothing was copied into the database file');

    const checkpoints = startBackgroundCheckpoints(file, 20, (error) => assert.fail(error));
    await waitFor(allCopied, 'every committed frame copied into the database file');
    for (let index = 0; index < 100; index++) insert.run('y'.repeat(500));
    await waitFor(allCopied, 'the later commits copied too');
    await checkpoints.stop();
    assert.equal((writer.prepare('select count(*) as n from items').get() as { n: number }).n, 300);
  } finally {
    writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
