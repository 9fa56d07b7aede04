import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ToolCallContext } from '../src/engine/ports.js';
import { createAddressPolicy } from '../src/tools/address-policy.js';
import { guardedFetch, type Resolver } from '../src/tools/guarded-http.js';
import { createMcpTools } from '../src/tools/mcp-tools.js';
import { startMcpServer } from './support/mcp-server.js';

let mcp: Awaited<ReturnType<typeof startMcpServer>>;
let redirector: Server;
let receiver: Server;
let redirectorPort: number;
let receiverPort: number;
const received: IncomingHttpHeaders[] = [];
before(async () => {
  mcp = await startMcpServer('token');
  receiver = createServer((request, response) => {
    received.push(request.headers);
    response.end('ok');
  });
  redirector = createServer((request, response) => {
    const to = new URL(request.url ?? '/', 'http://x').searchParams.get('to')!;
    response.writeHead(302, { location: to }).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
  receiverPort = (receiver.address() as AddressInfo).port;
  redirectorPort = (redirector.address() as AddressInfo).port;
});
after(async () => {
  await mcp.close();
  await new Promise((resolve) => receiver.close(resolve));
  await new Promise((resolve) => redirector.close(resolve));
});

/** A resolver that answers every name with loopback, counting its calls: a name that "rebinds" to 127.0.0.1. */
function loopbackResolver(): Resolver & { calls: number } {
  const resolver = ((_name, _options, callback) => {
    resolver.calls++;
    callback(null, [{ address: '127.0.0.1', family: 4 }]);
  }) as Resolver & { calls: number };
  resolver.calls = 0;
  return resolver;
}

const server = (url: string) => ({
  id: 'util',
  url,
  transport: 'streamable_http' as const,
  auth: { type: 'bearer' as const, token: 'token' },
});
const context = (): ToolCallContext => ({
  executionId: 'exec',
  scope: { tenantId: 't', mode: 'test' },
  toolCallId: 'call',
  secrets: {},
  signal: new AbortController().signal,
  depth: 0,
});

test('MCP connections are checked when each socket connects: a name that resolves to loopback never reaches it', async () => {
  const resolver = loopbackResolver();
  const tools = createMcpTools(createAddressPolicy([]), { maxResponseBytes: 1024 * 1024, resolve: resolver, listTimeoutMs: 15_000 });
  const url = mcp.url.replace('127.0.0.1', 'mcp.rebinding.test');
  const before = mcp.requests();
  await assert.rejects(
    tools.describe([server(url)], ['mcp:util:*'], new AbortController().signal, 't'),
    /refused: refused to connect to mcp\.rebinding\.test: it resolves to 127\.0\.0\.1 is a loopback address/,
  );
  assert.ok(resolver.calls >= 1, 'the connection asked the guarded resolver');
  assert.equal(mcp.requests(), before, 'no request reached the loopback server');
  // An IP literal is checked too, and a tool call fails the same way.
  const call = await tools.run(
    {
      id: 'mcp:util:reverse',
      name: 'reverse',
      description: '',
      toolType: 'mcp',
      parametersSchema: {},
      config: { server: server(mcp.url), toolName: 'reverse' },
    },
    { text: 'x' },
    context(),
  );
  assert.equal(call.ok, false);
  assert.match(!call.ok ? call.error.message : '', /loopback/);
  assert.equal(mcp.requests(), before);
});

test('the same resolver serves real connections when the operator allows the address', async () => {
  const resolver = loopbackResolver();
  const tools = createMcpTools(createAddressPolicy(['127.0.0.1']), {
    maxResponseBytes: 1024 * 1024,
    resolve: resolver,
    listTimeoutMs: 15_000,
  });
  const listed = await tools.describe(
    [server(mcp.url.replace('127.0.0.1', 'mcp.allowed.test'))],
    ['mcp:util:*'],
    new AbortController().signal,
    't',
  );
  assert.ok(listed.some((tool) => tool.name === 'reverse'));
  assert.ok(resolver.calls >= 1);
});

test('MCP results are capped like HTTP tool responses (1 MiB) and refused when nested too deep', async () => {
  const tools = createMcpTools(createAddressPolicy(['127.0.0.1']), { maxResponseBytes: 1024 * 1024, listTimeoutMs: 15_000 });
  const tool = (toolName: string) => ({
    id: `mcp:util:${toolName}`,
    name: toolName,
    description: '',
    toolType: 'mcp' as const,
    parametersSchema: {},
    config: { server: server(mcp.url), toolName },
  });
  const big = await tools.run(tool('big'), {}, context());
  assert.equal(big.ok, false);
  assert.match(!big.ok ? big.error.message : '', /larger than 1048576 bytes/);
  const deep = await tools.run(tool('deep'), {}, context());
  assert.equal(deep.ok, false);
  assert.match(!deep.ok ? deep.error.message : '', /nested deeper than 128/);
  const small = await tools.run(tool('reverse'), { text: 'abc' }, context());
  assert.deepEqual(small, { ok: true, result: 'cba', costUsd: 0 });
});

test('credentials do not follow a redirect to another origin, and do follow one within the origin', async () => {
  const policy = createAddressPolicy(['127.0.0.1']);
  const headers = { authorization: 'Bearer sk-secret', cookie: 'session=1', 'proxy-authorization': 'Basic x', 'x-keep': 'yes' };
  const send = (to: string) =>
    guardedFetch(
      {
        url: `http://127.0.0.1:${redirectorPort}/?to=${encodeURIComponent(to)}`,
        method: 'GET',
        headers,
        timeoutMs: 2000,
        maxBytes: 1024,
        maxRedirects: 5,
      },
      policy,
    );
  received.length = 0;
  await send(`http://localhost:${receiverPort}/elsewhere`);
  assert.equal(received[0]!.authorization, undefined);
  assert.equal(received[0]!.cookie, undefined);
  assert.equal(received[0]!['proxy-authorization'], undefined);
  assert.equal(received[0]!['x-keep'], 'yes');
  received.length = 0;
  await send(`http://127.0.0.1:${receiverPort}/other-port`);
  assert.equal(received[0]!.authorization, undefined, 'another port is another origin');
  const sameOrigin = createServer((request, response) => {
    if (request.url === '/start') return void response.writeHead(302, { location: '/end' }).end();
    received.push(request.headers);
    response.end('ok');
  });
  await new Promise<void>((resolve) => sameOrigin.listen(0, '127.0.0.1', resolve));
  try {
    received.length = 0;
    await guardedFetch(
      {
        url: `http://127.0.0.1:${(sameOrigin.address() as AddressInfo).port}/start`,
        method: 'GET',
        headers,
        timeoutMs: 2000,
        maxBytes: 1024,
        maxRedirects: 5,
      },
      policy,
    );
    assert.equal(received[0]!.authorization, 'Bearer sk-secret');
  } finally {
    await new Promise((resolve) => sameOrigin.close(resolve));
  }
});

test('the address policy refuses IPv4-compatible, IPv4-mapped, local-use NAT64, Teredo and site-local IPv6', () => {
  const policy = createAddressPolicy([]);
  for (const address of [
    '::7f00:1',
    '::8.8.8.8',
    '::ffff:8.8.8.8',
    '::ffff:127.0.0.1',
    '::ffff:0808:0808',
    '64:ff9b:1::808:808',
    '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    'fec0::1',
    'feff::1',
  ]) {
    assert.ok(policy.check(address), `${address} is refused`);
  }
  for (const address of ['2606:4700:4700::1111', '64:ff9b::808:808', '2002:808:808::1', '8.8.8.8'])
    assert.equal(policy.check(address), null, `${address} is allowed`);
});
