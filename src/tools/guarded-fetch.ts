import { isIP } from 'node:net';
import type { Agent } from 'undici';
import type { AddressPolicy } from './address-policy.js';
import { allowlistHint, guardedLookup, OutboundRequestError, type Resolver } from './guarded-http.js';

export interface GuardedFetchOptions {
  /** Bytes one response body may have; past it the body stream fails with HTTP_TOO_LARGE. */
  maxResponseBytes: number;
  resolve?: Resolver;
}

/**
 * A `fetch` for transports that bring their own HTTP client (the MCP SDK): every connection, redirects
 * included, goes through the SSRF guard when its socket connects (IP literals are checked by address, names by
 * every address they resolve to), and each response body stops at `maxResponseBytes`.
 */
export interface GuardedFetch {
  /** A fetch over the guarded connections that stops as `bounds` say. */
  fetchFor(bounds?: GuardedFetchBounds): typeof fetch;
  close(): Promise<void>;
}

export interface GuardedFetchBounds {
  /**
   * The caller's signal: every request of this fetch stops when it fires, whatever signal the transport passes
   * (the MCP SDK replaces the one given in `requestInit` with its own).
   */
  signal?: AbortSignal;
  /**
   * Hears when a response body passes the limit, for any content type (a streaming client may otherwise only
   * log the broken stream and wait for its own timeout).
   */
  onTooLarge?: (error: OutboundRequestError) => void;
}

export function createGuardedFetch(policy: AddressPolicy, options: GuardedFetchOptions): GuardedFetch {
  // undici (some ninety modules) is loaded with the first request, not when the server starts.
  let client: Promise<{ newAgent: () => Agent; fetch: typeof import('undici').fetch }> | undefined;
  const clientOf = () =>
    (client ??= import('undici').then(({ Agent, buildConnector, fetch }) => {
      const connect = buildConnector({ lookup: guardedLookup(policy, options.resolve) });
      const newAgent = () =>
        new Agent({
          connect: (connectOptions, callback) => {
            const host = connectOptions.hostname.replace(/^\[|\]$/g, '');
            const refusal = isIP(host) ? policy.check(host) : null;
            if (refusal)
              return callback(
                new OutboundRequestError('SSRF_BLOCKED', `refused to connect to ${connectOptions.hostname}: ${refusal}${allowlistHint}`),
                null,
              );
            return connect(connectOptions, callback);
          },
        });
      return { newAgent, fetch };
    }));
  let shared: Agent | undefined;
  const fetchFor = (bounds: GuardedFetchBounds) => {
    // A fetch bound to a signal has connections of its own, destroyed when the signal fires: undici keeps the
    // socket of an aborted request open until its keep-alive timeout, so a shared pool would hold a hung
    // server's sockets for seconds after their caller went.
    let own: Agent | undefined;
    bounds.signal?.addEventListener('abort', () => void own?.destroy().catch(() => undefined), { once: true });
    return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new OutboundRequestError('SSRF_BLOCKED', `only http and https URLs are allowed, not ${url.protocol}`);
      const { newAgent, fetch: undiciFetch } = await clientOf();
      bounds.signal?.throwIfAborted();
      const agent = bounds.signal ? (own ??= newAgent()) : (shared ??= newAgent());
      const signals = [init?.signal, bounds.signal].filter((signal): signal is AbortSignal => signal != null);
      const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      let response: Awaited<ReturnType<typeof undiciFetch>>;
      try {
        response = await undiciFetch(url, { ...(init as object), signal, dispatcher: agent } as Parameters<typeof undiciFetch>[1]);
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause;
        throw cause instanceof OutboundRequestError ? cause : error;
      }
      return limitBody(response as unknown as Response, options.maxResponseBytes, bounds.onTooLarge);
    };
  };
  return {
    fetchFor: (bounds = {}) => fetchFor(bounds) as typeof fetch,
    close: async () => {
      await shared?.close();
    },
  };
}

/** The response with its body stopped past `maxBytes` (a Content-Length over it fails at once). */
function limitBody(response: Response, maxBytes: number, onTooLarge?: (error: OutboundRequestError) => void): Response {
  if (!response.body) return response;
  const tooLarge = () => {
    const error = new OutboundRequestError('HTTP_TOO_LARGE', `the response is larger than ${maxBytes} bytes (FLOWRUN_TOOL_HTTP_MAX_BYTES)`);
    onTooLarge?.(error);
    return error;
  };
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) {
    const error = tooLarge();
    void response.body.cancel(error).catch(() => undefined);
    throw error;
  }
  let size = 0;
  const limited = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
  return new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers });
}
