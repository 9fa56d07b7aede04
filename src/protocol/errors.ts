/**
 * The one catalogue of error codes. Each code carries its HTTP status (chosen at
 * the edge only) and whether retrying the same request can help.
 */
export const errorCatalogue = {
  INVALID_JSON: { status: 400, retryable: false },
  INVALID_UTF8: { status: 400, retryable: false },
  INVALID_REQUEST: { status: 400, retryable: false },
  UNAUTHORIZED: { status: 401, retryable: false },
  INSUFFICIENT_CREDITS: { status: 402, retryable: false },
  COST_LIMIT_EXCEEDED: { status: 402, retryable: false },
  FORBIDDEN: { status: 403, retryable: false },
  NOT_FOUND: { status: 404, retryable: false },
  CONFLICT: { status: 409, retryable: false },
  LEASE_LOST: { status: 409, retryable: false },
  QUOTA_EXCEEDED: { status: 409, retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retryable: false },
  VALIDATION_ERROR: { status: 422, retryable: false },
  NESTING_TOO_DEEP: { status: 422, retryable: false },
  MISSING_REQUIRED_FIELD: { status: 422, retryable: false },
  INVALID_TYPE: { status: 422, retryable: false },
  INVALID_ENUM: { status: 422, retryable: false },
  INVALID_VALUE: { status: 422, retryable: false },
  UNKNOWN_STEP_TYPE: { status: 422, retryable: false },
  UNKNOWN_MODEL: { status: 422, retryable: false },
  MISSING_PROVIDER_KEY: { status: 422, retryable: false },
  CYCLIC_STEP_REFERENCE: { status: 422, retryable: false },
  INVALID_EXPRESSION: { status: 422, retryable: false },
  /** Code in a language Flowrun does not run (Python, TypeScript): refused at validation, never run as JavaScript. */
  UNSUPPORTED_LANGUAGE: { status: 422, retryable: false },
  RATE_LIMITED: { status: 429, retryable: true },
  SHUTTING_DOWN: { status: 503, retryable: true },
  DEPENDENCY_UNAVAILABLE: { status: 503, retryable: true },
  STORAGE_FULL: { status: 507, retryable: true },
  PROVIDER_ERROR: { status: 502, retryable: true },
  PROVIDER_TIMEOUT: { status: 504, retryable: true },
  STEP_FAILED: { status: 500, retryable: false },
  /** An approval was denied, or not decided in time, and the step or tool was set to fail then: a decision, not a fault. */
  APPROVAL_DENIED: { status: 409, retryable: false },
  APPROVAL_TIMEOUT: { status: 409, retryable: false },
  /** A `wait-until` poll whose condition did not hold before its `timeoutMs` or `maxAttempts` ran out. */
  WAIT_TIMEOUT: { status: 504, retryable: false },
  TEMPLATE_ERROR: { status: 422, retryable: false },
  UNRESOLVED_VARIABLE: { status: 422, retryable: false },
  EXPRESSION_ERROR: { status: 422, retryable: false },
  CANCELLED: { status: 409, retryable: false },
  MODEL_OUTPUT_INVALID: { status: 502, retryable: true },
  TOOL_NOT_FOUND: { status: 422, retryable: false },
  /** A `{{secret:KEY}}` names no active managed secret of the tenant (unknown, pending or revoked). */
  SECRET_NOT_FOUND: { status: 422, retryable: false },
  /** FLOWRUN_SECRET_KEY is not set: managed secrets cannot be sealed. */
  SECRET_KEY_NOT_CONFIGURED: { status: 409, retryable: false },
  TOOL_FAILED: { status: 502, retryable: false },
  NOT_PAUSED: { status: 409, retryable: false },
  INTERNAL_ERROR: { status: 500, retryable: true },
  INTERRUPTED: { status: 500, retryable: true },
  RECOVERY_FAILED: { status: 500, retryable: false },
  // Tool and step failures (reported in events and tool results; their status is used if one reaches HTTP).
  TOOL_CONFIG: { status: 422, retryable: false },
  TOOL_DEPTH: { status: 422, retryable: false },
  SANDBOX_ERROR: { status: 422, retryable: false },
  SANDBOX_TIMEOUT: { status: 504, retryable: false },
  SANDBOX_MEMORY: { status: 422, retryable: false },
  SANDBOX_RESULT: { status: 422, retryable: false },
  SSRF_BLOCKED: { status: 403, retryable: false },
  HTTP_ERROR: { status: 502, retryable: true },
  HTTP_TIMEOUT: { status: 504, retryable: true },
  HTTP_TOO_LARGE: { status: 502, retryable: false },
  HTTP_STATUS: { status: 502, retryable: false },
  HTTP_SERVER_ERROR: { status: 502, retryable: true },
  MCP_ERROR: { status: 502, retryable: true },
  MCP_TOOL_ERROR: { status: 502, retryable: false },
  AGENT_FAILED: { status: 502, retryable: false },
  FLOW_FAILED: { status: 502, retryable: false },
  /** A web step's search backend is not set (EXA_API_KEY, FLOWRUN_SEARXNG_URL), or not the one the step asks for. */
  /** A graphql tool's server answered `errors` and no `data`. */
  GRAPHQL_ERROR: { status: 502, retryable: false },
  SEARCH_NOT_CONFIGURED: { status: 409, retryable: false },
  /** A page of paginate-api is not JSON, or has no array where entityPath points; its next link leaves the origin with a secret. */
  PAGINATION_INVALID: { status: 502, retryable: false },
  /** A repository of fetch-github is not `owner/name` (or a github.com URL of one). */
  GITHUB_INVALID_REPOSITORY: { status: 422, retryable: false },
  // send-email and send-text: the operator set no server (or sender), an address is no address, the server said no.
  EMAIL_NOT_CONFIGURED: { status: 503, retryable: false },
  EMAIL_FROM_NOT_ALLOWED: { status: 403, retryable: false },
  EMAIL_REJECTED: { status: 502, retryable: false },
  EMAIL_SEND_FAILED: { status: 502, retryable: true },
  TEXT_NOT_CONFIGURED: { status: 503, retryable: false },
  TEXT_REJECTED: { status: 502, retryable: false },
  TEXT_SEND_FAILED: { status: 502, retryable: true },
  INVALID_ADDRESS: { status: 422, retryable: false },
  /** An asset (stored, downloaded or rendered) is larger than FLOWRUN_ASSET_MAX_BYTES. */
  ASSET_TOO_LARGE: { status: 413, retryable: false },
  /** An asset's content cannot be stored as given (not base64, empty, a variable that is not set). */
  ASSET_INVALID: { status: 422, retryable: false },
  /** The asset store (folder, bucket) failed or is not set up for this process. */
  ASSET_STORAGE_ERROR: { status: 503, retryable: true },
  /** A PDF would pass a bound: input characters, pages, images or image bytes. */
  PDF_LIMIT_EXCEEDED: { status: 422, retryable: false },
  /** A PDF's image cannot be used (not PNG or JPEG, not fetched) or the document cannot be laid out. */
  PDF_RENDER_ERROR: { status: 422, retryable: false },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof errorCatalogue;

export interface ErrorDetail {
  message: string;
  code: ErrorCode;
  /** Dotted path of the offending field in the request, e.g. `flow.steps[0].config.model`. */
  path?: string;
  suggestion?: string;
}

/** The single error class of Flowrun: a code from the catalogue, a message a user can act on, details by field. */
export class FlowrunError extends Error {
  override readonly name = 'FlowrunError';
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  /** When the same request may succeed (a rate limit's window): sent as Retry-After. */
  readonly retryAfterSeconds: number | undefined;

  /** `cause`: what went wrong underneath (a provider's APICallError, a socket error), kept for debug logs. */
  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = [], options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  get status(): number {
    return errorCatalogue[this.code].status;
  }

  get retryable(): boolean {
    return errorCatalogue[this.code].retryable;
  }

  static isInstance(value: unknown): value is FlowrunError {
    return value instanceof FlowrunError;
  }
}

/** Whether trying the same thing again can help: what step retries read. */
export function isRetryableError(error: unknown): boolean {
  return FlowrunError.isInstance(error) && error.retryable;
}

export function validationError(message: string, details: ErrorDetail[]): FlowrunError {
  return new FlowrunError('VALIDATION_ERROR', message, details);
}
