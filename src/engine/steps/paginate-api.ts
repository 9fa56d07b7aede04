import { FlowrunError } from '../../protocol/errors.js';
import type { PaginateApiConfig } from '../../protocol/web-steps.js';
import type { StepOf } from '../../protocol/flow.js';
import type { WebResponse } from '../ports.js';
import type { StepContext, StepRunner } from '../run-context.js';
import { lookupPath } from '../template.js';
import { nextLinkOf } from './link-header.js';
import { deadlineOf, parseWebUrl, renderOutbound, utf8Length, type RenderedOutbound } from './web-outbound.js';

type StopReason = 'maxPages' | 'maxBytes' | 'timeoutMs';

interface Cursor {
  page: number;
  offset: number;
  cursor?: string;
  /** The next page's whole URL (paginationType link). */
  link?: URL;
}

/**
 * `paginate-api`: one endpoint page after page (offset, page number, cursor from the JSON, or the Link header's
 * `rel="next"`), each page's items (at `entityPath`) concatenated. It ends at an empty or short page, at no next
 * cursor or link, or at a bound (`maxPages`, `maxBytes`, `timeoutMs`: the result says `truncated` and which).
 * Every page goes through the SSRF guard; a next link to another origin is not followed with a secret.
 */
export const runPaginateApi: StepRunner<StepOf<'paginate-api'>> = async (step, context) => {
  const config = step.config;
  const unresolved: string[] = [];
  const request = renderOutbound({ url: config.url, headers: config.headers, body: config.body }, context, unresolved);
  context.checkVariables(unresolved);
  const start = parseWebUrl(request.url, `${step.path}.config.url`, step.name);
  const deadline = deadlineOf(context, config.timeoutMs);
  const items: unknown[] = [];
  const seen = new Set<string>();
  let position: Cursor | null = { page: config.startPage, offset: 0 };
  let pages = 0;
  let bytes = 0;
  let stoppedBy: StopReason | null = null;
  while (position) {
    const url = pageUrl(start, position, config);
    seen.add(url.toString());
    const stop: StopReason | null =
      pages >= config.maxPages ? 'maxPages' : deadline.remaining() <= 0 ? 'timeoutMs' : bytes >= config.maxBytes ? 'maxBytes' : null;
    if (stop) {
      stoppedBy = stop;
      break;
    }
    const response = await fetchPage(context, { url, request, config, pages, remainingBytes: config.maxBytes - bytes, deadline });
    if (typeof response === 'string') {
      stoppedBy = response;
      break;
    }
    pages++;
    bytes += utf8Length(response.body);
    const page = parsePage(response, config, pages, `${step.path}.config`);
    items.push(...page.items);
    position = nextPosition(position, page, response, config, { start, request, seen, field: `${step.path}.config` });
  }
  return {
    result: { items, pages, count: items.length, truncated: stoppedBy !== null, ...(stoppedBy ? { stoppedBy } : {}) },
    unresolved,
  };
};

async function fetchPage(
  context: StepContext,
  page: {
    url: URL;
    request: RenderedOutbound;
    config: PaginateApiConfig;
    pages: number;
    remainingBytes: number;
    deadline: { remaining(): number };
  },
): Promise<WebResponse | Exclude<StopReason, 'maxPages'>> {
  const web = context.deps.tools.web;
  if (!web)
    throw new FlowrunError('DEPENDENCY_UNAVAILABLE', 'paginate-api steps need outbound web access, which this server does not have');
  try {
    const response = await web.request({
      url: page.url.toString(),
      method: page.config.method.toUpperCase(),
      headers: { accept: 'application/json', ...page.request.headers },
      ...(page.request.body !== undefined ? { body: page.request.body } : {}),
      timeoutMs: page.deadline.remaining(),
      maxBytes: page.remainingBytes,
      secretHeaders: page.request.secretHeaders,
      bodyCarriesSecret: page.request.bodyCarriesSecret,
      signal: context.signal,
    });
    if (response.status >= 400) {
      const code = response.status >= 500 || response.status === 429 || response.status === 408 ? 'HTTP_SERVER_ERROR' : 'HTTP_STATUS';
      // The URL is not shown: it may carry a secret.
      throw new FlowrunError(code, `paginate-api: page ${page.pages + 1} (${page.url.host}) answered ${response.status}`);
    }
    return response;
  } catch (error) {
    // Past the first page, a bound reached is where the pagination stops, not a failure.
    if (page.pages > 0 && FlowrunError.isInstance(error) && error.code === 'HTTP_TOO_LARGE') return 'maxBytes';
    if (page.pages > 0 && FlowrunError.isInstance(error) && error.code === 'HTTP_TIMEOUT' && page.deadline.remaining() <= 0)
      return 'timeoutMs';
    throw error;
  }
}

function pageUrl(start: URL, position: Cursor, config: PaginateApiConfig): URL {
  if (position.link) return position.link;
  const url = new URL(start);
  if (config.pageSize !== undefined) url.searchParams.set(config.limitParam ?? 'limit', String(config.pageSize));
  if (config.paginationType === 'page') url.searchParams.set(config.pageParam ?? 'page', String(position.page));
  if (config.paginationType === 'offset') url.searchParams.set(config.pageParam ?? 'offset', String(position.offset));
  if (config.paginationType === 'cursor' && position.cursor !== undefined) url.searchParams.set(config.cursorParam, position.cursor);
  return url;
}

function parsePage(response: WebResponse, config: PaginateApiConfig, number: number, field: string): { json: unknown; items: unknown[] } {
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    throw new FlowrunError('PAGINATION_INVALID', `paginate-api: page ${number} is not JSON`);
  }
  const path = config.entityPath.replace(/^\$\.?/, '');
  const items = path === '' ? json : lookupPath(json, path);
  if (!Array.isArray(items)) {
    const message = `paginate-api: page ${number} has no array at entityPath '${config.entityPath}'`;
    throw new FlowrunError('PAGINATION_INVALID', message, [{ code: 'PAGINATION_INVALID', message, path: `${field}.entityPath` }]);
  }
  return { json, items };
}

function nextPosition(
  position: Cursor,
  page: { json: unknown; items: unknown[] },
  response: WebResponse,
  config: PaginateApiConfig,
  run: { start: URL; request: RenderedOutbound; seen: Set<string>; field: string },
): Cursor | null {
  if (page.items.length === 0) return null;
  const short = config.pageSize !== undefined && page.items.length < config.pageSize;
  switch (config.paginationType) {
    case 'page':
      return short ? null : { ...position, page: position.page + 1 };
    case 'offset':
      return short ? null : { ...position, offset: position.offset + page.items.length };
    case 'cursor': {
      const next = lookupPath(page.json, config.cursorPath!.replace(/^\$\.?/, ''));
      if (next === undefined || next === null || next === '' || next === false) return null;
      const cursor = String(next);
      return cursor === position.cursor ? null : { ...position, cursor };
    }
    case 'link': {
      const next = nextLinkOf(response.headers.link, response.url);
      if (!next || run.seen.has(next.toString())) return null;
      if (next.origin !== run.start.origin && run.request.carriesSecret) {
        const message = `paginate-api: the next page's link leads to another origin (${next.host}); it is not followed with the request's secret`;
        throw new FlowrunError('PAGINATION_INVALID', message);
      }
      return { ...position, link: next };
    }
  }
}
