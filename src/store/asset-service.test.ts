import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowrunError } from '../protocol/errors.js';
import { createFolderBlobs } from './asset-blobs.js';
import { createAssetService } from './asset-service.js';
import { createAssetUrlSigner } from './asset-urls.js';
import { migrate, openSqlite } from './database.js';

const scope = { tenantId: 'acme', mode: 'test' as const };

test('with a folder: bytes go to the folder (not the row), public URLs are signed and expire, deleting removes the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowrun-assets-'));
  const db = openSqlite(join(dir, 'flowrun.sqlite'));
  try {
    await migrate(db);
    let now = Date.UTC(2026, 11, 8);
    let next = 0;
    const service = createAssetService({
      db,
      blobs: createFolderBlobs(join(dir, 'assets')),
      signer: createAssetUrlSigner(Buffer.from('s'.repeat(32))),
      maxBytes: 10,
      urlTtlSeconds: 60,
      publicBaseUrl: 'https://flows.example.com/',
      clock: { now: () => now },
      ids: { next: (prefix) => `${prefix}_${++next}` },
    });
    const write = { fileName: 'a.bin', contentType: 'application/octet-stream', executionId: 'exec_1' };
    const saved = await service.save(scope, { ...write, visibility: 'public', bytes: new Uint8Array([1, 2, 3]) });
    assert.equal(saved.id, 'asset_1');
    const url = new URL(saved.url);
    assert.equal(url.origin + url.pathname, 'https://flows.example.com/v1/assets/asset_1/public');
    assert.equal(saved.urlExpiresAt, new Date(now + 60_000).toISOString());
    assert.ok(existsSync(join(dir, 'assets', 'acme', 'test', 'asset_1')));
    const exp = Number(url.searchParams.get('exp'));
    const sig = url.searchParams.get('sig')!;
    assert.deepEqual((await service.openPublic('asset_1', exp, sig))?.bytes, new Uint8Array([1, 2, 3]));
    assert.equal(await service.openPublic('asset_1', exp + 1, sig), null, 'a changed expiry breaks the signature');
    now += 61_000;
    assert.equal(await service.openPublic('asset_1', exp, sig), null, 'an expired URL opens nothing');

    const hidden = await service.save(scope, { ...write, visibility: 'private', bytes: new Uint8Array([9]) });
    assert.equal(hidden.url, 'https://flows.example.com/v1/assets/asset_2');
    assert.equal(hidden.urlExpiresAt, null);

    await assert.rejects(service.save(scope, { ...write, visibility: 'private', bytes: new Uint8Array(11) }), (error: unknown) => {
      assert.ok(FlowrunError.isInstance(error));
      assert.equal(error.code, 'ASSET_TOO_LARGE');
      return true;
    });
    assert.equal(await service.open({ tenantId: 'other', mode: 'test' }, 'asset_1'), null);
    assert.equal(await service.delete(scope, 'asset_1'), true);
    assert.ok(!existsSync(join(dir, 'assets', 'acme', 'test', 'asset_1')));
    assert.equal(await service.open(scope, 'asset_1'), null);
  } finally {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
