import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** Where asset bytes live outside the database: a folder or an S3-compatible bucket. */
export interface AssetBlobs {
  readonly kind: 'folder' | 's3';
  /** Stores the bytes under `key`, replacing any; resolves once durable. Throws on a failing disk or bucket. */
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The bytes under `key`; null when there are none. */
  get(key: string): Promise<Uint8Array | null>;
  /** Removes `key`; nothing when it is not there. */
  delete(key: string): Promise<void>;
}

/** The key of an asset's bytes: one folder per tenant and mode (the tenant id encoded, so it is one path segment). */
export function assetBlobKey(tenantId: string, mode: string, id: string): string {
  return `${encodeURIComponent(tenantId).replace(/\./g, '%2E')}/${mode}/${id}`;
}

/** Asset bytes as files under `root` (FLOWRUN_ASSET_DIR), each written to a temporary name first and renamed into place. */
export function createFolderBlobs(root: string): AssetBlobs {
  const pathOf = (key: string) => {
    if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) throw new Error(`bad asset key '${key}'`);
    return join(root, ...key.split('/'));
  };
  return {
    kind: 'folder',
    async put(key, bytes) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${randomUUID()}.partial`;
      await writeFile(temporary, bytes, { flush: true });
      await rename(temporary, path);
    },
    async get(key) {
      try {
        return new Uint8Array(await readFile(pathOf(key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
