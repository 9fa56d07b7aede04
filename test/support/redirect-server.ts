import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Arrival {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A server on 127.0.0.1 for redirect tests: `/to?to=URL&status=N` redirects (302 unless N says otherwise); any
 * other path records what reached it (`arrived`) and answers `{"arrived":true}`. `localhost:port` is the same
 * server at another origin.
 */
export async function startRedirectServer(): Promise<{ port: number; arrived: Arrival[]; close(): Promise<void> }> {
  const arrived: Arrival[] = [];
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    if (url.pathname === '/to') {
      const status = Number(url.searchParams.get('status') ?? 302);
      return void response.writeHead(status, { location: url.searchParams.get('to')! }).end();
    }
    arrived.push({ path: url.pathname, headers: request.headers, body: Buffer.concat(parts).toString('utf8') });
    response.setHeader('content-type', 'application/json');
    response.end('{"arrived":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    arrived,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
