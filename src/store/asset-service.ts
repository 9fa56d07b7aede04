import type { AssetView } from '../protocol/asset.js';
import { FlowrunError } from '../protocol/errors.js';
import type { TenantScope } from '../protocol/tenant.js';
import type { AssetWrite } from '../engine/asset-port.js';
import type { Clock, Ids } from '../engine/ports.js';
import { assetBlobKey, type AssetBlobs } from './asset-blobs.js';
import type { AssetUrlSigner } from './asset-urls.js';
import { deleteAsset, getAsset, getAssetById, insertAsset, listAssets, readAssetContent, type AssetRow } from './assets-repository.js';
import type { Database } from './database.js';

export interface AssetServiceOptions {
  db: Database;
  /** A folder or bucket for the bytes; none keeps them in the database. */
  blobs: AssetBlobs | null;
  signer: AssetUrlSigner;
  /** FLOWRUN_ASSET_MAX_BYTES. */
  maxBytes: number;
  /** How long a public asset's signed URL works (FLOWRUN_ASSET_URL_TTL_SECONDS). */
  urlTtlSeconds: number;
  /** Prefix of the URLs handed out (FLOWRUN_PUBLIC_URL, e.g. `https://flows.example.com`); empty: paths only. */
  publicBaseUrl: string;
  clock: Clock;
  ids: Ids;
}

/** Stored assets: rows in the database, bytes there or in a folder or bucket; URLs signed for public ones. */
export interface AssetService {
  readonly maxBytes: number;
  /** Throws ASSET_TOO_LARGE past `maxBytes`, ASSET_STORAGE_ERROR when the folder or bucket fails. */
  save(scope: TenantScope, asset: AssetWrite): Promise<AssetView>;
  /** The tenant's asset; null when it has none with that id. */
  get(scope: TenantScope, id: string): Promise<AssetView | null>;
  /** The tenant's asset with its bytes; null when there is none (or its bytes are gone). */
  open(scope: TenantScope, id: string): Promise<{ asset: AssetView; bytes: Uint8Array } | null>;
  /** A public asset through its signed URL (`exp` epoch seconds, `sig`); null when not public, expired or forged. */
  openPublic(id: string, exp: number, sig: string): Promise<{ asset: AssetView; bytes: Uint8Array } | null>;
  list(scope: TenantScope, page: { limit: number; offset: number }): Promise<{ items: AssetView[]; total: number }>;
  /** Deletes the row, then the bytes; false when the tenant had no such asset. */
  delete(scope: TenantScope, id: string): Promise<boolean>;
}

export function createAssetService(options: AssetServiceOptions): AssetService {
  const { db, blobs, signer, clock } = options;
  const view = (row: AssetRow) => viewOf(row, options);
  const bytesOf = (row: AssetRow) => readBytes(row, db, blobs);
  return {
    maxBytes: options.maxBytes,
    async save(scope, asset) {
      if (asset.bytes.length > options.maxBytes)
        throw new FlowrunError(
          'ASSET_TOO_LARGE',
          `the asset is ${asset.bytes.length} bytes; an asset may have at most ${options.maxBytes} (FLOWRUN_ASSET_MAX_BYTES)`,
        );
      const id = options.ids.next('asset');
      const storageKey = blobs ? assetBlobKey(scope.tenantId, scope.mode, id) : null;
      if (blobs) await storageCall(() => blobs.put(storageKey!, asset.bytes, asset.contentType));
      // The bytes first, then the row that names them: a row never points at nothing. A row that cannot be written
      // takes its bytes back with it (best effort).
      const row = await insertAsset(db, {
        id,
        scope,
        fileName: asset.fileName,
        contentType: asset.contentType,
        size: asset.bytes.length,
        visibility: asset.visibility,
        storage: blobs?.kind ?? 'database',
        storageKey,
        content: blobs ? null : asset.bytes,
        executionId: asset.executionId,
        createdAt: new Date(clock.now()).toISOString(),
      }).catch(async (error: unknown) => {
        if (blobs) await blobs.delete(storageKey!).catch(() => undefined);
        throw error;
      });
      return view(row);
    },
    async get(scope, id) {
      const row = await getAsset(db, scope, id);
      return row ? view(row) : null;
    },
    async open(scope, id) {
      const row = await getAsset(db, scope, id);
      const bytes = row ? await bytesOf(row) : null;
      return row && bytes ? { asset: view(row), bytes } : null;
    },
    async openPublic(id, exp, sig) {
      if (!Number.isInteger(exp) || exp * 1000 < clock.now() || !signer.verify(id, exp, sig)) return null;
      const row = await getAssetById(db, id);
      if (!row || row.visibility !== 'public') return null;
      const bytes = await bytesOf(row);
      return bytes ? { asset: view(row), bytes } : null;
    },
    async list(scope, page) {
      const { items, total } = await listAssets(db, scope, page);
      return { items: items.map(view), total };
    },
    async delete(scope, id) {
      const row = await deleteAsset(db, scope, id);
      if (!row) return false;
      if (blobs && row.storageKey && row.storage === blobs.kind) await storageCall(() => blobs.delete(row.storageKey!));
      return true;
    },
  };
}

/** An asset row as the API and steps describe it: a private asset's path, or a public one's URL signed afresh. */
function viewOf(row: AssetRow, options: Pick<AssetServiceOptions, 'publicBaseUrl' | 'urlTtlSeconds' | 'signer' | 'clock'>): AssetView {
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  const path = `/v1/assets/${encodeURIComponent(row.id)}`;
  let url = `${base}${path}`;
  let urlExpiresAt: string | null = null;
  if (row.visibility === 'public') {
    const exp = Math.floor(options.clock.now() / 1000) + options.urlTtlSeconds;
    url = `${base}${path}/public?exp=${exp}&sig=${options.signer.sign(row.id, exp)}`;
    urlExpiresAt = new Date(exp * 1000).toISOString();
  }
  const { id, fileName, contentType, size, visibility, executionId, createdAt } = row;
  return { id, fileName, contentType, size, visibility, url, urlExpiresAt, executionId, createdAt };
}

/** An asset's bytes, wherever its row says they are; ASSET_STORAGE_ERROR when this server has no such storage. */
async function readBytes(row: AssetRow, db: Database, blobs: AssetBlobs | null): Promise<Uint8Array | null> {
  if (row.storage === 'database') return readAssetContent(db, row.id);
  if (!blobs || blobs.kind !== row.storage || !row.storageKey)
    throw new FlowrunError('ASSET_STORAGE_ERROR', `asset ${row.id} is kept in ${row.storage} storage, which this server is not set up for`);
  return storageCall(() => blobs.get(row.storageKey!));
}

async function storageCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (FlowrunError.isInstance(error)) throw error;
    throw new FlowrunError('ASSET_STORAGE_ERROR', `the asset storage failed: ${(error as Error).message}`, [], { cause: error });
  }
}
