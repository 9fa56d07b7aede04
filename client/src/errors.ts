/** One field a request got wrong, as the server names it. */
export interface ErrorDetail {
  message: string;
  code?: string;
  path?: string;
  suggestion?: string;
}

const marker = Symbol.for('flowrun.client.FlowrunApiError');

/**
 * An answer of the server that is not a success: its stable `code` (UNAUTHORIZED, VALIDATION_ERROR,
 * RATE_LIMITED, …), HTTP `status`, `details` with the path of each wrong field, and whether sending the same
 * request again can help. `NETWORK_ERROR` (status 0) when no answer came at all.
 */
export class FlowrunApiError extends Error {
  override readonly name = 'FlowrunApiError';
  readonly [marker] = true;

  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly details: ErrorDetail[] = [],
    readonly options: { retryAfterSeconds?: number; requestId?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }

  /** What the server (or the network) says about trying again: 429, 502/503/504 and lost connections. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }

  get retryAfterSeconds(): number | undefined {
    return this.options.retryAfterSeconds;
  }

  /** The `X-Request-Id` of the answer: what to quote in a bug report (the server logs it too). */
  get requestId(): string | undefined {
    return this.options.requestId;
  }

  static isInstance(error: unknown): error is FlowrunApiError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

/** The error of a non-2xx answer, from Runtype's error body `{error, code, details}` (or whatever came). */
export async function errorOf(response: Response): Promise<FlowrunApiError> {
  const text = await response.text().catch(() => '');
  let body: { error?: unknown; message?: unknown; code?: unknown; details?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  const requestId = response.headers.get('x-request-id') ?? undefined;
  return new FlowrunApiError(
    typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : `HTTP ${response.status}`,
    typeof body.code === 'string' ? body.code : `HTTP_${response.status}`,
    response.status,
    Array.isArray(body.details) ? (body.details as ErrorDetail[]) : [],
    {
      ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}),
      ...(requestId ? { requestId } : {}),
    },
  );
}
