import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorCatalogue, FlowrunError, type ErrorCode } from '../protocol/errors.js';
import { isTransientStoreError } from '../store/database.js';

/** Runtype's error body: `{error, code, details:[{message, code, path, suggestion}]}`. */
export function errorBody(error: FlowrunError): Record<string, unknown> {
  return {
    error: error.message,
    code: error.code,
    details: error.details.length > 0 ? error.details : [{ message: error.message, code: error.code }],
  };
}

const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_BAD_URL: 'INVALID_REQUEST',
  FST_ERR_ASYNC_CONSTRAINT: 'INVALID_REQUEST',
};

/** Turns any thrown value into a FlowrunError; only unexpected failures become INTERNAL_ERROR. */
export function toFlowrunError(error: unknown, bodyLimitBytes: number): FlowrunError {
  if (FlowrunError.isInstance(error)) return error;
  const unavailable = storeUnavailable(error);
  if (unavailable) return unavailable;
  const fastifyError = error as FastifyError;
  const code = fastifyError?.code ? fastifyCodes[fastifyError.code] : undefined;
  if (code === 'PAYLOAD_TOO_LARGE') return new FlowrunError(code, `The request body is larger than the limit of ${bodyLimitBytes} bytes`);
  if (code === 'UNSUPPORTED_MEDIA_TYPE') return new FlowrunError(code, 'Send the body as application/json');
  if (code) return new FlowrunError(code, fastifyError.message);
  if (fastifyError?.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const byStatus =
      (Object.keys(errorCatalogue) as ErrorCode[]).find((key) => errorCatalogue[key].status === fastifyError.statusCode) ??
      'INVALID_REQUEST';
    return new FlowrunError(byStatus, fastifyError.message);
  }
  return new FlowrunError('INTERNAL_ERROR', 'Internal error');
}

/**
 * The store's outage as the client should see it: the disk full (507: reads still work, writes wait for
 * space), or the database away or restarting (503), each with Retry-After. Never a 500: nothing is wrong with
 * the request, and trying again soon may work.
 */
function storeUnavailable(error: unknown): FlowrunError | undefined {
  if (!isTransientStoreError(error)) return undefined;
  const code = String((error as { code?: unknown }).code ?? '');
  if (code.startsWith('SQLITE_FULL'))
    return new FlowrunError(
      'STORAGE_FULL',
      'The database disk is full: nothing can be written until space is freed; reads still work',
      [],
      {
        cause: error,
        retryAfterSeconds: 30,
      },
    );
  return new FlowrunError(
    'DEPENDENCY_UNAVAILABLE',
    'The database is not answering (busy, restarting or unreachable); try again shortly',
    [],
    {
      cause: error,
      retryAfterSeconds: 2,
    },
  );
}

export function createErrorHandler(bodyLimitBytes: number) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const flowrunError = toFlowrunError(error, bodyLimitBytes);
    if (flowrunError.code === 'INTERNAL_ERROR') request.log.error({ err: error }, 'unexpected error');
    else if (flowrunError.cause !== undefined) request.log.debug({ err: flowrunError.cause, code: flowrunError.code }, 'request failed');
    if (flowrunError.retryAfterSeconds !== undefined) void reply.header('retry-after', String(flowrunError.retryAfterSeconds));
    void reply.status(flowrunError.status).send(errorBody(flowrunError));
  };
}
