import type { ToolSource } from '../engine/ports.js';
import { FlowrunError } from '../protocol/errors.js';
import type { AddressPolicy } from './address-policy.js';
import { guardedFetch } from './guarded-http.js';

/** Where web searches go: Exa's API and/or a self-hosted SearXNG, with the outbound bounds. */
export interface SearchSettings {
  exa?: { apiKey: string; baseURL: string };
  searxngUrl?: string;
  http: { timeoutMs: number; maxResponseBytes: number };
}

export type SearchProvider = 'exa' | 'searxng';

/**
 * The backend a search uses: the one asked for, or (`auto`) Exa when configured, else SearXNG. Throws
 * SEARCH_NOT_CONFIGURED naming the setting the wanted backend lacks.
 */
export function searchProviderOf(wanted: 'auto' | SearchProvider, settings: SearchSettings): SearchProvider {
  if (wanted === 'exa' || (wanted === 'auto' && settings.exa)) {
    if (settings.exa) return 'exa';
    throw new FlowrunError('SEARCH_NOT_CONFIGURED', 'search provider exa is not configured: set EXA_API_KEY');
  }
  if (settings.searxngUrl) return 'searxng';
  throw new FlowrunError(
    'SEARCH_NOT_CONFIGURED',
    wanted === 'searxng'
      ? 'search provider searxng is not configured: set FLOWRUN_SEARXNG_URL'
      : 'no web search is configured: set EXA_API_KEY or FLOWRUN_SEARXNG_URL',
  );
}

/** Searches the web (through the SSRF guard); results are cut to `count`, snippets to 1,000 characters. */
export async function searchWeb(
  request: { query: string; count: number; provider: 'auto' | SearchProvider; signal?: AbortSignal },
  settings: SearchSettings,
  policy: AddressPolicy,
): Promise<{ provider: SearchProvider; results: ToolSource[] }> {
  const provider = searchProviderOf(request.provider, settings);
  const getJson = async (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => {
    const response = await guardedFetch(
      {
        url,
        ...init,
        timeoutMs: settings.http.timeoutMs,
        maxBytes: settings.http.maxResponseBytes,
        maxRedirects: 3,
        // The search service's key never follows a redirect to another origin.
        secretHeaders: ['x-api-key'],
        signal: request.signal,
      },
      policy,
    );
    if (response.status >= 400) throw new Error(`the search service answered ${response.status}`);
    return JSON.parse(response.body) as Record<string, unknown>;
  };
  let results: ToolSource[];
  if (provider === 'exa') {
    const exa = settings.exa!;
    const body = await getJson(`${exa.baseURL.replace(/\/$/, '')}/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': exa.apiKey },
      body: JSON.stringify({ query: request.query, numResults: request.count, contents: { text: { maxCharacters: 1_000 } } }),
    });
    results = ((body.results as Array<Record<string, unknown>>) ?? []).map((result) => ({
      url: String(result.url),
      title: String(result.title ?? result.url),
      snippet: String(result.text ?? result.summary ?? '').slice(0, 1_000),
    }));
  } else {
    const url = new URL('search', settings.searxngUrl!.replace(/\/?$/, '/'));
    url.searchParams.set('q', request.query);
    url.searchParams.set('format', 'json');
    const body = await getJson(url.toString(), { method: 'GET', headers: { accept: 'application/json' } });
    results = ((body.results as Array<Record<string, unknown>>) ?? []).map((result) => ({
      url: String(result.url),
      title: String(result.title ?? result.url),
      snippet: String(result.content ?? '').slice(0, 1_000),
    }));
  }
  return { provider, results: results.slice(0, request.count) };
}
