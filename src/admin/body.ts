/**
 * JSON body middleware. Not @middy/http-json-body-parser, because that one answers malformed JSON
 * with 415 (it is a 400), refuses empty bodies (revoke and rotate take none), chokes on a UTF-8 BOM,
 * and has no size limit. Runs for methods with a body only; GET bodies are ignored.
 */
import type { MiddlewareObj } from '@middy/core';
import { HttpError } from './errors';
import type { AdminEvent } from './http';

export const MAX_BODY_BYTES = 16 * 1024;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

function tooLarge(bytes: number): HttpError {
  return new HttpError(413, 'payload_too_large', `request body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES} bytes (16 KB)`);
}

/** The parsed body, or undefined when there is none (absent, empty, only whitespace or a BOM). */
export function parseJsonBody(event: AdminEvent): unknown {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') return undefined;
  // Bound the work before decoding: base64 grows 4/3.
  if (raw.length > (event.isBase64Encoded ? Math.ceil(MAX_BODY_BYTES / 3) * 4 + 4 : MAX_BODY_BYTES * 4)) {
    throw tooLarge(event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw));
  }
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw tooLarge(bytes.length);

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // also drops a leading BOM
  } catch {
    throw new HttpError(400, 'invalid_json', 'request body is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;

  const type = event.headers?.['content-type'];
  if (type === undefined || !JSON_TYPE.test(type)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `content-type must be application/json (UTF-8), not ${type === undefined ? 'missing' : JSON.stringify(type.slice(0, 60))}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // Only the position: V8's message quotes the input, which may hold a secret pasted by mistake.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    throw new HttpError(400, 'invalid_json', `request body is not valid JSON${position ? ` (at position ${position})` : ''}`);
  }
}

export function jsonBody(): MiddlewareObj<AdminEvent> {
  return {
    before: async (request) => {
      const event = request.event;
      const method = event.requestContext?.http?.method ?? (event as { httpMethod?: string }).httpMethod ?? '';
      event.json = BODY_METHODS.has(method.toUpperCase()) ? parseJsonBody(event) : undefined;
    },
  };
}
