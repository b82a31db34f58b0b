/** The slice of an HTTP API (payload 2.0) event the admin API reads, after the middlewares ran. */
export interface AdminEvent {
  version?: string;
  rawPath?: string;
  headers?: Record<string, string | undefined>;
  body?: string | null;
  isBase64Encoded?: boolean;
  pathParameters?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  requestContext?: {
    requestId?: string;
    http?: { method?: string; path?: string };
    authorizer?: { iam?: { userArn?: string } };
  };
  /** The parsed JSON body (body middleware); undefined when the request had no body. */
  json?: unknown;
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A JSON response. `no-store`: admin answers carry key material (once) and key data; no proxy or
 * client cache should keep them.
 */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}
