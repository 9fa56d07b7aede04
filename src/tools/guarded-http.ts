import type { ErrorCode } from '../protocol/errors.js';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { AddressPolicy } from './address-policy.js';

export interface GuardedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /**
   * Headers whose value carries a secret (a key in `x-api-key`, a token in a custom header): dropped, like the
   * credential headers, on a redirect to another origin. `bodyCarriesSecret` refuses to send the body on.
   */
  secretHeaders?: readonly string[];
  bodyCarriesSecret?: boolean;
  signal?: AbortSignal;
  /** Called with the text of a successful response as it streams in, when the server streams it (no Content-Length). */
  onChunk?: (text: string) => void;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body as it came (a downloaded image or file), before decoding it as UTF-8. */
  bytes?: Buffer;
  url: string;
}

/** What a refused address's error adds: how an operator allows an address they trust (a private model server, a test). */
export const allowlistHint = '; an operator can allow a trusted address or range with FLOWRUN_SSRF_ALLOWLIST';

export class OutboundRequestError extends Error {
  override readonly name = 'OutboundRequestError';
  constructor(
    readonly code: Extract<ErrorCode, 'SSRF_BLOCKED' | 'HTTP_TIMEOUT' | 'HTTP_TOO_LARGE' | 'HTTP_ERROR'>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The system resolver, or a test's stand-in (the guard's tests resolve names to loopback without DNS). */
export type Resolver = (
  name: string,
  options: { all: true; family: number },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolver: Resolver = (name, options, callback) => dnsLookup(name, options, callback);

/**
 * A socket `lookup` that resolves a host name and refuses the connection unless every address it resolves to
 * is allowed; the socket then connects to a checked address. Every outbound transport (HTTP tools, MCP) uses
 * it, so a name that changes its answer between a check and a connection (DNS rebinding) gains nothing.
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (name, lookupOptions, callback) => {
    const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : (lookupOptions.family ?? 0);
    resolve(name, { all: true, family }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      if (addresses.length === 0) return callback(new OutboundRequestError('HTTP_ERROR', `${name} has no address`), '', 0);
      for (const entry of addresses) {
        const refusal = policy.check(entry.address);
        if (refusal)
          return callback(
            new OutboundRequestError('SSRF_BLOCKED', `refused to connect to ${name}: it resolves to ${refusal}${allowlistHint}`),
            '',
            0,
          );
      }
      const first = addresses[0]!;
      if (lookupOptions.all) (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/** Credentials that must not follow a redirect to another origin (as browsers and undici's own redirects do). */
const credentialHeaders = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * An outbound HTTP request under the SSRF guard: the host's addresses are checked when the socket connects
 * (every address the name resolves to must be allowed, and the connection goes to a checked one, so DNS
 * rebinding between check and connect cannot happen); redirects are followed by hand and checked again.
 */
export async function guardedFetch(request: GuardedRequest, policy: AddressPolicy): Promise<GuardedResponse> {
  let url = new URL(request.url);
  let method = request.method.toUpperCase();
  let body = request.body;
  let headers = request.headers;
  for (let redirects = 0; ; redirects++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new OutboundRequestError('SSRF_BLOCKED', `only http and https URLs are allowed, not ${url.protocol}`);
    const response = await requestOnce(url, method, headers, body, request, policy);
    const location = response.headers.location;
    if ([301, 302, 303, 307, 308].includes(response.status) && location) {
      if (redirects >= request.maxRedirects) throw new OutboundRequestError('HTTP_ERROR', `more than ${request.maxRedirects} redirects`);
      const next = new URL(location, url);
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
        method = 'GET';
        body = undefined;
      }
      if (next.origin !== url.origin) {
        if (body !== undefined && request.bodyCarriesSecret)
          throw new OutboundRequestError(
            'HTTP_ERROR',
            `${url.host} redirected to another origin (${next.host}) with a body that carries a secret; the redirect is not followed`,
          );
        const dropped = new Set([...credentialHeaders, ...(request.secretHeaders ?? []).map((name) => name.toLowerCase())]);
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !dropped.has(name.toLowerCase())));
      }
      url = next;
      continue;
    }
    return { ...response, url: url.toString() };
  }
}

function requestOnce(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  options: GuardedRequest,
  policy: AddressPolicy,
): Promise<Omit<GuardedResponse, 'url'>> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(hostname)) {
    const refusal = policy.check(hostname);
    if (refusal)
      return Promise.reject(new OutboundRequestError('SSRF_BLOCKED', `refused to connect to ${url.host}: ${refusal}${allowlistHint}`));
  }
  const lookup = guardedLookup(policy);
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      url,
      {
        method,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
        lookup,
        signal: options.signal,
      },
      (response) => {
        const parts: Buffer[] = [];
        let size = 0;
        const status = response.statusCode ?? 0;
        const streamed = options.onChunk && status >= 200 && status < 300 && response.headers['content-length'] === undefined;
        const decoder = streamed ? new StringDecoder('utf8') : null;
        let overflow: OutboundRequestError | undefined;
        response.on('data', (part: Buffer) => {
          if (overflow) return;
          size += part.length;
          if (size > options.maxBytes) {
            overflow = new OutboundRequestError('HTTP_TOO_LARGE', `the response is larger than ${options.maxBytes} bytes`);
            outgoing.destroy(overflow);
            return;
          }
          parts.push(part);
          const text = decoder?.write(part);
          if (text) options.onChunk!(text);
        });
        // A body cut at the limit is an error, never a shorter answer (its end can come before the destroy's error).
        response.on('end', () => {
          if (overflow) return reject(overflow);
          const bytes = Buffer.concat(parts);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: bytes.toString('utf8'), bytes });
        });
        response.on('error', reject);
      },
    );
    outgoing.setTimeout(options.timeoutMs, () =>
      outgoing.destroy(new OutboundRequestError('HTTP_TIMEOUT', `no answer from ${url.host} within ${options.timeoutMs} ms`)),
    );
    outgoing.on('error', (error) =>
      reject(
        error instanceof OutboundRequestError
          ? error
          : (error as { cause?: unknown }).cause instanceof OutboundRequestError
            ? (error as { cause: OutboundRequestError }).cause
            : new OutboundRequestError('HTTP_ERROR', `${url.host}: ${(error as Error).message}`, { cause: error }),
      ),
    );
    if (body !== undefined) outgoing.write(body);
    outgoing.end();
  });
}
