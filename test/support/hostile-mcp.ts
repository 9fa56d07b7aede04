import { waitFor } from './wait-for.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An MCP server (streamable HTTP, JSON-RPC written by hand) that misbehaves by path: `/hang…` never answers,
 * `/big-sse` answers `tools/list` with 3 MB of SSE and keeps the stream open, `/deep` lists a tool whose
 * inputSchema is nested 20,000 deep, `/fail` answers 500. It counts the sockets it has open.
 */
export async function startHostileMcp(): Promise<{ url: string; openSockets(): number; requests(): number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests++;
    void answer(request, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    openSockets: () => sockets.size,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  if (path.startsWith('/hang')) return; // never answered: the caller's signal or deadline must end it
  if (path === '/fail') return void response.writeHead(500).end('broken');
  if (request.method !== 'POST') return void response.writeHead(405).end();
  const message = JSON.parse(Buffer.concat(parts).toString('utf8')) as { id?: number; method: string; params?: any };
  if (message.id === undefined) return void response.writeHead(202).end();
  if (message.method === 'initialize') {
    const result = {
      protocolVersion: message.params?.protocolVersion ?? '2025-03-26',
      capabilities: { tools: {} },
      serverInfo: { name: 'hostile', version: '1.0.0' },
    };
    return void response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
  }
  if (path === '/big-sse') {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(
      `event: message\ndata: {"jsonrpc":"2.0","id":${message.id},"result":{"tools":[{"name":"x","inputSchema":{"type":"object"},"description":"`,
    );
    for (let chunk = 0; chunk < 48; chunk++) response.write('x'.repeat(64 * 1024));
    return; // 3 MB sent and the event never ends
  }
  if (path === '/deep') {
    const depth = 20_000;
    const schema = `{"type":"object","properties":{"a":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`;
    const body = `{"jsonrpc":"2.0","id":${message.id},"result":{"tools":[{"name":"deep","inputSchema":${schema}}]}}`;
    return void response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  }
  response.writeHead(404).end();
}

/** Waits for `condition` (the shared waitFor, under the name these tests use). */
export async function until(condition: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  await waitFor(condition, what, { limitMs });
}
