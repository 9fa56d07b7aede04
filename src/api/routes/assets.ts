import type { FastifyReply } from 'fastify';
import type { AssetView } from '../../protocol/asset.js';
import { FlowrunError } from '../../protocol/errors.js';
import type { AssetService } from '../../store/asset-service.js';
import type { AppDeps } from '../app-deps.js';
import {
  AssetListQuery,
  AssetMetadata,
  AssetPage,
  AssetPublicQuery,
  assetBytes,
  DeletedAsset,
  describedResponses,
  routeParams,
  type ZodApp,
} from '../contract.js';
import { parseInput } from '../parse-input.js';

function serviceOf(deps: AppDeps): AssetService {
  if (!deps.assets) throw new FlowrunError('ASSET_STORAGE_ERROR', 'this server has no asset storage');
  return deps.assets;
}

/**
 * Sends an asset's bytes. The browser is told it is a download of its own origin-less kind: `sandbox` keeps a
 * stored HTML or SVG file from running script as this origin, `nosniff` (set for every answer) from being read as
 * another type.
 */
function sendBytes(reply: FastifyReply, asset: AssetView, bytes: Uint8Array, cache: string): FastifyReply {
  const name = asset.fileName.replace(/["\\\r\n]/g, '_');
  return reply
    .header('content-type', asset.contentType)
    .header('content-length', String(bytes.length))
    .header(
      'content-disposition',
      `inline; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(asset.fileName)}`,
    )
    .header('content-security-policy', "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'")
    .header('cache-control', cache)
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** `/v1/assets`: the files asset steps stored (`store-asset`, `generate-pdf`, a template's PDF), per tenant and mode. */
export function registerAssetRoutes(app: ZodApp, deps: AppDeps): void {
  app.get('/v1/assets', { schema: { response: describedResponses({ 200: AssetPage }) } }, async (request) => {
    const query = parseInput(AssetListQuery, request.query, ['query']);
    const { items, total } = await serviceOf(deps).list(request.scope, query);
    return { data: items, pagination: { limit: query.limit, offset: query.offset, total, hasMore: query.offset + items.length < total } };
  });
  app.get(
    '/v1/assets/:id',
    { schema: { params: routeParams('id'), response: describedResponses({ 200: assetBytes }) } },
    async (request, reply) => {
      const found = await serviceOf(deps).open(request.scope, request.params.id);
      if (!found) throw new FlowrunError('NOT_FOUND', 'Asset not found');
      return sendBytes(reply, found.asset, found.bytes, 'private, no-store');
    },
  );
  app.get(
    '/v1/assets/:id/metadata',
    { schema: { params: routeParams('id'), response: describedResponses({ 200: AssetMetadata }) } },
    async (request) => {
      const asset = await serviceOf(deps).get(request.scope, request.params.id);
      if (!asset) throw new FlowrunError('NOT_FOUND', 'Asset not found');
      return asset;
    },
  );
  // Without a key: the signature (over the id and the expiry, with the server's key) is the permission.
  app.get(
    '/v1/assets/:id/public',
    { config: { access: 'public' }, schema: { params: routeParams('id'), response: describedResponses({ 200: assetBytes }) } },
    async (request, reply) => {
      const query = parseInput(AssetPublicQuery, request.query, ['query']);
      const found = await serviceOf(deps).openPublic(request.params.id, query.exp, query.sig);
      // One answer for unknown, private, expired and forged: which of them it was is not told.
      if (!found) throw new FlowrunError('NOT_FOUND', 'Asset not found, or its link expired');
      return sendBytes(reply, found.asset, found.bytes, 'private, max-age=300');
    },
  );
  app.delete(
    '/v1/assets/:id',
    { schema: { params: routeParams('id'), response: describedResponses({ 200: DeletedAsset }) } },
    async (request) => {
      if (!(await serviceOf(deps).delete(request.scope, request.params.id))) throw new FlowrunError('NOT_FOUND', 'Asset not found');
      return { success: true, deletedId: request.params.id };
    },
  );
}
