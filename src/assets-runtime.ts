import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { AssetPort } from './engine/asset-port.js';
import type { Clock, Ids } from './engine/ports.js';
import { createFolderBlobs, type AssetBlobs } from './store/asset-blobs.js';
import { createAssetService, type AssetService } from './store/asset-service.js';
import { createAssetUrlSigner } from './store/asset-urls.js';
import type { Database } from './store/database.js';
import { createS3Blobs } from './store/s3-blobs.js';
import { createAddressPolicy } from './tools/address-policy.js';
import { createAssetDownload } from './tools/asset-download.js';

/** The asset store (for `/v1/assets`) and the port asset steps use, from the settings. */
export function createAssets(
  config: Config,
  core: { db: Database; clock: Clock; ids: Ids; logger: Logger },
): { service: AssetService; port: AssetPort } {
  const settings = config.assets;
  const blobs: AssetBlobs | null = settings.s3 ? createS3Blobs(settings.s3) : settings.dir ? createFolderBlobs(settings.dir) : null;
  if (!settings.signingKey)
    core.logger.warn('neither FLOWRUN_ASSET_SIGNING_KEY nor FLOWRUN_SECRET_KEY is set: public asset URLs work until this process restarts');
  const service = createAssetService({
    db: core.db,
    blobs,
    signer: createAssetUrlSigner(settings.signingKey ?? randomBytes(32)),
    maxBytes: settings.maxBytes,
    urlTtlSeconds: settings.urlTtlSeconds,
    publicBaseUrl: settings.publicUrl,
    clock: core.clock,
    ids: core.ids,
  });
  const download = createAssetDownload(createAddressPolicy(config.tools.ssrfAllowlist), config.tools.httpTimeoutMs);
  // pdfkit, marked and htmlparser2 are loaded with the first PDF, not with the server (~230 ms of every start).
  let renderer: Promise<AssetPort['renderPdf']> | undefined;
  const renderPdf: AssetPort['renderPdf'] = async (...args) => {
    renderer ??= import('./tools/pdf/render-pdf.js').then((module) => module.createPdfRenderer(download));
    return (await renderer)(...args);
  };
  return { service, port: { maxBytes: settings.maxBytes, save: service.save, download, renderPdf } };
}
