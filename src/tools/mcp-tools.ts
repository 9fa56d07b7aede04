import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServerConfig, ResolvedTool, ToolCallContext, ToolOutcome } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import { maxJsonDepth, valueTooDeep } from '../protocol/json-depth.js';
import type { AddressPolicy } from './address-policy.js';
import { createGuardedFetch, type GuardedFetch, type GuardedFetchOptions } from './guarded-fetch.js';
import { OutboundRequestError } from './guarded-http.js';

type McpClient = Client & { tooLarge: AbortSignal };

/**
 * MCP tools over the streamable HTTP transport, ids `mcp:<server>:<tool>` (or `mcp:<server>:*` for all of a
 * server's tools). A client is opened per server and call; every connection is checked against the SSRF
 * policy when it connects, and results are capped at the HTTP tools' response limit.
 */
export function createMcpTools(policy: AddressPolicy, options: GuardedFetchOptions & { toolsTtlMs?: number }) {
  // Every connection the MCP SDK opens goes through the guard at connect time (no separate, earlier check
  // that a rebinding name could pass), and every response body is capped like an HTTP tool's.
  const guardedFetch = createGuardedFetch(policy, options);
  const connect = (server: McpServerConfig, signal: AbortSignal) => connectClient(guardedFetch, server, signal);
  const list = cachedLister(connect, options.toolsTtlMs ?? 60_000);
  return {
    describe: (servers: McpServerConfig[], toolIds: string[], signal: AbortSignal) => describeTools(list, servers, toolIds, signal),
    run: (tool: ResolvedTool, args: Record<string, unknown>, context: ToolCallContext) => callTool(connect, tool, args, context),
  };
}

/** The message of the SSRF refusal somewhere in an error's cause chain, if it is one. */
function refusedMessage(error: unknown): string | null {
  for (
    let current = error as { cause?: unknown } | undefined, hops = 0;
    current && hops < 5;
    current = current.cause as typeof current, hops++
  ) {
    if (current instanceof OutboundRequestError) return current.message;
  }
  return null;
}

function authHeaders(server: McpServerConfig): Record<string, string> {
  const headers: Record<string, string> = {};
  const auth = server.auth;
  if (auth?.type === 'bearer' && auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth?.type === 'api_key' && auth.token) headers[auth.headerName ?? 'x-api-key'] = auth.token;
  if (auth?.type === 'custom_header' && auth.token && auth.headerName) headers[auth.headerName] = auth.token;
  if (auth?.type === 'basic')
    headers.authorization = `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? auth.token ?? ''}`).toString('base64')}`;
  return headers;
}

/** A client, and a signal that aborts when a response of its connection passes the size limit. */
async function connectClient(guardedFetch: GuardedFetch, server: McpServerConfig, signal: AbortSignal): Promise<McpClient> {
  const tooLarge = new AbortController();
  // The MCP SDK is loaded on the first MCP call, not at startup.
  const [{ Client }, { StreamableHTTPClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  const client = new Client({ name: 'flowrun', version: '0.1.0' });
  try {
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: authHeaders(server), signal },
        fetch: guardedFetch.fetchFor((error) => tooLarge.abort(error)),
      }),
    );
  } catch (error) {
    const refused = refusedMessage(error);
    if (refused) throw new FlowrunError('VALIDATION_ERROR', `MCP server '${server.id}' refused: ${refused}`);
    throw error;
  }
  return Object.assign(client, { tooLarge: tooLarge.signal });
}

type Connect = (server: McpServerConfig, signal: AbortSignal) => Promise<McpClient>;
type McpToolInfo = { name: string; description?: string; inputSchema: unknown };
type Lister = (server: McpServerConfig, signal: AbortSignal) => Promise<McpToolInfo[]>;

/**
 * A server's tool list, cached per URL and credentials for `ttlMs` (a run offering a server's tools does not
 * reconnect to list them on every step); a failed listing is not cached.
 */
function cachedLister(connect: Connect, ttlMs: number): Lister {
  const cache = new Map<string, { until: number; tools: Promise<McpToolInfo[]> }>();
  return (server, signal) => {
    const key = JSON.stringify([server.url, authHeaders(server)]);
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.tools;
    const tools = (async () => {
      const client = await connect(server, signal);
      try {
        return (await client.listTools()).tools as McpToolInfo[];
      } finally {
        await client.close().catch(() => undefined);
      }
    })();
    cache.set(key, { until: Date.now() + ttlMs, tools });
    tools.catch(() => cache.delete(key));
    if (cache.size > 1_000) cache.delete(cache.keys().next().value!);
    return tools;
  };
}

/** The tools `toolIds` name, as each server lists them (only its `allowedTools`); a named tool it lacks is an error. */
async function describeTools(list: Lister, servers: McpServerConfig[], toolIds: string[], signal: AbortSignal): Promise<ResolvedTool[]> {
  const wanted = new Map<string, Set<string>>();
  for (const id of toolIds) {
    const [, serverId, toolName] = id.split(':');
    if (!serverId || !toolName) throw new FlowrunError('TOOL_NOT_FOUND', `'${id}' is not of the form mcp:<server>:<tool>`);
    if (!wanted.has(serverId)) wanted.set(serverId, new Set());
    wanted.get(serverId)!.add(toolName);
  }
  const tools: ResolvedTool[] = [];
  for (const [serverId, names] of wanted) {
    const server = servers.find((candidate) => candidate.id === serverId);
    if (!server) throw new FlowrunError('TOOL_NOT_FOUND', `tool ids name MCP server '${serverId}', which is not in tools.mcpServers`);
    for (const tool of await list(server, signal)) {
      if (!names.has('*') && !names.has(tool.name)) continue;
      if (server.allowedTools && !server.allowedTools.includes(tool.name)) continue;
      tools.push({
        id: `mcp:${serverId}:${tool.name}`,
        name: tool.name,
        description: tool.description ?? '',
        toolType: 'mcp',
        parametersSchema: tool.inputSchema as Record<string, unknown>,
        config: { server, toolName: tool.name },
      });
    }
    for (const name of names) {
      if (name !== '*' && !tools.some((tool) => tool.id === `mcp:${serverId}:${name}`))
        throw new FlowrunError('TOOL_NOT_FOUND', `MCP server '${serverId}' has no tool '${name}'`);
    }
  }
  return tools;
}

async function callTool(
  connect: Connect,
  tool: ResolvedTool,
  args: Record<string, unknown>,
  context: ToolCallContext,
): Promise<ToolOutcome> {
  const { server, toolName } = tool.config as { server: McpServerConfig; toolName: string };
  let client: McpClient | undefined;
  try {
    client = await connect(server, context.signal);
    const signal = AbortSignal.any([context.signal, client.tooLarge]);
    const result = await client.callTool({ name: toolName, arguments: args }, undefined, { timeout: server.timeout ?? 30_000, signal });
    const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
    const text = content
      .filter((part) => part.type === 'text')
      .map((part) => part.text)
      .join('\n');
    const value = result.structuredContent ?? (content.length === 1 && content[0]!.type === 'text' ? text : content);
    if (valueTooDeep(value))
      return {
        ok: false,
        error: { code: 'MCP_ERROR', message: `the result of MCP tool '${toolName}' is nested deeper than ${maxJsonDepth} levels` },
      };
    if (result.isError) return { ok: false, error: { code: 'MCP_TOOL_ERROR', message: text || 'the MCP tool reported an error' } };
    return { ok: true, result: value, costUsd: 0 };
  } catch (error) {
    const limit = client?.tooLarge.aborted ? (client.tooLarge.reason as Error).message : null;
    return { ok: false, error: { code: 'MCP_ERROR', message: limit ?? refusedMessage(error) ?? (error as Error).message } };
  } finally {
    await client?.close().catch(() => undefined);
  }
}
