import { z } from 'zod';

/**
 * The config schemas of the web steps (`search`, `paginate-api`, `crawl`, `fetch-github`), with Runtype's field
 * names (`flow-steps.md`, `api-notes.md` §1.5) and Flowrun's bounds. Every bound has a default and a hard maximum:
 * a request may lower a bound, never lift it past the maximum (the schema refuses it with the field's path).
 */
export const webStepLimits = {
  search: { maxResults: { default: 5, max: 20 } },
  paginate: {
    maxPages: { default: 10, max: 100 },
    maxBytes: { default: 10 * 1024 * 1024, max: 50 * 1024 * 1024 },
    timeoutMs: { default: 60_000, max: 300_000 },
  },
  crawl: {
    limit: { default: 10, max: 100 },
    depth: { default: 1, max: 5 },
    maxBytesPerPage: { default: 2 * 1024 * 1024, max: 10 * 1024 * 1024 },
    maxTotalBytes: { default: 20 * 1024 * 1024, max: 50 * 1024 * 1024 },
    timeoutMs: { default: 60_000, max: 300_000 },
  },
  github: {
    maxFiles: { default: 200, max: 1_000 },
    maxFileBytes: { default: 1024 * 1024, max: 5 * 1024 * 1024 },
    maxBytes: { default: 5 * 1024 * 1024, max: 20 * 1024 * 1024 },
    timeoutMs: { default: 60_000, max: 300_000 },
  },
} as const;

const outputVariable = z
  .string()
  .min(1)
  .max(200)
  .optional()
  .describe('Name of the variable the result is saved as, for later steps to use as {{name}}');

const bound = (limit: { default: number; max: number }, what: string) =>
  z.number().int().min(1).max(limit.max).default(limit.default).describe(`${what} (default ${limit.default}, at most ${limit.max})`);

const headers = z.record(z.string(), z.string().max(10_000)).default({}).describe('Request headers; {{secret:KEY}} inserts a secret');

/** `search`: a web search through the configured backend (Exa or SearXNG); `returnCitations` streams each result as a source. */
export const SearchConfig = z
  .object({
    query: z.string().min(1).max(10_000).describe('What to search for; {{variables}} are filled in'),
    provider: z
      .enum(['auto', 'exa', 'searxng'])
      .default('auto')
      .describe('Which search backend: exa, searxng, or auto (Exa when configured, else SearXNG)'),
    maxResults: z.number().int().min(1).max(webStepLimits.search.maxResults.max).optional().describe('How many results (1–20, default 5)'),
    numResults: z.number().int().min(1).max(webStepLimits.search.maxResults.max).optional().describe('Another name for maxResults (Exa’s)'),
    returnCitations: z
      .boolean()
      .default(false)
      .describe('Also stream every result as a source (citation) frame and list them as citations'),
    outputVariable,
  })
  .loose();
export type SearchConfig = z.infer<typeof SearchConfig>;

/** `paginate-api`: one API endpoint page after page (offset, page, cursor or Link header), its items concatenated. */
export const PaginateApiConfig = z
  .object({
    url: z.string().min(1).max(10_000).describe('The first page’s address; {{variables}} and {{secret:KEY}} are filled in'),
    method: z.enum(['GET', 'POST', 'get', 'post']).default('GET').describe('The HTTP method of every page request'),
    headers,
    body: z.unknown().optional().describe('The request body (JSON, or text with {{variables}}); with POST'),
    paginationType: z
      .enum(['offset', 'page', 'cursor', 'link'])
      .default('page')
      .describe('How the next page is asked for: offset, page, cursor, or link (the Link header’s rel="next")'),
    entityPath: z
      .string()
      .max(500)
      .default('')
      .describe('Where a page’s items are in its JSON (a path such as data.items); empty when the page is the array'),
    pageParam: z.string().min(1).max(100).optional().describe('The query parameter of the page number or offset (page / offset)'),
    startPage: z.number().int().min(0).default(1).describe('The first page number (paginationType page)'),
    limitParam: z.string().min(1).max(100).optional().describe('The query parameter of the page size, sent when pageSize is set'),
    pageSize: z.number().int().min(1).max(10_000).optional().describe('Items per page; a shorter page is the last one'),
    cursorPath: z.string().max(500).optional().describe('Where the next cursor is in a page’s JSON (paginationType cursor)'),
    cursorParam: z.string().min(1).max(100).default('cursor').describe('The query parameter the cursor is sent in'),
    maxPages: bound(webStepLimits.paginate.maxPages, 'The most pages fetched'),
    maxBytes: bound(webStepLimits.paginate.maxBytes, 'The most bytes read over all pages'),
    timeoutMs: bound(webStepLimits.paginate.timeoutMs, 'The longest the whole pagination may take, in milliseconds'),
    outputVariable,
  })
  .loose()
  .refine((config) => config.paginationType !== 'cursor' || config.cursorPath !== undefined, {
    message: 'paginate-api with paginationType cursor needs cursorPath (where the next cursor is in a page)',
    path: ['cursorPath'],
  });
export type PaginateApiConfig = z.infer<typeof PaginateApiConfig>;

/** `crawl`: a site's pages from `url`, links followed `depth` deep, each as readable markdown or text. */
export const CrawlConfig = z
  .object({
    url: z.string().min(1).max(10_000).describe('The page the crawl starts at; {{variables}} are filled in'),
    limit: bound(webStepLimits.crawl.limit, 'The most pages read'),
    depth: z
      .number()
      .int()
      .min(0)
      .max(webStepLimits.crawl.depth.max)
      .default(webStepLimits.crawl.depth.default)
      .describe(`How many links deep to follow from the first page (0: that page only; default 1, at most 5)`),
    allowExternalLinks: z.boolean().default(false).describe('Follow links to other sites too (by default only the first page’s host)'),
    format: z.enum(['markdown', 'text']).default('markdown').describe('How each page’s content is given: markdown or text'),
    maxBytesPerPage: bound(webStepLimits.crawl.maxBytesPerPage, 'The most bytes read of one page'),
    maxTotalBytes: bound(webStepLimits.crawl.maxTotalBytes, 'The most bytes read over the crawl'),
    timeoutMs: bound(webStepLimits.crawl.timeoutMs, 'The longest the whole crawl may take, in milliseconds'),
    outputVariable,
  })
  .loose();
export type CrawlConfig = z.infer<typeof CrawlConfig>;

const globs = z.array(z.string().min(1).max(500)).max(100).default([]);

/** `fetch-github`: a repository (or a folder or file of it) packed as one text, through GitHub's REST API. */
export const FetchGithubConfig = z
  .object({
    repository: z.string().min(1).max(500).describe('owner/name or https://github.com/owner/name; {{variables}} are filled in'),
    branch: z.string().min(1).max(300).optional().describe('The branch, tag or commit (default: the repository’s default branch)'),
    path: z.string().max(1_000).default('').describe('A folder or file of the repository (default: all of it)'),
    includePatterns: globs.describe('Globs of the files to include (default: every file), e.g. **/*.ts'),
    excludePatterns: globs.describe('Globs of the files to leave out, e.g. **/node_modules/**'),
    compress: z.boolean().default(false).describe('Drop blank lines and trailing spaces from every file'),
    style: z.enum(['xml', 'markdown', 'plain']).default('xml').describe('How the files are packed: xml, markdown or plain'),
    token: z.string().max(10_000).optional().describe('A GitHub token, e.g. {{secret:GITHUB_TOKEN}} (public repositories need none)'),
    maxFiles: bound(webStepLimits.github.maxFiles, 'The most files packed'),
    maxFileBytes: bound(webStepLimits.github.maxFileBytes, 'The largest file packed, in bytes (larger ones are skipped)'),
    maxBytes: bound(webStepLimits.github.maxBytes, 'The most bytes packed over all files'),
    timeoutMs: bound(webStepLimits.github.timeoutMs, 'The longest the whole fetch may take, in milliseconds'),
    outputVariable,
  })
  .loose();
export type FetchGithubConfig = z.infer<typeof FetchGithubConfig>;
