import { FlowrunError } from '../protocol/errors.js';
import { redactUrl } from '../protocol/redact-url.js';
import type { AddressPolicy } from './address-policy.js';
import { guardedFetch, OutboundRequestError } from './guarded-http.js';

export type AssetDownload = (
  url: string,
  options: { maxBytes: number; signal: AbortSignal },
) => Promise<{ bytes: Uint8Array; contentType: string | null }>;

/**
 * Downloads for `store-asset` and a PDF's images, under the SSRF guard (every address checked when the socket
 * connects, redirects followed by hand and checked again), bounded in time and size.
 */
export function createAssetDownload(policy: AddressPolicy, timeoutMs: number): AssetDownload {
  return async (url, options) => {
    try {
      const response = await guardedFetch(
        { url, method: 'GET', headers: { accept: '*/*' }, timeoutMs, maxBytes: options.maxBytes, maxRedirects: 5, signal: options.signal },
        policy,
      );
      if (response.status < 200 || response.status >= 300)
        throw new FlowrunError('HTTP_STATUS', `${redactUrl(url)} answered ${response.status}`);
      const contentType = response.headers['content-type'];
      return { bytes: new Uint8Array(response.bytes ?? Buffer.from(response.body)), contentType: contentType ? String(contentType) : null };
    } catch (error) {
      if (error instanceof OutboundRequestError) {
        const code = error.code === 'HTTP_TOO_LARGE' ? 'ASSET_TOO_LARGE' : error.code;
        throw new FlowrunError(code, `${redactUrl(url)}: ${error.message}`, [], { cause: error });
      }
      throw error;
    }
  };
}
