import { errorOf, FlowrunApiError } from './errors.js';

export interface HttpOptions {
  baseUrl: string;
  apiKey: string;
  fetch: typeof fetch;
  /** Tries after the first for a retryable answer (429, 502, 503, 504, or no answer for a request safe to repeat). */
  maxRetries: number;
  /** The first wait; doubled each try, with jitter, capped by maxDelayMs. A Retry-After header wins. */
  retryDelayMs: number;
  maxDelayMs: number;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /**
   * Whether the request may be sent again after the connection failed without an answer (GET, or a POST with an
   * Idempotency-Key): the server may have acted on it already. Answers that say "not done" (429, 503) are retried
   * whatever this says.
   */
  repeatable?: boolean;
}

/** Sends one request and answers with the response once it is a success; retries what the rules above allow. */
export async function send(http: HttpOptions, path: string, options: RequestOptions = {}): Promise<Response> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  const repeatable = options.repeatable ?? (method === 'GET' || options.headers?.['idempotency-key'] !== undefined);
  for (let attempt = 0; ; attempt++) {
    let error: FlowrunApiError;
    try {
      const response = await http.fetch(urlOf(http.baseUrl, path, options.query), {
        method,
        headers: {
          authorization: `Bearer ${http.apiKey}`,
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (response.ok) return response;
      error = await errorOf(response);
    } catch (caught) {
      if (options.signal?.aborted) throw caught;
      error = new FlowrunApiError(`no answer from ${http.baseUrl}: ${(caught as Error).message}`, 'NETWORK_ERROR', 0, [], {
        cause: caught,
      });
    }
    const mayRepeat =
      error.status === 0 ? repeatable : error.retryable && (error.status !== 502 && error.status !== 504 ? true : repeatable);
    if (!mayRepeat || attempt >= http.maxRetries) throw error;
    await sleep(delayMs(http, attempt, error.retryAfterSeconds), options.signal);
  }
}

export async function sendJson<T>(http: HttpOptions, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(http, path, options);
  const text = await response.text();
  // 204 No Content (a delete) has no body.
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export function urlOf(baseUrl: string, path: string, query: RequestOptions['query'] = {}): string {
  const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  return url.toString();
}

export function delayMs(http: Pick<HttpOptions, 'retryDelayMs' | 'maxDelayMs'>, attempt: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined) return Math.min(retryAfterSeconds * 1000, Math.max(http.maxDelayMs, 1000));
  const exponential = http.retryDelayMs * 2 ** attempt;
  return Math.min(http.maxDelayMs, exponential / 2 + Math.random() * (exponential / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
