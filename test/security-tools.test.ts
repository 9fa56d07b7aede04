import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAddressPolicy } from '../src/tools/address-policy.js';
import { createMcpTools } from '../src/tools/mcp-tools.js';
import { startHarness, type Harness } from './support/harness.js';
import { startHostileMcp, until } from './support/hostile-mcp.js';

// Tool tests and MCP discovery as an attacker drives them: abandoned, oversized, nested, credentialed, concurrent.
let harness: Harness;
let hostile: Awaited<ReturnType<typeof startHostileMcp>>;
let upstream: Server;
let upstreamUrl = '';
const seen: IncomingHttpHeaders[] = [];
before(async () => {
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1', FLOWRUN_SANDBOX_WORKERS: '1' });
  hostile = await startHostileMcp();
  upstream = createServer((request, response) => {
    seen.push(request.headers);
    response.setHeader('content-type', 'application/json');
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
after(async () => {
  await harness.close();
  await hostile.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

const request = (path: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${harness.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
async function post(path: string, body: unknown) {
  const response = await request(path, body);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}
const discover = (url: string, signal?: AbortSignal) => request('/v1/tools/mcp/discover', { server: { id: 'srv', url } }, signal);

test('an abandoned MCP discovery closes its connections when its caller goes', async () => {
  const callers = Array.from({ length: 3 }, () => new AbortController());
  const pending = callers.map((caller, index) => discover(`${hostile.url}/hang-${index}`, caller.signal).catch(() => 'gone'));
  await until(() => hostile.openSockets() >= 3, 'three discoveries connected');
  for (const caller of callers) caller.abort();
  assert.deepEqual(await Promise.all(pending), ['gone', 'gone', 'gone']);
  // The SDK alone would hold each socket for its own 60 s timeout.
  await until(() => hostile.openSockets() === 0, 'every socket of the abandoned discoveries closed', 20_000);
});

test('a tools/list answered as 3 MB of SSE fails at the 1 MiB limit', async () => {
  const response = await discover(`${hostile.url}/big-sse`);
  const body = (await response.json()) as Record<string, any>;
  assert.equal(response.status, 502, JSON.stringify(body));
  assert.equal(body.code, 'MCP_ERROR');
  assert.match(body.error, /larger than 1048576 bytes/);
});

test('a tool inputSchema nested 20,000 deep is a clear error, not a 500', async () => {
  const response = await discover(`${hostile.url}/deep`);
  const body = (await response.json()) as Record<string, any>;
  assert.equal(response.status, 502, JSON.stringify(body).slice(0, 300));
  assert.match(body.error, /nested deeper than 128 levels/);
});

test("a discovery error does not repeat the URL's userinfo or query values", async () => {
  const { port } = new URL(hostile.url);
  for (const [url, why] of [
    [`http://alice:hunter2-pass@127.0.0.1:${port}/fail?token=tok-123456&plain=1`, /includes credentials/],
    [`http://127.0.0.1:${port}/fail?token=tok-123456&plain=1`, /answered HTTP 500/],
  ] as const) {
    const response = await discover(url);
    const text = await response.text();
    assert.equal(response.status, 502, text);
    for (const credential of ['hunter2-pass', 'alice', 'tok-123456']) assert.ok(!text.includes(credential), text);
    assert.match(text, why);
  }
});

test('a tenant has at most 4 MCP listings open at once; the fifth is a 429', async () => {
  const tools = createMcpTools(createAddressPolicy(['127.0.0.1']), { maxResponseBytes: 1024 * 1024, listTimeoutMs: 30_000 });
  const caller = new AbortController();
  const server = (index: number) => ({ id: `s${index}`, url: `${hostile.url}/hang-cap-${index}`, transport: 'streamable_http' as const });
  const open = [0, 1, 2, 3].map((index) =>
    tools.describe([server(index)], [`mcp:s${index}:*`], caller.signal, 'tenant-a').catch((error: Error) => error),
  );
  const before = hostile.requests();
  await until(() => hostile.requests() >= before + 4, 'four listings reached the server');
  await assert.rejects(tools.describe([server(4)], ['mcp:s4:*'], caller.signal, 'tenant-a'), { code: 'RATE_LIMITED' });
  // Another tenant is not held by the first's listings.
  const other = new AbortController();
  const elsewhere = tools.describe([server(5)], ['mcp:s5:*'], other.signal, 'tenant-b').catch((error: Error) => error);
  await until(() => hostile.requests() >= before + 5, "the other tenant's listing reached the server");
  other.abort();
  caller.abort();
  for (const outcome of [...(await Promise.all(open)), await elsewhere]) assert.ok(outcome instanceof Error);
  await until(() => hostile.openSockets() === 0, 'the listings closed their sockets', 20_000);
});

test('a URL that renders invalid is a 422 naming tool.config.url, not a 500', async () => {
  const tested = await post('/v1/tools/test', {
    tool: { name: 'bad', toolType: 'external', config: { url: 'http://{{h}}/x', method: 'GET' } },
    arguments: { h: 'a b' },
  });
  assert.equal(tested.status, 422, JSON.stringify(tested.body));
  assert.match(JSON.stringify(tested.body), /tool\.config\.url/);
});

test('each tool test sends its own idempotency key upstream', async () => {
  seen.length = 0;
  const tool = { name: 'ping', toolType: 'external', config: { url: `${upstreamUrl}/ping`, method: 'POST', body: {} } };
  assert.equal((await post('/v1/tools/test', { tool })).status, 200);
  assert.equal((await post('/v1/tools/test', { tool })).status, 200);
  const keys = seen.map((headers) => headers['idempotency-key']);
  assert.equal(keys.length, 2);
  assert.ok(
    keys.every((key) => typeof key === 'string' && key.length > 0),
    JSON.stringify(keys),
  );
  assert.notEqual(keys[0], keys[1]);
  assert.ok(!keys.includes('tool_test:tool_test'));
});

test('the address policy refuses the well-known cloud metadata addresses, Azure WireServer among them', () => {
  const policy = createAddressPolicy([]);
  for (const address of ['169.254.169.254', '168.63.129.16', '100.100.100.200', 'fd00:ec2::254'])
    assert.ok(policy.check(address), `${address} is refused`);
});

/** The sandbox gauge of `state` (busy, started, waiting) as /metrics shows it. */
async function sandboxThreads(state: string): Promise<number> {
  const metrics = await (await fetch(`${harness.baseUrl}/metrics`)).text();
  return Number(new RegExp(`flowrun_sandbox_threads\\{state="${state}"\\} (\\d+)`).exec(metrics)?.[1]);
}

test('tool tests abandoned while queued for the one sandbox thread never start', async () => {
  const spin = { tool: { name: 'spin', toolType: 'custom', config: { code: 'while (true) {}', timeout: 30000 } } };
  const callers = Array.from({ length: 4 }, () => new AbortController());
  const pending = callers.map((caller) => request('/v1/tools/test', spin, caller.signal).catch(() => 'gone'));
  await until(
    async () => (await sandboxThreads('busy')) === 1 && (await sandboxThreads('waiting')) === 3,
    'one test running in the sandbox thread and three queued for it',
  );
  for (const caller of callers) caller.abort();
  assert.deepEqual(await Promise.all(pending), ['gone', 'gone', 'gone', 'gone']);
  // One thread: had the three queued tests started after the first stopped, this call would wait 90 s for them.
  const next = await post('/v1/tools/test', { tool: { name: 'quick', toolType: 'custom', config: { code: 'return 2' } } });
  assert.equal(next.body.result, 2);
});
