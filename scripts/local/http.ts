/** Small HTTP helpers shared by the gateway pieces. */
import type { ServerResponse } from 'node:http';
import { isIPv6 } from 'node:net';

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

/**
 * rawHeaders → header map (lower-case names, repeated headers as arrays), minus `drop`. The map has
 * no prototype: a header named `constructor` or `__proto__` is an ordinary name, forwarded as sent.
 */
export function forwardableHeaders(
  rawHeaders: readonly string[],
  drop: (name: string) => boolean,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP.has(name) || drop(name)) continue;
    const existing = out[name];
    const value = rawHeaders[i + 1];
    out[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** RFC 7239 `token`: such a value goes as it is, anything else as a quoted-string. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const quoted = (value: string) => (TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`);

/** hostname or IPv4, or [IPv6], then an optional port: what a Host header may be to be forwarded. */
const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?';
const HOST = new RegExp(`^(?:(?:${LABEL}\\.)*${LABEL}\\.?|\\[[0-9A-Fa-f:.]+\\])(?::([0-9]{1,5}))?$`);

function isHostAndPort(host: string): boolean {
  const match = host.length <= 300 ? HOST.exec(host) : null;
  return match !== null && (match[1] === undefined || Number(match[1]) <= 65535);
}

/**
 * The `Forwarded` header (RFC 7239) the gateway sends upstream: `for` the client's address, `host`
 * the Host it asked for, `proto`. Values that are not tokens are quoted (IPv6 in brackets), so the
 * client's Host is always one value, never more parameters or elements; a Host that is not
 * hostname[:port] is left out.
 */
export function forwardedHeader(sourceIp: string, host: string | undefined, proto = 'http'): string {
  const parts = [`for=${isIPv6(sourceIp) ? `"[${sourceIp}]"` : quoted(sourceIp)}`];
  if (host !== undefined && isHostAndPort(host)) parts.push(`host=${quoted(host)}`);
  parts.push(`proto=${quoted(proto)}`);
  return parts.join(';');
}
