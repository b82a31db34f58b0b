/**
 * The admin routes' integration: locally a bearer token stands in for AWS_IAM (SigV4); the body is
 * read (API Gateway's 10 MB limit), the real admin handler is invoked with a payload 2.0 Lambda
 * proxy event, and its answer is turned into an HTTP response the way HTTP APIs read payload 2.0
 * Lambda responses.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type TokenCheck = 'ok' | 'missing' | 'wrong';

/** `Authorization: Bearer <token>` against the stack's admin token, in constant time. */
export function checkAdminToken(authorization: string | undefined, token: string): TokenCheck {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!match) return 'missing';
  // Comparing digests keeps the comparison constant-time whatever the presented length.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1]), digest(token)) ? 'ok' : 'wrong';
}

/** The whole request body, or 'too_large' once it passes `max` bytes (the rest is discarded). */
export function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > max) {
        tooLarge = true;
        chunks.length = 0;
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * A payload 2.0 Lambda response as HTTP: `{statusCode, headers, cookies, body, isBase64Encoded}`;
 * anything without a statusCode is a 200 JSON body, as API Gateway infers it. Undefined when the
 * answer cannot be a response (API Gateway: 500).
 */
export function toHttpAnswer(result: unknown): HttpAnswer | undefined {
  const isObject = typeof result === 'object' && result !== null && !Array.isArray(result);
  if (!isObject || !('statusCode' in result)) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
  }
  const r = result as { statusCode: unknown; headers?: unknown; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown };
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers: Record<string, string | string[]> = Object.create(null);
  if (r.headers && typeof r.headers === 'object') {
    for (const [name, value] of Object.entries(r.headers as Record<string, unknown>)) {
      if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
    }
  }
  if (Array.isArray(r.cookies) && r.cookies.length) headers['set-cookie'] = r.cookies.map(String);
  const text = typeof r.body === 'string' ? r.body : r.body === undefined || r.body === null ? '' : JSON.stringify(r.body);
  const body = r.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text);
  return { statusCode: status, headers, body };
}
