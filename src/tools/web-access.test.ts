import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FlowrunError } from '../protocol/errors.js';
import { createAddressPolicy } from './address-policy.js';
import { createWebAccess } from './web-access.js';

/** A fake of GitHub's REST API (repository, git trees, git blobs) and a page with a redirect, on 127.0.0.1. */
const files: Record<string, string> = {
  'README.md': '# Widgets\n',
  'src/a.ts': 'export const a = 1;\n\n\n',
  'src/a.test.ts': 'test();\n',
  'src/deep/b.ts': 'export const b = 2;\n',
  'src/logo.png': 'PNG\u0000\u0001',
  'src/huge.ts': 'x'.repeat(5000),
  'node_modules/x/index.ts': 'nope',
};
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
const bodies: string[] = [];
let server: Server;
let base: string;
before(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    request.on('data', (part: Buffer) => bodies.push(part.toString('utf8')));
    const url = new URL(request.url ?? '/', 'http://x');
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/repos/acme/widgets') return json(200, { default_branch: 'trunk' });
    if (url.pathname === '/repos/acme/widgets/git/trees/trunk')
      return json(200, {
        truncated: false,
        tree: [
          { path: 'src', type: 'tree', sha: 'd0' },
          ...Object.entries(files).map(([path, text], index) => ({ path, type: 'blob', sha: `s${index}`, size: Buffer.byteLength(text) })),
        ],
      });
    const blob = /^\/repos\/acme\/widgets\/git\/blobs\/s(\d+)$/.exec(url.pathname);
    if (blob) return json(200, { encoding: 'base64', content: Buffer.from(Object.values(files)[Number(blob[1])]!).toString('base64') });
    if (url.pathname === '/page')
      return (
        response.writeHead(200, { 'content-type': 'text/html' }),
        response.end(
          `<html><head><title>Otters</title></head><body><nav><a href="/a#top">A</a> <a href="mailto:x@y">m</a></nav><article><h1>Otters</h1><p>${'Otters hold hands while they sleep. '.repeat(20)}</p><p>See <a href="https://other.example/b">b</a>.</p></article><script>steal()</script></body></html>`,
        )
      );
    if (url.pathname === '/exa/search')
      return json(200, {
        results: [1, 2, 3, 4].map((n) => ({ url: `https://otters.example/${n}`, title: `Otters ${n}`, text: 'x'.repeat(2_000) })),
      });
    if (url.pathname === '/to-metadata') return (response.writeHead(302, { location: 'http://169.254.169.254/latest/' }), response.end());
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

const web = () =>
  createWebAccess({
    policy: createAddressPolicy(['127.0.0.1']),
    http: { timeoutMs: 5_000, maxResponseBytes: 1024 * 1024 },
    githubApiUrl: base,
  });

const pack = (overrides: Record<string, unknown> = {}) => ({
  owner: 'acme',
  repo: 'widgets',
  path: '',
  includePatterns: [] as string[],
  excludePatterns: [] as string[],
  compress: false,
  style: 'xml' as const,
  maxFiles: 100,
  maxFileBytes: 1_000,
  maxBytes: 100_000,
  timeoutMs: 10_000,
  signal: new AbortController().signal,
  ...overrides,
});

test("packGithub packs the default branch's files under path, by the globs, skipping binary and oversized ones", async () => {
  seen.length = 0;
  const result = await web().packGithub(
    pack({ path: 'src', includePatterns: ['**/*.ts'], excludePatterns: ['**/*.test.ts'], token: 'ghp_secret', compress: true }),
  );
  assert.equal(result.ref, 'trunk');
  assert.deepEqual(result.files, ['src/a.ts', 'src/deep/b.ts']);
  assert.deepEqual(result.skipped, [{ path: 'src/huge.ts', reason: 'larger than maxFileBytes (1000)' }]);
  assert.equal(result.truncated, true);
  assert.match(result.content, /<file path="src\/a.ts">\nexport const a = 1;\n<\/file>/);
  assert.ok(seen.every((request) => request.headers.authorization === 'Bearer ghp_secret'));
  assert.ok(!seen.some((request) => request.url.includes('blobs/s0')), 'README.md is outside path and never read');
});

test('packGithub in markdown and plain styles, bounded by maxFiles; an unknown repository is HTTP_STATUS', async () => {
  const markdown = await web().packGithub(pack({ style: 'markdown', maxFiles: 1, excludePatterns: ['node_modules/**'] }));
  assert.deepEqual(markdown.files, ['README.md']);
  assert.match(markdown.content, /## File: README.md\n```\n# Widgets\n/);
  assert.ok(markdown.skipped.some((entry) => entry.reason === 'past maxFiles (1)'));
  const plain = await web().packGithub(pack({ style: 'plain', includePatterns: ['README.md', '**/*.png'] }));
  assert.deepEqual(plain.skipped, [{ path: 'src/logo.png', reason: 'binary' }]);
  assert.match(plain.content, /={16}\nFile: README.md\n={16}\n# Widgets/);
  await assert.rejects(
    web().packGithub(pack({ repo: 'gone' })),
    (error: unknown) => FlowrunError.isInstance(error) && error.code === 'HTTP_STATUS' && /acme\/gone/.test(error.message),
  );
});

test('readPage gives the article as markdown and text, the title, and the absolute http links of the whole page', async () => {
  const response = await web().request({ url: `${base}/page`, method: 'GET', headers: {}, signal: new AbortController().signal });
  const page = web().readPage(response.body, response.url);
  assert.equal(page.title, 'Otters');
  assert.match(page.markdown, /Otters hold hands/);
  assert.doesNotMatch(page.markdown + page.text, /steal\(\)/);
  assert.deepEqual(page.links, [`${base}/a`, 'https://other.example/b']);
});

test('a web request redirected to the metadata address is refused by the SSRF guard', async () => {
  await assert.rejects(
    web().request({ url: `${base}/to-metadata`, method: 'GET', headers: {}, signal: new AbortController().signal }),
    (error: unknown) => FlowrunError.isInstance(error) && error.code === 'SSRF_BLOCKED',
  );
});

test('search without a configured backend is SEARCH_NOT_CONFIGURED naming the setting', async () => {
  await assert.rejects(
    web().search({ query: 'otters', maxResults: 3, provider: 'exa', signal: new AbortController().signal }),
    (error: unknown) => FlowrunError.isInstance(error) && error.code === 'SEARCH_NOT_CONFIGURED' && /EXA_API_KEY/.test(error.message),
  );
});

test('search through Exa sends the key and the count, and cuts results and snippets', async () => {
  const exa = createWebAccess({
    policy: createAddressPolicy(['127.0.0.1']),
    http: { timeoutMs: 5_000, maxResponseBytes: 1024 * 1024 },
    githubApiUrl: base,
    exa: { apiKey: 'exa-key-1', baseURL: `${base}/exa` },
    searxngUrl: `${base}/searx`,
  });
  seen.length = 0;
  bodies.length = 0;
  const found = await exa.search({ query: 'otters', maxResults: 3, provider: 'auto', signal: new AbortController().signal });
  assert.equal(found.provider, 'exa');
  assert.equal(found.results.length, 3);
  assert.equal(found.results[0]!.snippet!.length, 1_000);
  assert.equal(seen[0]!.headers['x-api-key'], 'exa-key-1');
  assert.equal(JSON.parse(bodies.join('')).numResults, 3);
});
