/**
 * Payload 2.0 events as API Gateway HTTP API builds them: the REQUEST authorizer event and the
 * Lambda proxy event for the admin handler. Headers are lower-cased and repeated headers joined with
 * commas (built from rawHeaders: Node itself would drop repeated `authorization` or `user-agent`
 * headers, API Gateway does not); cookies move to their own array.
 */
import type { IncomingMessage } from 'node:http';
import type { MatchedRoute } from './routes';

export interface ApiIdentity {
  region: string;
  accountId: string;
  apiId: string;
  stage: string;
}

/** The emulated API: its ARNs match the authorizer's `arn:aws:execute-api:{region}:{12 digits}:{apiId}` parser. */
export function localApi(region = 'local'): ApiIdentity {
  return { region, accountId: '000000000000', apiId: 'keygate', stage: '$default' };
}

export interface RequestInfo {
  requestId: string;
  method: string;
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  cookies: string[];
  sourceIp: string;
  protocol: string;
  domainName: string;
  userAgent: string;
  timeEpoch: number;
}

/**
 * Name → value pairs as the plain object JSON.parse would make of them, which is what a Lambda gets:
 * every name an own property, `constructor` or `__proto__` included. Built in a Map first, so no
 * name is ever looked up on Object.prototype.
 */
function toObject(map: Map<string, string>): Record<string, string> {
  return Object.fromEntries(map);
}

/** Appends `value` to `name`, comma-joined with any earlier value, as API Gateway joins repeats. */
function join(map: Map<string, string>, name: string, value: string): void {
  const earlier = map.get(name);
  map.set(name, earlier === undefined ? value : `${earlier},${value}`);
}

export function collectHeaders(rawHeaders: readonly string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers = new Map<string, string>();
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const value = rawHeaders[i + 1];
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    join(headers, name, value);
  }
  return { headers: toObject(headers), cookies };
}

/** A header's value; only the request's own headers count, never an Object.prototype member. */
export function headerValue(headers: Record<string, string>, name: string): string | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

export function describeRequest(req: IncomingMessage, requestId: string, timeEpoch = Date.now()): RequestInfo {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const { headers, cookies } = collectHeaders(req.rawHeaders);
  return {
    requestId,
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath: q === -1 ? url : url.slice(0, q),
    rawQueryString: q === -1 ? '' : url.slice(q + 1),
    headers,
    cookies,
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    protocol: `HTTP/${req.httpVersion}`,
    domainName: headerValue(headers, 'host') ?? 'localhost',
    userAgent: headerValue(headers, 'user-agent') ?? '',
    timeEpoch,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `03/Dec/2026:16:00:00 +0000`: the format of `requestContext.time` and `$context.requestTime`. */
export function requestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
  );
}

/** Decoded query parameters, repeated names joined with commas; undefined when there is no query. */
export function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const out = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) join(out, name, value);
  return toObject(out);
}

/**
 * The execute-api ARN of this request: the request's own method and path (path parameters carry
 * their values, not `{name}`), as API Gateway puts it in `routeArn`.
 */
export function routeArn(api: ApiIdentity, method: string, rawPath: string): string {
  return `arn:aws:execute-api:${api.region}:${api.accountId}:${api.apiId}/${api.stage}/${method}${rawPath}`;
}

function requestContext(api: ApiIdentity, route: MatchedRoute, req: RequestInfo) {
  return {
    accountId: api.accountId,
    apiId: api.apiId,
    domainName: req.domainName,
    domainPrefix: req.domainName.split('.')[0],
    http: {
      method: req.method,
      path: req.rawPath,
      protocol: req.protocol,
      sourceIp: req.sourceIp,
      userAgent: req.userAgent,
    },
    requestId: req.requestId,
    routeKey: route.routeKey,
    stage: api.stage,
    time: requestTime(req.timeEpoch),
    timeEpoch: req.timeEpoch,
  };
}

function common(route: MatchedRoute, req: RequestInfo) {
  const query = queryParameters(req.rawQueryString);
  return {
    routeKey: route.routeKey,
    rawPath: req.rawPath,
    rawQueryString: req.rawQueryString,
    ...(req.cookies.length ? { cookies: req.cookies } : {}),
    headers: req.headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(Object.keys(route.pathParameters).length ? { pathParameters: route.pathParameters } : {}),
  };
}

/** The REQUEST authorizer event (payload 2.0). */
export function authorizerEvent(api: ApiIdentity, route: MatchedRoute, req: RequestInfo, identitySource: string[]) {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: routeArn(api, req.method, req.rawPath),
    identitySource,
    ...common(route, req),
    requestContext: requestContext(api, route, req),
  };
}

/** Bodies API Gateway passes as text; anything else arrives base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/([\w.+-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/javascript'
  );
}

/** The Lambda proxy integration event (payload 2.0) of a route protected by AWS_IAM. */
export function lambdaProxyEvent(
  api: ApiIdentity,
  route: MatchedRoute,
  req: RequestInfo,
  body: Buffer,
  userArn: string,
) {
  const text = isTextContentType(headerValue(req.headers, 'content-type'));
  return {
    version: '2.0',
    ...common(route, req),
    requestContext: {
      ...requestContext(api, route, req),
      authorizer: {
        iam: {
          accessKey: 'LOCAL',
          accountId: api.accountId,
          callerId: userArn,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn,
          userId: userArn,
        },
      },
    },
    ...(body.length ? { body: text ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !text,
  };
}

/** A Lambda context good enough for handlers that read the request id or the remaining time. */
export function lambdaContext(functionName: string, requestId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
