import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowrunError } from '../../protocol/errors.js';
import type { ReadablePage, WebAccess, WebRequest, WebResponse } from '../ports.js';
import { runFlow } from '../run-flow.js';
import { scriptedTools, testEngine, testRequest } from '../testing.js';
import { parseRepository } from './fetch-github.js';
import { nextLinkOf } from './link-header.js';

const signal = () => new AbortController().signal;

/** A web of answers by URL; every request is recorded. Pages are "html" whose links are listed after `links:`. */
function fakeWeb(answer: (request: WebRequest) => Partial<WebResponse> | Error): WebAccess & { requests: WebRequest[] } {
  const requests: WebRequest[] = [];
  return {
    requests,
    async request(request) {
      requests.push(request);
      const answered = answer(request);
      if (answered instanceof Error) throw answered;
      return { status: 200, headers: {}, body: '', url: request.url, ...answered };
    },
    async search({ query, maxResults }) {
      const results = [1, 2, 3].map((n) => ({ url: `https://example.com/${n}`, title: `${query} ${n}`, snippet: `s${n}` }));
      return { provider: 'searxng', results: results.slice(0, maxResults) };
    },
    readPage(html, url): ReadablePage {
      const links = (html.split('links:')[1] ?? '')
        .split(' ')
        .filter(Boolean)
        .map((link) => new URL(link, url).toString());
      return { title: html.split('links:')[0]!.trim(), markdown: `# ${html.split('links:')[0]!.trim()}`, text: 'text', links };
    },
    async packGithub() {
      return { content: 'packed', ref: 'main', files: [], skipped: [], truncated: false };
    },
  };
}

function engineWith(web: WebAccess) {
  return testEngine({ tools: { ...scriptedTools(), web } });
}

const step = (type: string, config: Record<string, unknown>) => ({
  id: 'w',
  name: 'Web',
  type,
  config: { outputVariable: 'out', ...config },
});

test('paginate-api by page number concatenates the items at entityPath and stops at the empty page', async () => {
  const web = fakeWeb((request) => {
    const page = Number(new URL(request.url).searchParams.get('page'));
    return { body: JSON.stringify({ data: { items: page <= 3 ? [page * 10, page * 10 + 1] : [] } }) };
  });
  const outcome = await runFlow(
    engineWith(web),
    testRequest([step('paginate-api', { url: 'https://api.example/items', paginationType: 'page', entityPath: 'data.items' })]),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  assert.deepEqual(outcome.output.out, { items: [10, 11, 20, 21, 30, 31], pages: 4, count: 6, truncated: false });
});

test('paginate-api by offset and by cursor: a short page or no next cursor ends it', async () => {
  const rows = Array.from({ length: 5 }, (_, index) => ({ id: index }));
  const offsets = fakeWeb((request) => {
    const url = new URL(request.url);
    const offset = Number(url.searchParams.get('skip'));
    return { body: JSON.stringify(rows.slice(offset, offset + Number(url.searchParams.get('per')))) };
  });
  const byOffset = await runFlow(
    engineWith(offsets),
    testRequest([
      step('paginate-api', {
        url: 'https://api.example/rows',
        paginationType: 'offset',
        pageParam: 'skip',
        limitParam: 'per',
        pageSize: 2,
      }),
    ]),
    signal(),
  );
  assert.deepEqual((byOffset.output.out as { items: unknown[] }).items, rows);
  assert.equal(offsets.requests.length, 3);
  const cursors = fakeWeb((request) => {
    const after = new URL(request.url).searchParams.get('after');
    return { body: JSON.stringify(after === null ? { rows: [1], meta: { next: 'c2' } } : { rows: [2], meta: { next: null } }) };
  });
  const byCursor = await runFlow(
    engineWith(cursors),
    testRequest([
      step('paginate-api', {
        url: 'https://api.example/rows',
        paginationType: 'cursor',
        entityPath: 'rows',
        cursorPath: 'meta.next',
        cursorParam: 'after',
      }),
    ]),
    signal(),
  );
  assert.deepEqual((byCursor.output.out as { items: unknown[] }).items, [1, 2]);
});

test('paginate-api that never ends stops at maxPages and says it was truncated', async () => {
  let served = 0;
  const web = fakeWeb(() => ({ body: JSON.stringify([served++]), headers: { link: `<https://api.example/p?n=${served}>; rel="next"` } }));
  const outcome = await runFlow(
    engineWith(web),
    testRequest([step('paginate-api', { url: 'https://api.example/p', paginationType: 'link', maxPages: 3 })]),
    signal(),
  );
  assert.deepEqual(outcome.output.out, { items: [0, 1, 2], pages: 3, count: 3, truncated: true, stoppedBy: 'maxPages' });
  assert.equal(web.requests.length, 3);
});

test('paginate-api does not follow a next link to another origin with a secret, and says where a page has no items', async () => {
  const web = fakeWeb(() => ({ body: '[1]', headers: { link: '<http://169.254.169.254/latest/meta-data>; rel="next"' } }));
  const outcome = await runFlow(
    engineWith(web),
    testRequest(
      [step('paginate-api', { url: 'https://api.example/p', paginationType: 'link', headers: { Authorization: 'Bearer {{secret:API}}' } })],
      {
        secrets: { 'secret:API': 'sk-live-123' },
      },
    ),
    signal(),
  );
  assert.equal(outcome.error?.code, 'PAGINATION_INVALID');
  assert.doesNotMatch(JSON.stringify(outcome.error), /sk-live-123/);
  assert.deepEqual(
    web.requests.map((request) => request.secretHeaders),
    [['authorization']],
  );
  const noItems = await runFlow(
    engineWith(fakeWeb(() => ({ body: '{"data":{}}' }))),
    testRequest([step('paginate-api', { url: 'https://api.example/p', entityPath: 'data.items' })]),
    signal(),
  );
  assert.equal(noItems.error?.code, 'PAGINATION_INVALID');
  assert.match(noItems.error?.message ?? '', /entityPath 'data.items'/);
});

test('paginate-api config beyond its hard bounds, or a cursor without cursorPath, is refused with the field path', () => {
  for (const [config, path] of [
    [{ url: 'https://a.example', maxPages: 1000 }, 'flow.steps[0].config.maxPages'],
    [{ url: 'https://a.example', paginationType: 'cursor' }, 'flow.steps[0].config.cursorPath'],
    [{ url: 'https://a.example', paginationType: 'scroll' }, 'flow.steps[0].config.paginationType'],
  ] as const) {
    assert.throws(
      () => testRequest([step('paginate-api', config)]),
      (error: unknown) => FlowrunError.isInstance(error) && error.details.some((detail) => detail.path === path),
      path,
    );
  }
});

test('crawl reads the site breadth first, depth deep, same site only; a failing later page is listed, not fatal', async () => {
  const site: Record<string, string> = {
    'https://docs.example/': 'Home links: /a /b https://other.example/x',
    'https://docs.example/a': 'A links: /a/deep /',
    'https://docs.example/a/deep': 'Deep links: /a/deeper',
  };
  const web = fakeWeb((request) =>
    site[request.url] ? { body: site[request.url], headers: { 'content-type': 'text/html' } } : new FlowrunError('SSRF_BLOCKED', 'refused'),
  );
  const outcome = await runFlow(engineWith(web), testRequest([step('crawl', { url: 'https://docs.example/', depth: 2 })]), signal());
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  const result = outcome.output.out as { pages: Array<{ url: string; markdown: string }>; errors: Array<{ url: string; code: string }> };
  assert.deepEqual(
    result.pages.map((page) => page.url),
    ['https://docs.example/', 'https://docs.example/a', 'https://docs.example/a/deep'],
  );
  assert.equal(result.pages[0]!.markdown, '# Home');
  assert.deepEqual(result.errors, [{ url: 'https://docs.example/b', code: 'SSRF_BLOCKED', message: 'refused' }]);
  assert.ok(!web.requests.some((request) => request.url.includes('other.example') || request.url.includes('deeper')));
  const limited = await runFlow(engineWith(web), testRequest([step('crawl', { url: 'https://docs.example/', limit: 1 })]), signal());
  assert.deepEqual(
    [(limited.output.out as { count: number }).count, (limited.output.out as { stoppedBy: string }).stoppedBy],
    [1, 'limit'],
  );
});

test('crawl fails when its first page cannot be read', async () => {
  const outcome = await runFlow(
    engineWith(fakeWeb(() => new FlowrunError('SSRF_BLOCKED', 'refused to connect'))),
    testRequest([step('crawl', { url: 'http://10.0.0.1/' })]),
    signal(),
  );
  assert.equal(outcome.error?.code, 'SSRF_BLOCKED');
});

test('search with returnCitations streams each result as a source and lists the citations', async () => {
  const deps = engineWith(fakeWeb(() => ({})));
  const outcome = await runFlow(
    deps,
    testRequest([step('search', { query: 'otters in {{place}}', maxResults: 2, returnCitations: true })], { inputs: { place: 'Oslo' } }),
    signal(),
  );
  assert.equal(outcome.status, 'completed', JSON.stringify(outcome.error));
  const result = outcome.output.out as { query: string; results: unknown[]; citations: Array<{ url: string }> };
  assert.equal(result.query, 'otters in Oslo');
  assert.deepEqual(
    result.citations.map((citation) => citation.url),
    ['https://example.com/1', 'https://example.com/2'],
  );
  const sources = deps.events.events.filter((event) => event.type === 'source');
  assert.deepEqual(
    sources.map((event) => [event.url, event.toolName, event.stepId]),
    [
      ['https://example.com/1', 'search', 'w'],
      ['https://example.com/2', 'search', 'w'],
    ],
  );
});

test('fetch-github takes owner/name or a github.com URL, and refuses anything else with the field path', () => {
  assert.deepEqual(parseRepository('https://github.com/acme/widgets.git', 'f'), { owner: 'acme', repo: 'widgets' });
  assert.deepEqual(parseRepository('acme/widgets', 'f'), { owner: 'acme', repo: 'widgets' });
  for (const bad of ['acme', '../x', 'acme/..', 'a b/c'])
    assert.throws(
      () => parseRepository(bad, 'flow.steps[0].config.repository'),
      (error: unknown) => FlowrunError.isInstance(error) && error.code === 'GITHUB_INVALID_REPOSITORY',
    );
});

test("a Link header's rel=next is found among others, resolved against the page", () => {
  assert.equal(
    nextLinkOf('<https://a.example/p?page=1>; rel="prev", </p?page=3>; rel="next last"', 'https://a.example/p?page=2')?.toString(),
    'https://a.example/p?page=3',
  );
  assert.equal(nextLinkOf('<javascript:alert(1)>; rel=next', 'https://a.example/'), null);
  assert.equal(nextLinkOf(undefined, 'https://a.example/'), null);
});
