import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from '../support/harness.js';
import { startHostileMcp, until } from '../support/hostile-mcp.js';
import { startRedirectServer, type Arrival } from '../support/redirect-server.js';

// Tool tests and MCP discovery attacked at size: abandoned discoveries across tenants, oversized and nested
// answers, credentials in every part of a URL, URLs that render invalid, and secret-carrying headers and bodies
// through every kind of redirect. The counts are printed.
let harness: Harness;
let hostile: Awaited<ReturnType<typeof startHostileMcp>>;
let hop: Awaited<ReturnType<typeof startRedirectServer>>;
let hopPort = 0;
let arrived: Arrival[] = [];
before(async () => {
  harness = await startHarness({ FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1' });
  hostile = await startHostileMcp();
  hop = await startRedirectServer();
  hopPort = hop.port;
  arrived = hop.arrived;
});
after(async () => {
  await harness.close();
  await hostile.close();
  await hop.close();
});

const post = (key: string, path: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${harness.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });

test('30 abandoned discoveries across 8 tenants leave no socket open; a tenant past 4 at once gets 429', async () => {
  const keys = await Promise.all(Array.from({ length: 8 }, (_, index) => harness.createKey(`attacker-${index}`)));
  const callers = Array.from({ length: 30 }, () => new AbortController());
  const pending = callers.map((caller, index) =>
    post(keys[index % 8]!, '/v1/tools/mcp/discover', { server: { id: 'srv', url: `${hostile.url}/hang-${index}` } }, caller.signal)
      .then((response) => response.status)
      .catch(() => 'gone'),
  );
  await until(() => hostile.openSockets() >= 30, 'thirty discoveries connected');
  // A ninth-tenant-free check: one tenant's fifth listing at once is refused.
  const fifth = await post(keys[0]!, '/v1/tools/mcp/discover', { server: { id: 'srv', url: `${hostile.url}/hang-extra` } });
  assert.equal(fifth.status, 429);
  const abandoned = Date.now();
  for (const caller of callers) caller.abort();
  const outcomes = await Promise.all(pending);
  assert.equal(outcomes.filter((outcome) => outcome === 'gone').length, 30);
  // Within a second: a pooled socket of an aborted request would stay for undici's 4 s keep-alive.
  await until(() => hostile.openSockets() === 0, 'every socket closed', 1_000);
  console.log(`30 abandoned discoveries: 0 sockets left ${Date.now() - abandoned} ms after; the fifth listing of one tenant: 429`);
});

test('oversized and nested MCP answers fail clearly, never a 500', async () => {
  let cases = 0;
  for (let round = 0; round < 5; round++) {
    const response = await post(harness.key, '/v1/tools/mcp/discover', { server: { id: 'srv', url: `${hostile.url}/big-sse?r=${round}` } });
    assert.equal(response.status, 502);
    assert.match(await response.text(), /larger than 1048576 bytes/);
    cases++;
  }
  const deep = await post(harness.key, '/v1/tools/mcp/discover', { server: { id: 'srv', url: `${hostile.url}/deep` } });
  assert.equal(deep.status, 502);
  cases++;
  console.log(`${cases} oversized or nested answers: each a 502 saying why`);
});

test('credentials in any part of a discovery URL are never repeated', async () => {
  const { port } = new URL(hostile.url);
  const base = `127.0.0.1:${port}`;
  const urls = [
    `http://user:Pa55-word-1@${base}/fail`,
    `http://Pa55-word-1@${base}/fail`,
    `http://user:Pa55%2Dword%2D1@${base}/fail`,
    `http://${base}/fail?token=Pa55-word-1`,
    `http://${base}/fail?a=1&access_token=Pa55-word-1`,
    `http://${base}/fail?Pa55-word-1`,
    `http://${base}/fail?x=Pa55-word-1#frag`,
    `http://${base}/fail?key=Pa55%2Dword%2D1`,
    `http://user:Pa55-word-1@${base}/hang?token=Pa55-word-1`,
  ];
  for (const url of urls) {
    const response = await post(harness.key, '/v1/tools/mcp/discover', { server: { id: 'srv', url, timeout: 500 } });
    const text = await response.text();
    assert.ok(response.status < 500 || response.status === 502 || response.status === 504, `${url}: ${response.status}`);
    assert.ok(!/Pa55(-|%2D)word(-|%2D)1/i.test(text), `${url}: ${text}`);
  }
  console.log(`${urls.length} credentialed URLs: none repeated`);
});

test('URLs that render invalid are 422s naming tool.config.url', async () => {
  const values = ['a b', '', '[', '%zz', 'a\u0000b', 'a/b@c d', '::::', 'x'.repeat(300), '\n', 'ä ö'];
  let refused = 0;
  for (const h of values) {
    const response = await post(harness.key, '/v1/tools/test', {
      tool: { name: 'bad', toolType: 'external', config: { url: 'http://{{h}}/x', method: 'GET' } },
      arguments: { h },
    });
    const text = await response.text();
    assert.ok(response.status < 500, `${JSON.stringify(h)}: ${response.status} ${text}`);
    if (response.status === 422) {
      assert.match(text, /tool\.config\.url/);
      refused++;
    }
  }
  console.log(`${values.length} rendered URLs: ${refused} refused with 422, the rest answered as tool outcomes`);
});

test('a secret in a header or body never crosses origins by a redirect, whatever the status', async () => {
  const secret = 'sk-attack-7788990011';
  const headerKinds: Array<[string, Record<string, string>]> = [
    ['templated', { 'x-api-key': '{{secrets.k}}' }],
    ['templated inside', { 'x-auth': 'Token {{secrets.k}} end' }],
    ['verbatim', { 'x-copied': secret }],
    ['verbatim upper-case name', { 'X-Token': secret }],
    ['credential header', { authorization: `Bearer {{secrets.k}}` }],
  ];
  let cases = 0;
  let refused = 0;
  for (const status of [301, 302, 303, 307, 308])
    for (const [kind, headers] of headerKinds)
      for (const method of ['GET', 'POST']) {
        arrived.length = 0;
        const to = encodeURIComponent(`http://localhost:${hopPort}/far`);
        const body = method === 'POST' ? { note: 'uses {{secrets.k}}' } : undefined;
        const response = await post(harness.key, '/v1/tools/test', {
          tool: {
            name: 'hop',
            toolType: 'external',
            config: {
              url: `http://127.0.0.1:${hopPort}/to?status=${status}&to=${to}`,
              method,
              headers: { ...headers, 'x-plain': 'ok' },
              body,
            },
          },
          secrets: { k: secret },
        });
        const text = await response.text();
        cases++;
        assert.equal(response.status, 200, text);
        for (const hit of arrived) {
          assert.ok(!JSON.stringify(hit.headers).includes(secret), `${status} ${kind} ${method}: the header crossed`);
          assert.ok(!hit.body.includes(secret), `${status} ${kind} ${method}: the body crossed`);
          assert.equal(hit.headers['x-plain'], 'ok');
        }
        if (arrived.length === 0) refused++;
        assert.ok(!text.includes(secret));
      }
  console.log(`${cases} cross-origin redirects: no secret crossed; ${refused} refused (a body with a secret kept by 307/308)`);
});
