import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runFlow } from '../../src/engine/run-flow.js';
import { scriptedTools, testEngine, testRequest } from '../../src/engine/testing.js';
import { createAddressPolicy } from '../../src/tools/address-policy.js';
import { createWebAccess } from '../../src/tools/web-access.js';

// The web steps attacked: a crawl whose links and redirects lead into private addresses in every spelling, a
// pagination whose Link header points at the metadata address, pages that never end or loop onto themselves,
// and pages past the byte bounds. Only 127.0.0.1 is allowed; nothing else may be reached.
const privateTargets = [
  'http://169.254.169.254/latest/meta-data/',
  'http://2852039166/',
  'http://0xa9fea9fe/',
  'http://0251.0376.0251.0376/',
  'http://127.0.0.2/',
  'http://0.0.0.0/',
  'http://10.0.0.1/',
  'http://192.168.1.1/',
  'http://[::1]/',
  'http://[::ffff:169.254.169.254]/',
  'http://[fd00:ec2::254]/',
  'http://168.63.129.16/',
];
let server: Server;
let base: string;
let served = 0;
before(async () => {
  server = createServer((request, response) => {
    served++;
    const url = new URL(request.url ?? '/', 'http://x');
    if (url.pathname === '/crawl') {
      const links = [...privateTargets, '/hop/0'].map((link) => `<a href="${link}">x</a>`).join(' ');
      response.writeHead(200, { 'content-type': 'text/html' });
      return response.end(`<html><body><p>Start page with links.</p>${links}</body></html>`);
    }
    const hop = /^\/hop\/(\d+)$/.exec(url.pathname);
    if (hop) {
      const index = Number(hop[1]);
      response.writeHead(302, { location: index < 2 ? `/hop/${index + 1}` : privateTargets[index % privateTargets.length]! });
      return response.end();
    }
    if (url.pathname === '/pages') {
      const target = url.searchParams.get('to');
      const page = Number(url.searchParams.get('n') ?? 0);
      const next = target ? privateTargets[Number(target)]! : url.searchParams.has('loop') ? `/pages?loop=1` : `/pages?n=${page + 1}`;
      response.writeHead(200, { 'content-type': 'application/json', link: `<${next}>; rel="next"` });
      return response.end(JSON.stringify([page]));
    }
    if (url.pathname === '/big') {
      response.writeHead(200, { 'content-type': 'application/json', link: '</big?n=2>; rel="next"' });
      return response.end(JSON.stringify(['x'.repeat(Number(url.searchParams.get('n') ?? 1) * 600)]));
    }
    response.writeHead(404);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

const engine = () =>
  testEngine({
    tools: {
      ...scriptedTools(),
      web: createWebAccess({
        policy: createAddressPolicy(['127.0.0.1']),
        http: { timeoutMs: 5_000, maxResponseBytes: 1024 * 1024 },
        githubApiUrl: base,
      }),
    },
  });
const signal = () => new AbortController().signal;
const step = (type: string, config: Record<string, unknown>) => ({
  id: 'w',
  name: 'W',
  type,
  config: { outputVariable: 'out', ...config },
});

test('a crawl allowed onto other sites reaches no private address, by link or by redirect chain', async () => {
  const outcome = await runFlow(
    engine(),
    testRequest([step('crawl', { url: `${base}/crawl`, allowExternalLinks: true, limit: 50 })]),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  const result = outcome.output.out as { pages: Array<{ url: string }>; errors: Array<{ url: string; code: string }> };
  assert.deepEqual(
    result.pages.map((page) => page.url),
    [`${base}/crawl`],
  );
  // The URL parser writes 2852039166, 0xa9fea9fe and 0251.0376.0251.0376 as 169.254.169.254: one link, read once.
  assert.equal(result.errors.length, new Set(privateTargets.map((target) => new URL(target).toString())).size + 1);
  for (const error of result.errors) assert.equal(error.code, 'SSRF_BLOCKED', JSON.stringify(error));
  console.log(`crawl: ${result.errors.length} private links and redirects refused`);
});

test('a pagination whose Link header points at a private address stops there, in every spelling', async () => {
  for (const [index, target] of privateTargets.entries()) {
    const outcome = await runFlow(
      engine(),
      testRequest([step('paginate-api', { url: `${base}/pages?to=${index}`, paginationType: 'link' })]),
      signal(),
    );
    assert.equal(outcome.error?.code, 'SSRF_BLOCKED', `${target}: ${JSON.stringify(outcome.error)}`);
  }
});

test('a pagination that never ends stops at the default page cap, and one that loops onto itself at once', async () => {
  const before = served;
  const endless = await runFlow(
    engine(),
    testRequest([step('paginate-api', { url: `${base}/pages?n=0`, paginationType: 'link' })]),
    signal(),
  );
  assert.deepEqual(
    [(endless.output.out as { pages: number }).pages, (endless.output.out as { stoppedBy: string }).stoppedBy],
    [10, 'maxPages'],
  );
  assert.equal(served - before, 10);
  const loop = await runFlow(
    engine(),
    testRequest([step('paginate-api', { url: `${base}/pages?loop=1`, paginationType: 'link' })]),
    signal(),
  );
  assert.deepEqual([(loop.output.out as { pages: number }).pages, (loop.output.out as { truncated: boolean }).truncated], [1, false]);
});

test('pages past the byte bounds: the first fails HTTP_TOO_LARGE, a later one ends the pagination as truncated', async () => {
  const first = await runFlow(
    engine(),
    testRequest([step('paginate-api', { url: `${base}/big?n=2`, paginationType: 'link', maxBytes: 1000 })]),
    signal(),
  );
  assert.equal(first.error?.code, 'HTTP_TOO_LARGE');
  const later = await runFlow(
    engine(),
    testRequest([step('paginate-api', { url: `${base}/big?n=1`, paginationType: 'link', maxBytes: 1000 })]),
    signal(),
  );
  assert.deepEqual([(later.output.out as { pages: number }).pages, (later.output.out as { stoppedBy: string }).stoppedBy], [1, 'maxBytes']);
});
