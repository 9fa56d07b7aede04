import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { McpServerConfig } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import { redactUrlsIn } from '../protocol/redact-url.js';
import type { GuardedFetch } from './guarded-fetch.js';
import { OutboundRequestError } from './guarded-http.js';
import { McpFailure } from '../protocol/mcp-failure.js';

/** An MCP client connected for one listing or call, and what bounds it. */
export interface McpSession {
  client: Client;
  /** What every SDK request of the session takes: the session's signal and deadline (the SDK's default is 60 s). */
  requestOptions: RequestOptions;
  /**
   * What to report for a request of the session that failed: why the session stopped (a response over the size
   * limit, the deadline, the caller gone) when it did, else the SDK's error. A refused address is a FlowrunError.
   */
  failure(error: unknown): Error;
  /** Ends the session and every connection it still holds. Never throws. */
  close(): Promise<void>;
}

export interface McpSessionBounds {
  /** The caller's signal: when it fires, every request of the session stops and its connections close. */
  signal: AbortSignal;
  /** Flowrun's own deadline for the whole session. */
  timeoutMs: number;
}

/**
 * Connects an MCP client over the streamable HTTP transport. The SDK replaces the signal given in `requestInit`
 * with its own, so the session's signal reaches the SDK twice: in each request's options (the SDK's request
 * stops waiting) and in the fetch the transport is given (its HTTP requests, and their sockets, stop).
 * Throws what `failure` makes of a failed connection.
 */
export async function openMcpSession(fetcher: GuardedFetch, server: McpServerConfig, bounds: McpSessionBounds): Promise<McpSession> {
  const stop = new AbortController();
  const onCallerGone = () => stop.abort(new McpFailure('cancelled: the caller went away'));
  if (bounds.signal.aborted) onCallerGone();
  else bounds.signal.addEventListener('abort', onCallerGone, { once: true });
  const deadline = setTimeout(
    () => stop.abort(new OutboundRequestError('HTTP_TIMEOUT', `no answer within ${bounds.timeoutMs} ms`)),
    bounds.timeoutMs,
  );
  deadline.unref();
  // The MCP SDK is loaded on the first MCP call, not at startup.
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const client = new Client({ name: 'flowrun', version: '0.1.0' });
  const session: McpSession = {
    client,
    requestOptions: { signal: stop.signal, timeout: bounds.timeoutMs },
    failure: (error) => describeFailure(server, error, stop.signal),
    async close() {
      clearTimeout(deadline);
      bounds.signal.removeEventListener('abort', onCallerGone);
      await client.close().catch(() => undefined);
      stop.abort(new McpFailure('the MCP session was closed'));
    },
  };
  try {
    stop.signal.throwIfAborted();
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      requestInit: { headers: authHeaders(server) },
      fetch: fetcher.fetchFor({ signal: stop.signal, onTooLarge: (error) => stop.abort(error) }),
    });
    await client.connect(transport, session.requestOptions);
  } catch (error) {
    const failure = session.failure(error);
    await session.close();
    throw failure;
  }
  return session;
}

/** The headers a server's `auth` asks for. */
export function authHeaders(server: McpServerConfig): Record<string, string> {
  const headers: Record<string, string> = {};
  const auth = server.auth;
  if (auth?.type === 'bearer' && auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth?.type === 'api_key' && auth.token) headers[auth.headerName ?? 'x-api-key'] = auth.token;
  if (auth?.type === 'custom_header' && auth.token && auth.headerName) headers[auth.headerName] = auth.token;
  if (auth?.type === 'basic')
    headers.authorization = `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? auth.token ?? ''}`).toString('base64')}`;
  return headers;
}

function describeFailure(server: McpServerConfig, error: unknown, stopped: AbortSignal): Error {
  const refused = refusedMessage(error);
  if (refused) return new FlowrunError('VALIDATION_ERROR', `MCP server '${server.id}' refused: ${refused}`);
  // Stopped by the size limit, the deadline or the caller: the SDK's own error then only says "aborted".
  const reason: unknown = stopped.aborted ? stopped.reason : undefined;
  if (reason instanceof OutboundRequestError || McpFailure.isInstance(reason)) return new McpFailure(reason.message);
  // The SDK's HTTP errors carry the server's status as `code`; undici's errors may repeat the URL.
  const status = (error as { code?: unknown } | undefined)?.code;
  const message = redactUrlsIn(error instanceof Error ? error.message : String(error));
  return new McpFailure(message, typeof status === 'number' && status >= 400 ? status : undefined);
}

/** The message of the SSRF refusal somewhere in an error's cause chain, if it is one. */
function refusedMessage(error: unknown): string | null {
  for (
    let current = error as { cause?: unknown } | undefined, hops = 0;
    current && hops < 5;
    current = current.cause as typeof current, hops++
  ) {
    if (current instanceof OutboundRequestError && current.code === 'SSRF_BLOCKED') return current.message;
  }
  return null;
}
