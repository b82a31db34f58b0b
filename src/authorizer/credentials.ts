/**
 * Where a client's key comes from: exactly the header the deployment uses as API Gateway's identity
 * source. That is `x-api-key` by default, or `Authorization` (`Token <key>` / `Bearer <key>`) so
 * unmodified Deepgram SDKs work. Reading only that header matters: API Gateway caches the answer
 * under the identity-source value, so an answer must never depend on any other header (a valid
 * key in `x-api-key` must not get an Allow cached under an arbitrary `Authorization` value).
 * Header names are matched case-insensitively (payload 1.0 keeps the client's case; 2.0 lower-cases).
 */
export type IdentityHeader = 'x-api-key' | 'authorization';
export const IDENTITY_HEADERS: readonly IdentityHeader[] = ['x-api-key', 'authorization'];

export type CredentialResult =
  | { ok: true; key: string }
  | { ok: false; reason: 'missing' | 'duplicate' | 'malformed_header' };

const AUTHORIZATION_SCHEME = /^(?:token|bearer) +(\S+)$/i;

type Headers = Record<string, string | undefined> | null | undefined;

function header(headers: Headers, name: string): string | undefined {
  if (!headers) return undefined;
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const candidate of Object.keys(headers)) {
    if (candidate.toLowerCase() === name) return headers[candidate];
  }
  return undefined;
}

export function parseIdentityHeader(value: string | undefined): IdentityHeader {
  const name = (value || 'x-api-key').toLowerCase();
  if (!IDENTITY_HEADERS.includes(name as IdentityHeader)) {
    throw new Error(`IDENTITY_HEADER must be one of ${IDENTITY_HEADERS.join(', ')} (got "${value}")`);
  }
  return name as IdentityHeader;
}

export function extractKey(headers: Headers, identity: IdentityHeader = 'x-api-key'): CredentialResult {
  const value = header(headers, identity);
  if (value === undefined || value === '') return { ok: false, reason: 'missing' };
  // Payload 2.0 joins repeated headers with commas: a repeated key header is ambiguous.
  if (value.includes(',')) return { ok: false, reason: 'duplicate' };
  if (identity === 'x-api-key') return { ok: true, key: value };
  const match = AUTHORIZATION_SCHEME.exec(value);
  return match ? { ok: true, key: match[1] } : { ok: false, reason: 'malformed_header' };
}
