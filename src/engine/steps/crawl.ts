import { FlowrunError } from '../../protocol/errors.js';
import type { StepOf } from '../../protocol/flow.js';
import type { CrawlConfig } from '../../protocol/web-steps.js';
import type { WebAccess } from '../ports.js';
import type { StepRunner } from '../run-context.js';
import { renderTemplate } from '../template.js';
import { deadlineOf, parseWebUrl, utf8Length, webOf } from './web-outbound.js';

/** The most links waiting to be read at once: a page of ten thousand links does not grow the queue past it. */
const maxQueuedLinks = 5_000;

type CrawledPage = { url: string; title: string } & ({ markdown: string } | { text: string });

/**
 * `crawl`: pages of a site from `url`, breadth first, links followed `depth` deep, each read as markdown or text
 * (Readability, then turndown). Same site by default (the first page's host, with or without `www.`). Bounded by
 * `limit` pages, `maxBytesPerPage`, `maxTotalBytes` and `timeoutMs`; every fetch, redirects included, goes through
 * the SSRF guard. The first page failing fails the step; a later one is listed in `errors` and skipped.
 */
export const runCrawl: StepRunner<StepOf<'crawl'>> = async (step, context) => {
  const config = step.config;
  const rendered = renderTemplate(config.url, context.scope());
  context.checkVariables(rendered.unresolved);
  const start = parseWebUrl(rendered.text, `${step.path}.config.url`, step.name);
  start.hash = '';
  const web = webOf(context, 'crawl');
  const deadline = deadlineOf(context, config.timeoutMs);
  const queue: Array<{ url: string; depth: number }> = [{ url: start.toString(), depth: 0 }];
  const visited = new Set([start.toString()]);
  const pages: CrawledPage[] = [];
  const errors: Array<{ url: string; code: string; message: string }> = [];
  let bytes = 0;
  let stoppedBy: 'limit' | 'maxTotalBytes' | 'timeoutMs' | null = null;
  for (let first = true; queue.length > 0; first = false) {
    const stop =
      pages.length >= config.limit
        ? 'limit'
        : deadline.remaining() <= 0
          ? 'timeoutMs'
          : bytes >= config.maxTotalBytes
            ? 'maxTotalBytes'
            : null;
    if (stop) {
      stoppedBy = stop;
      break;
    }
    const next = queue.shift()!;
    const budget = { remainingMs: deadline.remaining(), remainingBytes: config.maxTotalBytes - bytes };
    const read = await readOne(web, next.url, config, budget, context.signal, start).catch((error: unknown) => {
      if (first || !FlowrunError.isInstance(error) || error.code === 'CANCELLED') throw error;
      errors.push({ url: next.url, code: error.code, message: error.message });
      return null;
    });
    if (!read) continue;
    bytes += read.bytes;
    pages.push(read.page);
    if (next.depth >= config.depth) continue;
    for (const link of read.links) {
      if (visited.has(link) || visited.size >= maxQueuedLinks) continue;
      if (!config.allowExternalLinks && !isSameSite(new URL(link), start)) continue;
      visited.add(link);
      queue.push({ url: link, depth: next.depth + 1 });
    }
  }
  return {
    result: { pages, count: pages.length, truncated: stoppedBy !== null, ...(stoppedBy ? { stoppedBy } : {}), errors },
    unresolved: rendered.unresolved,
  };
};

async function readOne(
  web: WebAccess,
  url: string,
  config: CrawlConfig,
  budget: { remainingMs: number; remainingBytes: number },
  signal: AbortSignal,
  start: URL,
): Promise<{ page: CrawledPage; links: string[]; bytes: number } | null> {
  const response = await web.request({
    url,
    method: 'GET',
    headers: { accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5', 'user-agent': 'flowrun-crawl' },
    timeoutMs: budget.remainingMs,
    maxBytes: Math.min(config.maxBytesPerPage, budget.remainingBytes),
    maxRedirects: 5,
    signal,
  });
  if (response.status >= 400) {
    const code = response.status >= 500 || response.status === 429 || response.status === 408 ? 'HTTP_SERVER_ERROR' : 'HTTP_STATUS';
    throw new FlowrunError(code, `crawl: ${new URL(url).host} answered ${response.status}`);
  }
  // A redirect may leave the site: the page it leads to is not read then.
  if (!config.allowExternalLinks && !isSameSite(new URL(response.url), start))
    throw new FlowrunError('HTTP_STATUS', `crawl: ${new URL(url).host} redirected to another site (${new URL(response.url).host})`);
  const type = String(response.headers['content-type'] ?? 'text/html').toLowerCase();
  const bytes = utf8Length(response.body);
  if (type.includes('html')) {
    const read = web.readPage(response.body, response.url);
    const content = config.format === 'text' ? { text: read.text } : { markdown: read.markdown };
    return { page: { url: response.url, title: read.title, ...content }, links: read.links, bytes };
  }
  if (type.startsWith('text/')) {
    const content = config.format === 'text' ? { text: response.body } : { markdown: response.body };
    return { page: { url: response.url, title: response.url, ...content }, links: [], bytes };
  }
  throw new FlowrunError('HTTP_STATUS', `crawl: ${new URL(url).host} answered ${type}, not a page`);
}

/** The same host, `www.` or not. */
function isSameSite(url: URL, start: URL): boolean {
  const host = (value: URL) => value.hostname.replace(/^www\./, '');
  return host(url) === host(start);
}
