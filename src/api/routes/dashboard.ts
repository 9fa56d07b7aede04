import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AssetParams, describedResponses, textAnswer, type ZodApp } from '../contract.js';
import { FlowrunError } from '../../protocol/errors.js';

/** The dashboard's own paths (it routes in the browser): each answers its page, so a link or a reload works. */
export const dashboardSections = ['/playground', '/flows', '/runs', '/tools', '/agents', '/approvals', '/keys', '/secrets', '/usage'];

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

interface Asset {
  body: Buffer;
  type: string;
  /** Text assets: most browsers take them gzipped, at a third of the bytes (compressed on first request, then kept). */
  compressible: boolean;
  gzipped?: Buffer;
}

const compressible = /^(text\/|application\/json|image\/svg)/;

/** Where `npm run build` puts the dashboard (dist/web); the running build's neighbour first, then the working copy's. */
function buildFolder(): string | null {
  const candidates = [fileURLToPath(new URL('../../web', import.meta.url)), join(process.cwd(), 'dist', 'web')];
  return candidates.find((folder) => statSync(join(folder, 'index.html'), { throwIfNoEntry: false })?.isFile()) ?? null;
}

/** The built files, read once (a few hundred kilobytes): answered from memory, no path from a request touches the disk. */
function loadAssets(folder: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else {
        const body = readFileSync(path);
        const type = contentTypes[extname(name)] ?? 'application/octet-stream';
        assets.set(`${prefix}${name}`, { body, type, compressible: compressible.test(type) });
      }
    }
  };
  walk(folder, '');
  return assets;
}

const missingBuild = `<!doctype html><meta charset="utf-8"><title>Flowrun</title>
<p>The dashboard is not built. Run <code>npm run build</code> (or <code>npm start</code>, which builds it when it is missing).</p>
<p>The API answers meanwhile: <a href="/docs">/docs</a>.</p>`;

/**
 * The dashboard (web/, built into dist/web): `/` and its sections answer its page, `/assets/*` its scripts and
 * styles (named by content hash, so cached for good). All public: the page holds no data; it signs in with a key
 * the user types, and everything it shows comes from the API with that key.
 */
export function registerDashboardRoutes(app: ZodApp): void {
  // Read on the first request, not at start: a server (or a test) that nobody opens the dashboard of never reads it.
  let loaded: Map<string, Asset> | undefined;
  const assets = () => {
    if (!loaded) {
      const folder = buildFolder();
      loaded = folder ? loadAssets(folder) : new Map<string, Asset>();
    }
    return loaded;
  };
  const index = () => assets().get('index.html')?.body ?? Buffer.from(missingBuild);
  const page = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff')
      // Scripts only from this server (the built bundle); styles inline too (the graph and the code editor set them).
      .header(
        'content-security-policy',
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      )
      .send(index());
  const pageOptions = {
    config: { access: 'public' as const },
    schema: { hide: true, response: describedResponses({ 200: textAnswer('text/html', 'the dashboard page') }) },
  };
  app.get('/', { ...pageOptions, schema: { ...pageOptions.schema, hide: false } }, page);
  for (const section of dashboardSections) {
    app.get(section, pageOptions, page);
    app.get(`${section}/*`, pageOptions, page);
  }
  app.get(
    '/assets/*',
    {
      config: { access: 'public' },
      schema: {
        hide: true,
        params: AssetParams,
        response: describedResponses({ 200: textAnswer('text/javascript', 'a dashboard asset') }),
      },
    },
    async (request, reply) => {
      const name = request.params['*'];
      const asset = assets().get(`assets/${name}`);
      if (!asset) throw new FlowrunError('NOT_FOUND', `No dashboard asset ${name}`);
      reply
        .header('content-type', asset.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('vary', 'accept-encoding');
      if (asset.compressible && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
        asset.gzipped ??= gzipSync(asset.body, { level: 9 });
        return reply.header('content-encoding', 'gzip').send(asset.gzipped);
      }
      return reply.send(asset.body);
    },
  );
}
