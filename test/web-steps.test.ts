import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSse, startHarness, type Harness } from './support/harness.js';
import { validateRuntypeFrame } from './support/runtype-schema.js';

/**
 * The web steps end to end: search (a fake SearXNG), paginate-api, crawl and fetch-github (a fake of GitHub's REST
 * API), all on one server on 127.0.0.1 that FLOWRUN_SSRF_ALLOWLIST lets through; links and redirects to private
 * addresses must stay refused.
 */
const apiToken = 'tok-Paginate-Secret-5521';
const githubToken = 'ghp_Fake-Github-Token-7781';
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
let web: Server;
let webUrl: string;
let harness: Harness;

function route(url: URL, headers: IncomingHttpHeaders): { status?: number; headers?: Record<string, string>; body: unknown } {
  if (url.pathname === '/searx/search')
    return {
      body: {
        results: [1, 2, 3].map((n) => ({ url: `https://otters.example/${n}`, title: `Otters ${n}`, content: `About otters ${n}` })),
      },
    };
  if (url.pathname === '/api/items') {
    if (!url.searchParams.has('end') && headers.authorization !== `Bearer ${apiToken}`) return { status: 401, body: { error: 'no token' } };
    const page = Number(url.searchParams.get('p') ?? 1);
    const next =
      url.searchParams.get('end') === 'metadata' && page === 2 ? 'http://169.254.169.254/latest/meta-data/' : `/api/items?p=${page + 1}`;
    return {
      headers:
        page < 3 || url.searchParams.has('end')
          ? { link: `<${next}${url.searchParams.has('end') && page < 2 ? '&end=metadata' : ''}>; rel="next"` }
          : {},
      body: { data: page <= 3 ? [`item-${page}`] : [] },
    };
  }
  const html = (title: string, links: string[]) =>
    `<html><head><title>${title}</title></head><body><article><h1>${title}</h1><p>${`${title} is a page about otters and their rivers. `.repeat(8)}</p>${links.map((link) => `<a href="${link}">${link}</a>`).join(' ')}</article></body></html>`;
  if (url.pathname === '/site/')
    return {
      headers: { 'content-type': 'text/html' },
      body: html('Home', ['/site/a', '/site/moved', 'http://10.0.0.1/admin', 'http://[::1]:1/x']),
    };
  if (url.pathname === '/site/a') return { headers: { 'content-type': 'text/html' }, body: html('Page A', ['/site/']) };
  if (url.pathname === '/site/moved') return { status: 302, headers: { location: 'http://169.254.169.254/latest/meta-data/' }, body: '' };
  const gh = '/gh/repos/acme/widgets';
  if (url.pathname.startsWith(gh) && headers.authorization !== `Bearer ${githubToken}`)
    return { status: 404, body: { message: 'Not Found' } };
  if (url.pathname === gh) return { body: { default_branch: 'main' } };
  if (url.pathname === `${gh}/git/trees/main`)
    return {
      body: {
        tree: [
          { path: 'README.md', type: 'blob', sha: 'r1', size: 10 },
          { path: 'src/index.ts', type: 'blob', sha: 'i1', size: 20 },
          { path: 'src/index.test.ts', type: 'blob', sha: 't1', size: 20 },
        ],
      },
    };
  const blobs: Record<string, string> = { r1: '# Widgets\n', i1: 'export const widget = 1;\n', t1: 'test("w");\n' };
  const blob = /\/git\/blobs\/(\w+)$/.exec(url.pathname)?.[1];
  if (url.pathname.startsWith(`${gh}/git/blobs/`) && blob && blobs[blob])
    return { body: { encoding: 'base64', content: Buffer.from(blobs[blob]).toString('base64') } };
  return { status: 404, body: { message: 'Not Found' } };
}

before(async () => {
  web = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    const answer = route(new URL(request.url ?? '/', 'http://x'), request.headers);
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    response.end(text);
  });
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  harness = await startHarness({
    FLOWRUN_SSRF_ALLOWLIST: '127.0.0.1',
    FLOWRUN_SEARXNG_URL: `${webUrl}/searx`,
    FLOWRUN_GITHUB_API_URL: `${webUrl}/gh`,
    FLOWRUN_SECRET_KEY: 'aa'.repeat(32),
  });
  for (const [key, value] of [
    ['ITEMS_TOKEN', apiToken],
    ['GITHUB_TOKEN', githubToken],
  ]) {
    const created = await harness.request('/v1/secrets', {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key, value }),
    });
    assert.equal(created.status, 201, await created.text());
  }
});
after(async () => {
  await harness.close();
  await new Promise((resolve) => web.close(resolve));
});

async function run(steps: unknown[]) {
  const response = await harness.dispatch({ flow: { name: 'web', steps }, options: { streamResponse: false } });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, any> };
}

test('search streams its results as source frames in every dialect (Runtype frames validate) and keeps them as citations', async () => {
  const steps = [
    {
      id: 'find',
      name: 'Find',
      type: 'search',
      config: { query: 'otters', maxResults: 2, returnCitations: true, outputVariable: 'found' },
    },
  ];
  const runtype = await readSse(
    await harness.dispatch({ flow: { name: 'search', steps }, options: { streamResponse: true } }, { query: 'events=runtype' }),
  );
  for (const frame of runtype) assert.equal(validateRuntypeFrame(frame.data), null, JSON.stringify(frame.data));
  const sources = runtype.filter((frame) => JSON.stringify(frame.data).includes('https://otters.example/'));
  assert.ok(sources.length >= 2, JSON.stringify(runtype.map((frame) => frame.event)));
  const unified = await readSse(
    await harness.dispatch({ flow: { name: 'search', steps }, options: { streamResponse: true } }, { query: 'events=unified' }),
  );
  assert.deepEqual(
    unified.filter((frame) => frame.event === 'source').map((frame) => frame.data.url),
    ['https://otters.example/1', 'https://otters.example/2'],
  );
  const { body } = await run(steps);
  assert.equal(body.output.found.provider, 'searxng');
  assert.deepEqual(body.output.found.citations, [
    { url: 'https://otters.example/1', title: 'Otters 1' },
    { url: 'https://otters.example/2', title: 'Otters 2' },
  ]);
});

test('paginate-api follows the Link header with a managed secret, and never shows it; a next link to the metadata address is refused', async () => {
  const config = {
    url: `${webUrl}/api/items?p=1`,
    paginationType: 'link',
    entityPath: 'data',
    headers: { Authorization: 'Bearer {{secret:ITEMS_TOKEN}}' },
  };
  const { body, text } = await run([{ id: 'pages', name: 'Pages', type: 'paginate-api', config: { ...config, outputVariable: 'all' } }]);
  assert.equal(body.status, 'completed', text);
  assert.deepEqual(body.output.all, { items: ['item-1', 'item-2', 'item-3'], pages: 3, count: 3, truncated: false });
  assert.ok(!text.includes(apiToken));
  const metadata = await run([
    { id: 'pages', name: 'Pages', type: 'paginate-api', config: { ...config, url: `${webUrl}/api/items?p=1&end=metadata` } },
  ]);
  assert.match(metadata.text, /PAGINATION_INVALID/);
  assert.ok(!metadata.text.includes(apiToken));
  const { headers: _withoutSecret, ...plain } = config;
  const guarded = await run([
    { id: 'pages', name: 'Pages', type: 'paginate-api', config: { ...plain, url: `${webUrl}/api/items?p=1&end=metadata` } },
  ]);
  assert.match(guarded.text, /SSRF_BLOCKED/);
});

test('crawl reads the site as markdown; links and redirects to private addresses are refused and listed', async () => {
  const { body, text } = await run([
    {
      id: 'crawl',
      name: 'Crawl',
      type: 'crawl',
      config: { url: `${webUrl}/site/`, depth: 1, allowExternalLinks: true, outputVariable: 'site' },
    },
  ]);
  assert.equal(body.status, 'completed', text);
  const site = body.output.site;
  assert.deepEqual(
    site.pages.map((page: { title: string }) => page.title),
    ['Home', 'Page A'],
  );
  assert.match(site.pages[0].markdown, /Home is a page about otters/);
  assert.deepEqual(
    site.errors.map((error: { url: string; code: string }) => [error.url, error.code]),
    [
      [`${webUrl}/site/moved`, 'SSRF_BLOCKED'],
      ['http://10.0.0.1/admin', 'SSRF_BLOCKED'],
      ['http://[::1]:1/x', 'SSRF_BLOCKED'],
    ],
  );
});

test('fetch-github packs the repository with its globs and the token from a managed secret', async () => {
  const { body, text } = await run([
    {
      id: 'repo',
      name: 'Repo',
      type: 'fetch-github',
      config: {
        repository: 'https://github.com/acme/widgets',
        includePatterns: ['**/*.ts', 'README.md'],
        excludePatterns: ['**/*.test.ts'],
        token: '{{secret:GITHUB_TOKEN}}',
        style: 'markdown',
        outputVariable: 'repo_content',
      },
    },
  ]);
  assert.equal(body.status, 'completed', text);
  assert.match(body.output.repo_content, /## File: README.md[\s\S]*## File: src\/index.ts\n```\nexport const widget = 1;/);
  assert.doesNotMatch(body.output.repo_content, /index.test.ts/);
  assert.ok(!text.includes(githubToken));
  assert.ok(seen.some((request) => request.headers.authorization === `Bearer ${githubToken}`));
  const unknown = await run([
    { id: 'repo', name: 'Repo', type: 'fetch-github', config: { repository: 'acme/widgets', token: '{{secret:NO_SUCH_TOKEN}}' } },
  ]);
  assert.match(unknown.text, /SECRET_NOT_FOUND/);
  assert.match(unknown.text, /NO_SUCH_TOKEN/);
});

test('web step configs out of bounds or missing what they need are 422s naming the field', async () => {
  for (const [step, path] of [
    [{ type: 'paginate-api', config: { url: 'https://a.example', maxPages: 1000 } }, 'flow.steps[0].config.maxPages'],
    [{ type: 'crawl', config: { url: 'https://a.example', depth: 9 } }, 'flow.steps[0].config.depth'],
    [{ type: 'fetch-github', config: {} }, 'flow.steps[0].config.repository'],
    [{ type: 'search', config: { query: 'x', provider: 'bing' } }, 'flow.steps[0].config.provider'],
  ] as const) {
    const { status, text } = await run([{ id: 's', name: 'S', ...step }]);
    assert.equal(status, 422, text);
    assert.ok(text.includes(path), `${path} in ${text}`);
  }
});
