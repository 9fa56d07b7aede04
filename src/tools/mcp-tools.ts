import type { McpServerConfig, ResolvedTool, ToolCallContext, ToolOutcome } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import { maxJsonDepth, valueTooDeep } from '../protocol/json-depth.js';
import type { AddressPolicy } from './address-policy.js';
import { createGuardedFetch, type GuardedFetch, type GuardedFetchOptions } from './guarded-fetch.js';
import { McpFailure } from '../protocol/mcp-failure.js';
import { authHeaders, openMcpSession } from './mcp-session.js';
import { createSharedFlights, type SharedFlights } from './shared-flight.js';

type McpToolInfo = { name: string; description?: string; inputSchema: unknown };

export interface McpToolsOptions extends GuardedFetchOptions {
  /** How long a server's tool list is reused. */
  toolsTtlMs?: number;
  /** Flowrun's own deadline of one listing (the SDK's would be 60 s). */
  listTimeoutMs: number;
  /** Listings one tenant may have open at once (joining one already running for the same server is free). */
  listingsPerTenant?: number;
}

/** What one tenant may have listing at once, unless configured. */
export const defaultListingsPerTenant = 4;

/**
 * MCP tools over the streamable HTTP transport, ids `mcp:<server>:<tool>` (or `mcp:<server>:*` for all of a
 * server's tools). A session is opened per server and call; every connection is checked against the SSRF
 * policy when it connects, every response (SSE included) is capped at the HTTP tools' response limit, and every
 * request stops when its caller goes or at Flowrun's deadline.
 */
export function createMcpTools(policy: AddressPolicy, options: McpToolsOptions) {
  // Every connection the MCP SDK opens goes through the guard at connect time (no separate, earlier check
  // that a rebinding name could pass), and every response body is capped like an HTTP tool's.
  const guardedFetch = createGuardedFetch(policy, options);
  const listings = createSharedFlights<McpToolInfo[]>({ ttlMs: options.toolsTtlMs ?? 60_000, maxEntries: 1_000 });
  const list = lister(guardedFetch, listings, options);
  return {
    describe: (servers: McpServerConfig[], toolIds: string[], signal: AbortSignal, tenantId: string) =>
      describeTools((server) => list(server, signal, tenantId), servers, toolIds),
    run: (tool: ResolvedTool, args: Record<string, unknown>, context: ToolCallContext) => callTool(guardedFetch, tool, args, context),
  };
}

type List = (server: McpServerConfig) => Promise<McpToolInfo[]>;

/**
 * A server's tool list, shared by every caller of the same tenant asking while it is listed and then kept for
 * the TTL (a run offering a server's tools does not reconnect on every step). A listing stops when its last
 * caller leaves; a tenant with `listingsPerTenant` listings open is refused another (429).
 */
function lister(guardedFetch: GuardedFetch, listings: SharedFlights<McpToolInfo[]>, options: McpToolsOptions) {
  const open = new Map<string, number>();
  const cap = options.listingsPerTenant ?? defaultListingsPerTenant;
  return (server: McpServerConfig, signal: AbortSignal, tenantId: string): Promise<McpToolInfo[]> => {
    const key = JSON.stringify([tenantId, server.url, authHeaders(server)]);
    return listings.join(key, signal, async (listingSignal) => {
      const count = open.get(tenantId) ?? 0;
      if (count >= cap)
        throw new FlowrunError('RATE_LIMITED', `at most ${cap} MCP servers are listed at once per tenant; try again when one has answered`);
      open.set(tenantId, count + 1);
      try {
        return await listTools(guardedFetch, server, listingSignal, options.listTimeoutMs);
      } finally {
        const left = (open.get(tenantId) ?? 1) - 1;
        if (left === 0) open.delete(tenantId);
        else open.set(tenantId, left);
      }
    });
  };
}

async function listTools(guardedFetch: GuardedFetch, server: McpServerConfig, signal: AbortSignal, timeoutMs: number) {
  const session = await openMcpSession(guardedFetch, server, { signal, timeoutMs });
  try {
    const { tools } = await session.client.listTools(undefined, session.requestOptions);
    // A schema nested past the limit would overflow the stack of whatever walks it next (the route's schemas).
    for (const tool of tools)
      if (valueTooDeep(tool.inputSchema))
        throw new McpFailure(`the inputSchema of tool '${String(tool.name).slice(0, 100)}' is nested deeper than ${maxJsonDepth} levels`);
    return tools as McpToolInfo[];
  } catch (error) {
    throw McpFailure.isInstance(error) ? error : session.failure(error);
  } finally {
    await session.close();
  }
}

/** The tools `toolIds` name, as each server lists them (only its `allowedTools`); a named tool it lacks is an error. */
async function describeTools(list: List, servers: McpServerConfig[], toolIds: string[]): Promise<ResolvedTool[]> {
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
    for (const tool of await list(server)) {
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
  guardedFetch: GuardedFetch,
  tool: ResolvedTool,
  args: Record<string, unknown>,
  context: ToolCallContext,
): Promise<ToolOutcome> {
  const { server, toolName } = tool.config as { server: McpServerConfig; toolName: string };
  let session: Awaited<ReturnType<typeof openMcpSession>> | undefined;
  try {
    session = await openMcpSession(guardedFetch, server, { signal: context.signal, timeoutMs: server.timeout ?? 30_000 });
    const result = await session.client.callTool({ name: toolName, arguments: args }, undefined, session.requestOptions);
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
    const failure = session ? session.failure(error) : (error as Error);
    return { ok: false, error: { code: 'MCP_ERROR', message: failure.message } };
  } finally {
    await session?.close();
  }
}
