import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { openDatabase, type Config } from '../src/config.js';
import { inSharedTransaction } from '../src/store/commit-batcher.js';
import type { ExecutionEvent } from '../src/protocol/execution-event.js';
import { schemaStatus, migrate, type Database } from '../src/store/database.js';
import { approvalsOfExecution, getApproval, insertApprovals } from '../src/store/approvals-repository.js';
import { addCredits, ensureBalance, getBalance, ledgerSum } from '../src/store/credits-repository.js';
import { appendEvents, commitEvents, lastStoredSeq, readEvents } from '../src/store/events-repository.js';
import { finishExecution, getExecutionRow, insertExecution } from '../src/store/executions-repository.js';
import { leaseHolders, releaseLeases, renewLeases, runsLeasedBy, takeOverLease } from '../src/store/leases-repository.js';
import { deleteSecret, findSealedSecrets, getSecret, insertSecret, listSecrets, updateSecret } from '../src/store/secrets-repository.js';
import { deleteAsset, getAsset, getAssetById, insertAsset, listAssets, readAssetContent } from '../src/store/assets-repository.js';
import { createTestDatabase, postgresSkip } from './support/postgres.js';

type StoreConfig = Pick<Config, 'databaseFile' | 'databaseUrl'>;

/** The same contract, on each store Flowrun supports. */
const backends: { name: string; skip: string | false; open(): Promise<{ config: StoreConfig; cleanup(): Promise<void> }> }[] = [
  {
    name: 'SQLite',
    skip: false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'flowrun-contract-'));
      return { config: { databaseFile: join(dir, 'flowrun.sqlite') }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'PostgreSQL',
    skip: postgresSkip,
    async open() {
      const database = await createTestDatabase('flowrun_contract');
      return { config: { databaseFile: '', databaseUrl: database.url }, cleanup: database.drop };
    },
  },
];

const scope = { tenantId: 'acme', mode: 'test' as const };

async function withStore(backend: (typeof backends)[number], body: (db: Database, config: StoreConfig) => Promise<void>): Promise<void> {
  const { config, cleanup } = await backend.open();
  const db = await openDatabase(config);
  try {
    await body(db, config);
  } finally {
    await db.destroy();
    await cleanup();
  }
}

const newRun = (id: string, lease?: { owner: string; expiresAt: number }) => ({
  id,
  scope,
  flowId: null,
  flowVersionId: null,
  flowName: 'f',
  recordId: null,
  dialect: 'runtype',
  input: {},
  totalSteps: 1,
  createdAt: new Date().toISOString(),
  ...(lease ? { lease } : {}),
});

const ref = { stepId: 's1', stepName: 'S1', stepType: 'prompt', index: 1, totalSteps: 1 };
const at = '2026-11-23T00:00:00.000Z';

for (const backend of backends) {
  describe(`store contract on ${backend.name}`, { skip: backend.skip }, () => {
    test('migrations apply once and leave nothing pending; a second migrate is a no-op', () =>
      withStore(backend, async (db) => {
        await migrate(db);
        const status = await schemaStatus(db);
        assert.deepEqual(status.pending, []);
        assert.ok(status.applied >= 11);
      }));

    test('managed secrets: one per key in a tenant and mode, rotated by version, revoked, found by key, deleted', () =>
      withStore(backend, async (db) => {
        const other = { tenantId: 'other', mode: 'test' as const };
        const live = { tenantId: 'acme', mode: 'live' as const };
        const fields = { description: null, valueSealed: 'sealed-1', valuePreview: '••••0001', now: at };
        const created = await insertSecret(db, scope, { id: 'secret_1', key: 'API_TOKEN', ...fields });
        assert.equal(created?.status, 'active');
        assert.equal(await insertSecret(db, scope, { id: 'secret_2', key: 'API_TOKEN', ...fields }), null, 'the key is taken');
        assert.ok(await insertSecret(db, other, { id: 'secret_3', key: 'API_TOKEN', ...fields }), 'another tenant has its own');
        assert.ok(await insertSecret(db, live, { id: 'secret_4', key: 'API_TOKEN', ...fields }), 'another mode has its own');
        const pending = await insertSecret(db, scope, { id: 'secret_5', key: 'LATER', ...fields, valueSealed: null, valuePreview: null });
        assert.equal(pending?.status, 'pending');
        assert.deepEqual(
          (await listSecrets(db, scope)).map((secret) => secret.key),
          ['API_TOKEN', 'LATER'],
        );
        assert.equal((await getSecret(db, scope, 'API_TOKEN'))?.id, 'secret_1');
        assert.equal(await getSecret(db, other, 'secret_1'), null);

        const rotated = await updateSecret(db, scope, 'secret_1', {
          value: { sealed: 'sealed-2', preview: '••••0002' },
          expectedVersion: 1,
          now: at,
        });
        assert.ok(rotated && rotated !== 'version_mismatch');
        assert.equal(rotated.version, 2);
        assert.equal(rotated.lastRotatedAt, at);
        assert.equal(await updateSecret(db, scope, 'secret_1', { description: 'x', expectedVersion: 1, now: at }), 'version_mismatch');
        assert.equal(await updateSecret(db, scope, 'nothing', { description: 'x', now: at }), null);
        const activated = await updateSecret(db, scope, 'LATER', { value: { sealed: 'sealed-3', preview: '••••0003' }, now: at });
        assert.equal(activated !== 'version_mismatch' && activated?.status, 'active');
        await updateSecret(db, scope, 'LATER', { status: 'revoked', now: at });

        const sealed = await findSealedSecrets(db, scope, ['API_TOKEN', 'LATER', 'NONE']);
        assert.deepEqual(
          sealed.sort((a, b) => a.key.localeCompare(b.key)),
          [
            { key: 'API_TOKEN', status: 'active', valueSealed: 'sealed-2' },
            { key: 'LATER', status: 'revoked', valueSealed: 'sealed-3' },
          ],
        );
        assert.equal(await deleteSecret(db, scope, 'API_TOKEN'), true);
        assert.equal(await deleteSecret(db, scope, 'API_TOKEN'), false);
        assert.equal((await getSecret(db, other, 'API_TOKEN'))?.id, 'secret_3', "another tenant's stays");
      }));

    test('assets: bytes round-trip exactly in the row (all 256 values, 1 MiB), per tenant and mode; listed newest first; deleted', () =>
      withStore(backend, async (db) => {
        const other = { tenantId: 'other', mode: 'test' as const };
        const live = { tenantId: 'acme', mode: 'live' as const };
        const bytes = new Uint8Array(1024 * 1024).map((_unused, index) => (index * 7) % 256);
        const fields = { contentType: 'application/pdf', visibility: 'private' as const, executionId: 'exec_1', storageKey: null };
        const base = { ...fields, storage: 'database' as const };
        await insertAsset(db, { id: 'asset_1', scope, fileName: 'a.pdf', size: bytes.length, content: bytes, createdAt: at, ...base });
        await insertAsset(db, {
          id: 'asset_2',
          scope,
          fileName: 'b.png',
          size: 3,
          content: null,
          createdAt: '2026-11-24T00:00:00.000Z',
          ...fields,
          storage: 'folder',
          storageKey: 'acme/test/asset_2',
        });
        await insertAsset(db, {
          id: 'asset_3',
          scope: live,
          fileName: 'c.txt',
          size: 1,
          content: new Uint8Array([0]),
          createdAt: at,
          ...base,
        });
        assert.deepEqual(await readAssetContent(db, 'asset_1'), bytes);
        assert.equal(await readAssetContent(db, 'asset_2'), null, 'bytes kept elsewhere are not in the row');
        const row = await getAsset(db, scope, 'asset_1');
        assert.deepEqual(row, {
          id: 'asset_1',
          tenantId: 'acme',
          mode: 'test',
          fileName: 'a.pdf',
          contentType: 'application/pdf',
          size: bytes.length,
          visibility: 'private',
          storage: 'database',
          storageKey: null,
          executionId: 'exec_1',
          createdAt: at,
        });
        assert.equal(await getAsset(db, other, 'asset_1'), null, 'another tenant sees none');
        assert.equal(await getAsset(db, live, 'asset_1'), null, 'nor another mode');
        assert.equal((await getAssetById(db, 'asset_3'))?.mode, 'live');
        const page = await listAssets(db, scope, { limit: 1, offset: 0 });
        assert.deepEqual([page.items.map((item) => item.id), page.total], [['asset_2'], 2]);
        assert.equal(await deleteAsset(db, other, 'asset_1'), null);
        assert.equal((await deleteAsset(db, scope, 'asset_2'))?.storageKey, 'acme/test/asset_2');
        assert.equal(await deleteAsset(db, scope, 'asset_2'), null);
        assert.equal((await listAssets(db, scope, { limit: 10, offset: 0 })).total, 1);
      }));

    test('events: streamed deltas are stored batched and read back one by one, in order, from any point; a repeat is ignored', () =>
      withStore(backend, async (db) => {
        await insertExecution(db, newRun('exec_e'));
        const events: ExecutionEvent[] = [
          { type: 'step_start', executionId: 'exec_e', seq: 1, at, ...ref } as ExecutionEvent,
          ...Array.from(
            { length: 5 },
            (_, index) =>
              ({
                type: 'step_delta',
                executionId: 'exec_e',
                seq: index + 2,
                at,
                partId: 'p',
                text: `t${index}`,
                chunkIndex: index,
                ...ref,
              }) as ExecutionEvent,
          ),
          { type: 'step_complete', executionId: 'exec_e', seq: 7, at, ...ref } as unknown as ExecutionEvent,
        ];
        const stored = events.map((event) => ({ event, json: JSON.stringify(event) }));
        await appendEvents(db, stored);
        await appendEvents(db, stored.slice(0, 2));
        assert.deepEqual(await readEvents(db, 'exec_e', 0, 100), events);
        assert.deepEqual(await readEvents(db, 'exec_e', 3, 2), events.slice(3, 5));
        assert.equal(await lastStoredSeq(db, 'exec_e'), 7);
      }));

    test('epoch milliseconds and credit amounts past 2^31 round-trip as numbers', () =>
      withStore(backend, async (db) => {
        await ensureBalance(db, scope, 3_000_000_000, 'ledger_init', at);
        const balance = await addCredits(db, scope, 5_000_000_000, { id: 'ledger_add', now: at, reason: 'top-up' }, 0);
        assert.equal(balance, 8_000_000_000);
        assert.equal(await getBalance(db, scope), 8_000_000_000);
        assert.equal(await ledgerSum(db, scope), 8_000_000_000);
        await insertExecution(db, newRun('exec_a'));
        const now = Date.UTC(2026, 10, 23);
        await insertApprovals(
          db,
          scope,
          'exec_a',
          's1',
          [{ approvalId: 'appr_1', kind: 'tool', description: 'd', timeoutMs: 86_400_000 }],
          now,
        );
        assert.equal((await getApproval(db, 'appr_1'))!.timeoutAt, new Date(now + 86_400_000).toISOString());
      }));

    test('fencing: events written under a lease are stored only while their writer holds the run; others are refused and named', () =>
      withStore(backend, async (db) => {
        const now = Date.now();
        await insertExecution(db, newRun('exec_f1', { owner: 'host:1:a', expiresAt: now + 5000 }));
        await insertExecution(db, newRun('exec_f2', { owner: 'host:1:a', expiresAt: now + 5000 }));
        // Another process took exec_f2 over while host:1:a was frozen.
        assert.equal(
          await takeOverLease(db, 'exec_f2', { owner: 'host:1:a', expiresAt: now + 5000 }, { owner: 'host:2:b', expiresAt: now + 9000 }),
          true,
        );
        const event = (executionId: string, seq: number) => {
          const body = { type: 'step_start', executionId, seq, at, ...ref } as ExecutionEvent;
          return { event: body, json: JSON.stringify(body), fence: 'host:1:a' };
        };
        const fenced = await commitEvents(db, [event('exec_f1', 1), event('exec_f2', 1), event('exec_f2', 2)]);
        assert.deepEqual(fenced, ['exec_f2'], 'the commit names the run its writer lost');
        assert.equal(await lastStoredSeq(db, 'exec_f1'), 1, 'the held run is written');
        assert.equal(await lastStoredSeq(db, 'exec_f2'), 0, 'nothing of the lost run is written');
        // The new holder's events go in; an event without a fence (a run no process leases) is not checked.
        const mine = { ...event('exec_f2', 1), fence: 'host:2:b' };
        assert.deepEqual(await commitEvents(db, [mine]), []);
        assert.equal(await lastStoredSeq(db, 'exec_f2'), 1);
      }));

    test('leases: renewed by their holder, taken over only by compare-and-set, one winner of four; ended and handed back', () =>
      withStore(backend, async (db) => {
        const now = Date.now();
        for (const id of ['exec_1', 'exec_2', 'exec_3'])
          await insertExecution(db, newRun(id, { owner: 'host:1:a', expiresAt: now + 1000 }));
        assert.deepEqual(await renewLeases(db, 'host:1:a', ['exec_1', 'exec_2'], now + 4000), { lost: [], cancelRequested: [] });
        assert.deepEqual(await leaseHolders(db), [{ owner: 'host:1:a', expiresAt: now + 4000, runs: 3 }]);
        assert.equal(
          Number((await getExecutionRow(db, 'exec_3'))!.lease_expires_at),
          now + 1000,
          'a run its holder does not name is not renewed',
        );
        assert.deepEqual(await renewLeases(db, 'host:1:a', ['exec_1', 'exec_2', 'exec_3'], now + 5000), { lost: [], cancelRequested: [] });
        const seen = { owner: 'host:1:a', expiresAt: now + 5000 };
        assert.equal(
          await takeOverLease(db, 'exec_1', { owner: 'host:1:a', expiresAt: now + 1000 }, { owner: 'b', expiresAt: now }),
          false,
          'stale',
        );
        const racers = await Promise.all(
          ['b', 'c', 'd', 'e'].map((owner) => takeOverLease(db, 'exec_1', seen, { owner, expiresAt: now + 9000 })),
        );
        assert.equal(racers.filter(Boolean).length, 1, 'exactly one process takes the run over');
        const winner = ['b', 'c', 'd', 'e'][racers.indexOf(true)]!;
        assert.equal((await getExecutionRow(db, 'exec_1'))!.lease_owner, winner);
        assert.deepEqual(
          (await renewLeases(db, 'host:1:a', ['exec_1', 'exec_2'], now + 6000)).lost,
          ['exec_1'],
          'the old holder learns with its next renewal that it lost the run',
        );
        assert.deepEqual((await runsLeasedBy(db, 'host:1:a')).map((row) => row.id).sort(), ['exec_2', 'exec_3']);
        await finishExecution(db, 'exec_2', {
          status: 'completed',
          output: null,
          finalOutput: null,
          usage: { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, costUsd: 0 },
          error: null,
          completedAt: at,
          durationMs: 1,
        });
        assert.equal((await getExecutionRow(db, 'exec_2'))!.lease_owner, null, 'an ended run holds no lease');
        await releaseLeases(db, 'host:1:a');
        assert.equal(Number((await getExecutionRow(db, 'exec_3'))!.lease_expires_at), 0, 'handed back');
      }));

    test('four processes at once: no double spend, no double decision, one run per idempotency key', () =>
      withStore(backend, async (db, config) => {
        const amount = 7;
        const affordable = 100;
        await ensureBalance(db, scope, amount * affordable, 'ledger_init', at);
        await insertExecution(db, newRun('exec_p'));
        const approvalIds = Array.from({ length: 40 }, (_, index) => `appr_${index}`);
        await insertApprovals(
          db,
          scope,
          'exec_p',
          's1',
          approvalIds.map((approvalId) => ({ approvalId, kind: 'tool', description: 'd' })),
          Date.now(),
        );
        const keys = Array.from({ length: 25 }, (_, index) => `key-${index}`);
        const startAt = Date.now() + 1500;
        const results = await Promise.all(
          [0, 1, 2, 3].map(async (worker) => {
            const spec = { database: config, worker, scope, spends: 40, amount, approvalIds, keys, startAt };
            const { stdout } = await promisify(execFile)(process.execPath, ['test/support/contention-child.mjs', JSON.stringify(spec)]);
            return JSON.parse(stdout) as { reserved: number; decided: string[]; claims: Record<string, string> };
          }),
        );
        assert.equal(
          results.reduce((sum, result) => sum + result.reserved, 0),
          affordable,
          'exactly what the balance covered was spent',
        );
        assert.equal(await getBalance(db, scope), 0);
        assert.equal(await ledgerSum(db, scope), 0, 'the ledger adds up to the balance');
        const decided = results.flatMap((result) => result.decided);
        assert.equal(decided.length, approvalIds.length, 'every approval decided once');
        assert.equal(new Set(decided).size, approvalIds.length);
        const stored = await approvalsOfExecution(db, 'exec_p');
        for (const [worker, result] of results.entries())
          for (const id of result.decided) assert.equal(stored.find((approval) => approval.id === id)!.decidedBy, `worker-${worker}`);
        for (const key of keys) assert.equal(new Set(results.map((result) => result.claims[key])).size, 1, `${key}: one run for all`);
      }));
  });
}

test(
  'PostgreSQL: shared transactions commit side by side, except those whose works share a key, which commit in order',
  { skip: postgresSkip },
  () =>
    withStore(backends[1]!, async (db) => {
      await sql`create table batched (name text primary key)`.execute(db);
      let otherStarted!: () => void;
      const started = new Promise<void>((resolve) => (otherStarted = resolve));
      // First: holds its transaction open until a work with another key has started. With one shared transaction at a
      // time that work would wait behind this one, and this test would never end.
      const first = inSharedTransaction(
        db,
        async (trx) => {
          await sql`insert into batched (name) values ('first')`.execute(trx);
          await started;
        },
        ['run-a'],
      );
      await new Promise((resolve) => setImmediate(resolve));
      // Same key: waits for the first to commit, so it sees its row.
      const sameKey = inSharedTransaction(
        db,
        async (trx) => (await sql<{ n: number }>`select count(*)::int as n from batched where name = 'first'`.execute(trx)).rows[0]!.n,
        ['run-a'],
      );
      const otherKey = inSharedTransaction(
        db,
        async (trx) => {
          otherStarted();
          await sql`insert into batched (name) values ('other')`.execute(trx);
        },
        ['run-b'],
      );
      await Promise.all([first, otherKey]);
      assert.equal(await sameKey, 1, "the same key's work ran after the first committed");
    }),
);
