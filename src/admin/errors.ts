/**
 * Every admin failure is answered as `{"error": {"code", "message"}}`. Client errors say what was
 * wrong (and which `field`); server errors say only that something failed, with the request id to
 * find the log line, never a stack or an internal message.
 */
import { ConflictError, InvalidCursorError, NotFoundError, StoreUnavailableError } from '../store/keyStore';
import { errorFields, type Logger } from '../lib/log';
import { json, type HttpResponse } from './http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (code: string, message: string, field?: string) => new HttpError(400, code, message, field);
export const invalidField = (field: string, message: string) => new HttpError(400, 'invalid_field', `${field}: ${message}`, field);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);

/** The error as an HTTP response; logs server-side failures (name and message only). */
export function errorResponse(error: unknown, requestId: string | undefined, log: Logger): HttpResponse {
  if (error instanceof HttpError) {
    log.info('request refused', { status: error.status, code: error.code });
    return json(
      error.status,
      { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } },
      error.headers,
    );
  }
  if (error instanceof NotFoundError) return errorResponse(notFound(error.message), requestId, log);
  if (error instanceof ConflictError) return errorResponse(new HttpError(409, error.code, error.message), requestId, log);
  if (error instanceof InvalidCursorError) {
    return errorResponse(badRequest('invalid_cursor', `cursor: ${error.message}`, 'cursor'), requestId, log);
  }
  if (error instanceof StoreUnavailableError) {
    log.error('key store unavailable', { requestId, ...errorFields(error) });
    return json(503, {
      error: { code: 'store_unavailable', message: 'the key store is unavailable; nothing was changed, retry later', requestId },
    });
  }
  log.error('unexpected error', { requestId, ...errorFields(error) });
  return json(500, { error: { code: 'internal', message: 'internal error', requestId } });
}
