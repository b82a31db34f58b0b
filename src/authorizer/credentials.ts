/**
 * Where a client's key comes from: the `x-api-key` header, or `Authorization: Token <key>` /
 * `Bearer <key>` so unmodified Deepgram SDKs work when the deployment uses the Authorization header
 * as identity source. Header names are matched case-insensitively (payload 1.0 keeps the client's
 * case; 2.0 lower-cases them).
 */
export const API_KEY_HEADER = 'x-api-key';

export type CredentialResult =
  | { ok: true; key: string }
  | { ok: false; reason: 'missing' | 'duplicate' | 'malformed_header' };

const AUTHORIZATION_SCHEME = /^(?:token|bearer) +(\S+)$/i;

function header(headers: Record<string, string | undefined> | null | undefined, name: string) {
  if (!headers) return undefined;
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const candidate of Object.keys(headers)) {
    if (candidate.toLowerCase() === name) return headers[candidate];
  }
  return undefined;
}

export function extractKey(headers: Record<string, string | undefined> | null | undefined): CredentialResult {
  const apiKey = header(headers, API_KEY_HEADER);
  if (apiKey !== undefined && apiKey !== '') {
    // Payload 2.0 joins repeated headers with commas: a repeated key header is ambiguous.
    if (apiKey.includes(',')) return { ok: false, reason: 'duplicate' };
    return { ok: true, key: apiKey };
  }
  const authorization = header(headers, 'authorization');
  if (authorization === undefined || authorization === '') return { ok: false, reason: 'missing' };
  if (authorization.includes(',')) return { ok: false, reason: 'duplicate' };
  const match = AUTHORIZATION_SCHEME.exec(authorization);
  return match ? { ok: true, key: match[1] } : { ok: false, reason: 'malformed_header' };
}
