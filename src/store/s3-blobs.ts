import type { AssetBlobs } from './asset-blobs.js';
import { signV4 } from './sigv4.js';

export interface S3Settings {
  /** The store's address (`https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000`); objects are addressed path-style. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Prepended to every object key (`flowrun/`). */
  prefix: string;
  timeoutMs?: number;
}

/**
 * Asset bytes in an S3-compatible bucket (AWS S3, MinIO, R2, Ceph…), each request signed with SigV4. Path-style
 * addressing (`endpoint/bucket/key`), which every S3-compatible store accepts. The bucket is the operator's
 * (it is not user input), so the requests do not go through the SSRF guard.
 */
export function createS3Blobs(settings: S3Settings, fetchImpl: typeof fetch = fetch, now: () => number = Date.now): AssetBlobs {
  const base = settings.endpoint.replace(/\/+$/, '');
  const credentials = {
    accessKeyId: settings.accessKeyId,
    secretAccessKey: settings.secretAccessKey,
    region: settings.region,
    service: 's3',
  };
  const send = async (method: string, key: string, body?: Uint8Array, contentType?: string): Promise<Response> => {
    const objectPath = `${settings.prefix}${key}`.split('/').map(encodeURIComponent).join('/');
    const url = new URL(`${base}/${encodeURIComponent(settings.bucket)}/${objectPath}`);
    const headers = signV4({
      method,
      url,
      headers: contentType ? { 'content-type': contentType } : {},
      body,
      credentials,
      date: new Date(now()),
    });
    delete headers.host;
    const response = await fetchImpl(url, {
      method,
      headers,
      ...(body ? { body: Buffer.from(body) } : {}),
      signal: AbortSignal.timeout(settings.timeoutMs ?? 30_000),
    });
    if (!response.ok && !(response.status === 404 && method !== 'PUT')) {
      const text = (await response.text().catch(() => '')).slice(0, 300);
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
      throw new Error(`S3 ${method} answered ${response.status}${code ? ` (${code})` : ''}`);
    }
    return response;
  };
  return {
    kind: 's3',
    async put(key, bytes, contentType) {
      await send('PUT', key, bytes, contentType);
    },
    async get(key) {
      const response = await send('GET', key);
      if (response.status === 404) return null;
      return new Uint8Array(await response.arrayBuffer());
    },
    async delete(key) {
      await send('DELETE', key);
    },
  };
}
