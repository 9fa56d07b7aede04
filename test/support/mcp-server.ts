import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** A real MCP server (the SDK's, streamable HTTP, stateless) on 127.0.0.1 that wants a bearer token. */
export async function startMcpServer(
  token: string,
): Promise<{ url: string; calls: Array<{ tool: string; args: unknown }>; requests(): number; close(): Promise<void> }> {
  const calls: Array<{ tool: string; args: unknown }> = [];
  const build = () => {
    const server = new McpServer({ name: 'flowrun-test-mcp', version: '1.0.0' });
    server.registerTool('reverse', { description: 'Reverses a string', inputSchema: { text: z.string() } }, async ({ text }) => {
      calls.push({ tool: 'reverse', args: { text } });
      return { content: [{ type: 'text', text: [...text].reverse().join('') }] };
    });
    server.registerTool('fail', { description: 'Always fails', inputSchema: {} }, async () => {
      calls.push({ tool: 'fail', args: {} });
      return { content: [{ type: 'text', text: 'it broke' }], isError: true };
    });
    server.registerTool('big', { description: 'Returns 2 MB of text', inputSchema: {} }, async () => {
      calls.push({ tool: 'big', args: {} });
      return { content: [{ type: 'text', text: 'x'.repeat(2 * 1024 * 1024) }] };
    });
    server.registerTool('deep', { description: 'Returns a result nested 1,000 deep', inputSchema: {} }, async () => {
      calls.push({ tool: 'deep', args: {} });
      let value: Record<string, unknown> = {};
      for (let index = 0; index < 1_000; index++) value = { a: value };
      return { content: [{ type: 'text', text: 'deep' }], structuredContent: value };
    });
    return server;
  };
  let requests = 0;
  const http: Server = createServer(async (request, response) => {
    requests++;
    if (request.headers.authorization !== `Bearer ${token}`) {
      response.writeHead(401).end();
      return;
    }
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    const body = parts.length ? JSON.parse(Buffer.concat(parts).toString('utf8')) : undefined;
    const server = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response, body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    calls,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
