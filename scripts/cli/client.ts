/**
 * How the keys CLI reaches the admin API: the local stack (URL and bearer token from
 * `$KEYGATE_HOME/stack.json`) or a deployed API (`--endpoint https://...`, SigV4-signed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { stackFile } from '../local/home';
import { createSigner, regionFromHost } from './sigv4';

export interface AdminRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

export interface AdminResponse {
  status: number;
  body: unknown;
}

export type Transport = (request: AdminRequest) => Promise<AdminResponse>;

/** A failure worth one line on stderr. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

function urlFor(base: string, request: AdminRequest): URL {
  const url = new URL(base.replace(/\/$/, '') + request.path);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(name, value);
  }
  return url;
}

async function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, where: string) {
  let response: Response;
  try {
    response = await fetch(url, { method, headers, body });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(`cannot reach ${where} at ${url.origin}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed };
}

function encode(request: AdminRequest): { headers: Record<string, string>; body?: string } {
  if (request.body === undefined) return { headers: { accept: 'application/json' } };
  return {
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(request.body),
  };
}

export function localTransport(home: string): Transport {
  const file = stackFile(home);
  if (!existsSync(file)) {
    throw new CliError(`no local stack: ${file} not found. Start one with \`npm start\`, or pass --endpoint https://<api>`);
  }
  let stack: { url: string; adminToken: string };
  try {
    stack = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`cannot read ${file} (${(error as Error).message}): restart the local stack with \`npm start\``);
  }
  return async (request) => {
    const { headers, body } = encode(request);
    headers.authorization = `Bearer ${stack.adminToken}`;
    return send(urlFor(stack.url, request), request.method, headers, body, 'the local stack (is `npm start` running?)');
  };
}

export function sigv4Transport(endpoint: string, region?: string): Transport {
  let base: URL;
  try {
    base = new URL(endpoint);
  } catch {
    throw new CliError(`--endpoint is not a URL: ${endpoint}`, 2);
  }
  const resolved = region ?? regionFromHost(base.hostname) ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!resolved) throw new CliError('cannot tell the region from the endpoint: pass --region or set AWS_REGION', 2);
  const sign = createSigner(resolved);
  return async (request) => {
    const url = urlFor(endpoint, request);
    const { headers, body } = encode(request);
    let signed;
    try {
      signed = await sign(request.method, url, headers, body);
    } catch (error) {
      throw new CliError(`cannot sign the request (AWS credentials?): ${(error as Error).message}`);
    }
    return send(url, request.method, signed.headers, body, 'the admin API');
  };
}

/** `HTTP 404 not_found: no such key` from the admin API's `{error:{code,message}}` or API Gateway's `{message}`. */
export function describeFailure(response: AdminResponse): string {
  const body = response.body as { error?: { code?: string; message?: string }; message?: string } | null;
  const detail =
    body && typeof body === 'object'
      ? body.error
        ? `${body.error.code ?? 'error'}: ${body.error.message ?? ''}`.trim()
        : (body.message ?? JSON.stringify(body))
      : String(body ?? '');
  return `HTTP ${response.status}${detail ? ` ${detail}` : ''}`;
}
