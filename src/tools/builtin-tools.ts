import type { ResolvedTool, ToolCallContext, ToolOutcome } from '../engine/ports.js';
import type { AddressPolicy } from './address-policy.js';
import { guardedFetch, OutboundRequestError } from './guarded-http.js';
import { htmlToText } from './html-text.js';
import { searchWeb } from './web-search.js';

/**
 * Runtype's built-in tools, by `tools.toolIds` entry: web search (`builtin:exa`, `builtin:exa_search`,
 * `builtin:web_search`) through Exa's API or a self-hosted SearXNG, image generation (`builtin:dalle`) through
 * the configured OpenAI-compatible provider, and reading a page as text (`builtin:fetch_url`). A built-in that
 * is not configured is not offered; the run says which setting it lacks.
 */
export interface BuiltinSettings {
  exa?: { apiKey: string; baseURL: string };
  searxngUrl?: string;
  /** Present when an image model can be called (an OpenAI-compatible provider is configured). */
  image?: { model: string; priceUsd: number; generate: ImageGenerator };
  http: { timeoutMs: number; maxResponseBytes: number };
}

export type ImageGenerator = (
  request: { prompt: string; size?: string },
  signal: AbortSignal,
) => Promise<{ images: Array<{ base64: string; mediaType: string }> }>;

type BuiltinKind = 'web_search' | 'generate_image' | 'fetch_page';

const kinds: Record<string, BuiltinKind> = {
  'builtin:exa': 'web_search',
  'builtin:exa_search': 'web_search',
  'builtin:web_search': 'web_search',
  'builtin:dalle': 'generate_image',
  'builtin:fetch_url': 'fetch_page',
};

const definitions: Record<BuiltinKind, { description: string; parametersSchema: Record<string, unknown> }> = {
  web_search: {
    description: 'Searches the web; returns the best matching pages with their URL, title and an excerpt.',
    parametersSchema: {
      type: 'object',
      properties: { query: { type: 'string' }, numResults: { type: 'integer', minimum: 1, maximum: 10 } },
      required: ['query'],
    },
  },
  generate_image: {
    description: 'Generates an image from a text description.',
    parametersSchema: {
      type: 'object',
      properties: { prompt: { type: 'string' }, size: { type: 'string', enum: ['1024x1024', '1792x1024', '1024x1792'] } },
      required: ['prompt'],
    },
  },
  fetch_page: {
    description: 'Fetches a web page and returns its text.',
    parametersSchema: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] },
  },
};

export type BuiltinDescription = { tool: ResolvedTool } | { warning: { code: string; message: string; setting?: string } };

/** The tool a `builtin:` id stands for, or why it is not offered (unknown, or a setting it needs is missing). */
export function describeBuiltin(id: string, settings: BuiltinSettings): BuiltinDescription {
  const kind = kinds[id];
  if (!kind) return { warning: { code: 'BUILTIN_UNKNOWN', message: `'${id}' is not a built-in tool Flowrun has; it was not offered` } };
  const missing =
    kind === 'web_search' && !settings.exa && !settings.searxngUrl
      ? 'EXA_API_KEY or FLOWRUN_SEARXNG_URL'
      : kind === 'generate_image' && !settings.image
        ? 'OPENAI_API_KEY'
        : null;
  if (missing) {
    return {
      warning: { code: 'BUILTIN_NOT_CONFIGURED', message: `built-in tool '${id}' was not offered: set ${missing}`, setting: missing },
    };
  }
  return { tool: { id, name: kind, toolType: 'builtin', ...definitions[kind], config: { builtin: kind } } };
}

export async function runBuiltin(
  tool: ResolvedTool,
  args: Record<string, unknown>,
  context: ToolCallContext,
  settings: BuiltinSettings,
  policy: AddressPolicy,
): Promise<ToolOutcome> {
  try {
    switch (tool.config.builtin as BuiltinKind) {
      case 'web_search':
        return await webSearch(String(args.query ?? ''), Number(args.numResults ?? 5), context, settings, policy);
      case 'generate_image':
        return await generateImage(String(args.prompt ?? ''), args.size as string | undefined, context, settings);
      case 'fetch_page':
        return await fetchPage(String(args.url ?? ''), context, settings, policy);
      default:
        return { ok: false, error: { code: 'TOOL_CONFIG', message: `unknown built-in tool '${tool.id}'` } };
    }
  } catch (error) {
    if (error instanceof OutboundRequestError) return { ok: false, error: { code: error.code, message: error.message } };
    return { ok: false, error: { code: 'TOOL_FAILED', message: (error as Error).message } };
  }
}

/** A web search as a tool call (the built-in `web_search`, and `search` tools): 1–10 results, the call's sources. */
export async function webSearch(
  query: string,
  wanted: number,
  context: ToolCallContext,
  settings: BuiltinSettings,
  policy: AddressPolicy,
  provider: 'auto' | 'exa' | 'searxng' = 'auto',
): Promise<ToolOutcome> {
  if (!query.trim()) return { ok: false, error: { code: 'TOOL_FAILED', message: 'web_search needs a query' } };
  const count = Math.min(10, Math.max(1, Number.isFinite(wanted) ? Math.floor(wanted) : 5));
  const { results: sources } = await searchWeb({ query, count, provider, signal: context.signal }, settings, policy);
  return { ok: true, result: { query, results: sources }, costUsd: 0, sources };
}

async function generateImage(
  prompt: string,
  size: string | undefined,
  context: ToolCallContext,
  settings: BuiltinSettings,
): Promise<ToolOutcome> {
  if (!prompt.trim()) return { ok: false, error: { code: 'TOOL_FAILED', message: 'generate_image needs a prompt' } };
  const image = settings.image!;
  const { images } = await image.generate({ prompt, size }, context.signal);
  return {
    ok: true,
    // The model is told what was made, not sent the image's bytes; the client gets them as media.
    result: { generated: images.length, model: image.model, prompt },
    costUsd: image.priceUsd * images.length,
    media: images.map((generated) => ({ type: 'media' as const, data: generated.base64, mediaType: generated.mediaType })),
  };
}

async function fetchPage(url: string, context: ToolCallContext, settings: BuiltinSettings, policy: AddressPolicy): Promise<ToolOutcome> {
  const response = await guardedFetch(
    {
      url,
      method: 'GET',
      headers: { accept: 'text/html,text/plain;q=0.9,*/*;q=0.5' },
      timeoutMs: settings.http.timeoutMs,
      maxBytes: settings.http.maxResponseBytes,
      maxRedirects: 5,
      signal: context.signal,
    },
    policy,
  );
  if (response.status >= 400) return { ok: false, error: { code: 'HTTP_ERROR', message: `${url} answered ${response.status}` } };
  const type = String(response.headers['content-type'] ?? '');
  const text = type.includes('html') ? htmlToText(response.body) : response.body;
  return {
    ok: true,
    result: { url: response.url, text: text.slice(0, 100_000) },
    costUsd: 0,
    sources: [{ url: response.url, title: response.url }],
  };
}
