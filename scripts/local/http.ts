/** Small HTTP helpers shared by the gateway pieces. */
import type { ServerResponse } from 'node:http';

/** API Gateway's own answers: `{"message": "..."}` with its request id header. */
export function sendMessage(res: ServerResponse, status: number, message: string, requestId: string): void {
  const body = JSON.stringify({ message });
  // setHeader (not writeHead's object) so the access log can read content-length back.
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('apigw-requestid', requestId);
  res.writeHead(status);
  res.end(body);
}

/** Headers that belong to one connection and are never forwarded by a proxy. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

/** rawHeaders → header map (lower-case names, repeated headers as arrays), minus `drop`. */
export function forwardableHeaders(
  rawHeaders: readonly string[],
  drop: (name: string) => boolean,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || drop(name)) continue;
    const existing = out[name];
    const value = rawHeaders[i + 1];
    out[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}
