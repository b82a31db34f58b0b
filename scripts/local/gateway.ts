/**
 * The local HTTP API: what API Gateway does for Keygate, in one request listener.
 *   no route             → 404
 *   body over 10 MB      → 413 (declared length here; streamed bytes in the proxy)
 *   /admin/keys...       → bearer token (stands in for AWS_IAM) → admin handler (Lambda proxy 2.0)
 *   Deepgram routes      → identity header missing → 401 without calling the authorizer
 *                        → authorizer answer (cached per identity value) → policy vs route ARN → 403
 *                        → proxy to the upstream, key header removed, key id and owner added
 * Every request ends with one access log line.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AccessLog, AccessLogEntry } from './accessLog';
import { checkAdminToken, readBody, toHttpAnswer } from './admin';
import { createAuthorizerClient, invokeWithTimeout, type LambdaHandler } from './authorizer';
import {
  authorizerEvent,
  describeRequest,
  headerValue,
  lambdaContext,
  lambdaProxyEvent,
  requestTime,
  routeArn,
  type ApiIdentity,
  type RequestInfo,
} from './event';
import { forwardedHeader, sendMessage } from './http';
import { isAllowed } from './policy';
import { MAX_BODY_BYTES, proxy, type ProxyResult } from './proxy';
import { matchRoute, type MatchedRoute } from './routes';

/** What requests are served by; the stack binds the port before these exist, so they may come later. */
export interface GatewayBackends {
  authorizer: LambdaHandler;
  admin: LambdaHandler;
  upstream: URL;
}

export interface GatewayOptions {
  api: ApiIdentity;
  /** Requests wait for these: the port is bound first (fail fast), DynamoDB comes up after. */
  backends: GatewayBackends | Promise<GatewayBackends>;
  adminToken: string;
  /** AUTHORIZER_CACHE_TTL in seconds (0 = off). */
  cacheTtlSeconds: number;
  /** Lower-case name of the identity-source header: `x-api-key`, or `authorization`. */
  identityHeader: string;
  integrationTimeoutMs: number;
  maxBodyBytes?: number;
  accessLog: AccessLog;
}

/** The headers the gateway sets for the upstream; whatever a client sends under these names is dropped. */
export const KEY_ID_HEADER = 'x-keygate-key-id';
export const OWNER_HEADER = 'x-keygate-owner';
const ADMIN_USER_ARN = 'local-admin';
const ADMIN_TIMEOUT_MS = 30_000;

/**
 * API Gateway request ids look like `JKJaXmPLvHcESHA=`. Drawn from a pool of random bytes: one
 * randomBytes call per request is a measurable share of the gateway's CPU under load.
 */
let idPool = Buffer.alloc(0);
let idOffset = 0;
function newRequestId(): string {
  if (idOffset + 11 > idPool.length) {
    idPool = randomBytes(11 * 4096);
    idOffset = 0;
  }
  idOffset += 11;
  return idPool.toString('base64', idOffset - 11, idOffset);
}

/** What the request handlers learn along the way; the access log line is built from it at the end. */
interface LogFields {
  routeKey?: string;
  /** Filled in by the proxy as the integration progresses. */
  proxy?: ProxyResult;
  responseLength?: number;
  integrationStatus?: string;
  integrationLatency?: string;
  integrationError?: string;
  keyId?: string;
  owner?: string;
  iamUser?: string;
  authorizerError?: string;
  error?: string;
  authorizerInvoked?: boolean;
}

export function createGateway(options: GatewayOptions): { server: Server } {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const authorizer = createAuthorizerClient({
    handler: async (event, context) => (await options.backends).authorizer(event, context),
    ttlSeconds: options.cacheTtlSeconds,
  });
  const { api } = options;

  async function serveAdmin(
    req: IncomingMessage,
    res: ServerResponse,
    route: MatchedRoute,
    info: RequestInfo,
    log: LogFields,
    backends: GatewayBackends,
  ) {
    const token = checkAdminToken(headerValue(info.headers, 'authorization'), options.adminToken);
    if (token !== 'ok') {
      log.error = token === 'missing' ? 'Unauthorized' : 'Forbidden';
      return sendMessage(res, token === 'missing' ? 401 : 403, log.error, info.requestId);
    }
    log.iamUser = ADMIN_USER_ARN;
    const body = await readBody(req, maxBodyBytes);
    if (body === 'too_large') return sendMessage(res, 413, 'Request Entity Too Large', info.requestId);

    const started = performance.now();
    const event = lambdaProxyEvent(api, route, info, body, ADMIN_USER_ARN);
    let answer;
    try {
      const result = await invokeWithTimeout(
        backends.admin,
        event,
        lambdaContext('keygate-admin', info.requestId, ADMIN_TIMEOUT_MS),
        ADMIN_TIMEOUT_MS,
      );
      answer = toHttpAnswer(result);
      if (!answer) log.integrationError = 'malformed Lambda response';
    } catch (error) {
      log.integrationError = (error as Error)?.message ?? String(error);
    }
    log.integrationLatency = String(Math.round(performance.now() - started));
    if (!answer) return sendMessage(res, 500, 'Internal Server Error', info.requestId);
    log.integrationStatus = String(answer.statusCode);
    log.responseLength = answer.body.length;
    res.writeHead(answer.statusCode, {
      ...answer.headers,
      'content-length': answer.body.length,
      'apigw-requestid': info.requestId,
    });
    res.end(answer.body);
  }

  async function serveDeepgram(
    req: IncomingMessage,
    res: ServerResponse,
    route: MatchedRoute,
    info: RequestInfo,
    log: LogFields,
    backends: GatewayBackends,
  ) {
    const identity = headerValue(info.headers, options.identityHeader);
    if (identity === undefined || identity === '') {
      log.error = 'Unauthorized';
      return sendMessage(res, 401, 'Unauthorized', info.requestId);
    }

    const outcome = await authorizer.authorize(
      [identity],
      () => authorizerEvent(api, route, info, [identity]),
      lambdaContext('keygate-authorizer', info.requestId, 10_000),
    );
    log.authorizerInvoked = outcome.invoked;
    if (!outcome.ok) {
      log.authorizerError = outcome.error;
      log.error = 'Internal Server Error';
      return sendMessage(res, 500, 'Internal Server Error', info.requestId);
    }
    const { context } = outcome.answer;
    log.keyId = String(context.keyId ?? '');
    log.owner = String(context.owner ?? '');
    if (!isAllowed(outcome.answer, routeArn(api, info.method, info.rawPath))) {
      log.error = 'Forbidden';
      return sendMessage(res, 403, 'Forbidden', info.requestId);
    }

    const set: Record<string, string> = { forwarded: forwardedHeader(info.sourceIp, headerValue(info.headers, 'host')) };
    if (log.keyId) set[KEY_ID_HEADER] = log.keyId;
    if (log.owner) set[OWNER_HEADER] = log.owner;
    log.proxy = { responseLength: 0 };
    await proxy(
      req,
      res,
      { upstream: backends.upstream, timeoutMs: options.integrationTimeoutMs, maxBodyBytes },
      {
        requestId: info.requestId,
        rawPath: info.rawPath,
        rawQueryString: info.rawQueryString,
        remove: ['x-api-key', KEY_ID_HEADER, OWNER_HEADER],
        set,
      },
      log.proxy,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const backends = await options.backends;
    const started = performance.now();
    const info = describeRequest(req, newRequestId());
    const log: LogFields = {};
    res.on('close', () => {
      const dash = (value: string | number | undefined) => (value === undefined || value === '' ? '-' : String(value));
      if (log.proxy) {
        log.integrationStatus = log.proxy.integrationStatus?.toString();
        log.integrationLatency = log.proxy.integrationLatencyMs?.toString();
        log.integrationError = log.proxy.integrationError;
        log.responseLength = log.proxy.responseLength;
      }
      const entry: AccessLogEntry = {
        requestId: info.requestId,
        ip: info.sourceIp,
        userAgent: dash(info.userAgent),
        requestTime: requestTime(info.timeEpoch),
        httpMethod: info.method,
        path: info.rawPath,
        routeKey: dash(log.routeKey),
        status: String(res.statusCode),
        protocol: info.protocol,
        responseLength: String(log.responseLength ?? Number(res.getHeader('content-length') ?? 0)),
        responseLatency: String(Math.round(performance.now() - started)),
        integrationStatus: dash(log.integrationStatus),
        integrationLatency: dash(log.integrationLatency),
        integrationError: dash(log.integrationError),
        keyId: dash(log.keyId),
        owner: dash(log.owner),
        iamUser: dash(log.iamUser),
        authorizerError: dash(log.authorizerError),
        error: dash(log.error),
        authorizerInvoked: log.authorizerInvoked ?? false,
      };
      options.accessLog.write(entry);
    });

    const route = matchRoute(info.method, info.rawPath);
    if (!route) {
      log.error = 'Not Found';
      return sendMessage(res, 404, 'Not Found', info.requestId);
    }
    log.routeKey = route.routeKey;
    if (Number(req.headers['content-length'] ?? 0) > maxBodyBytes) {
      log.error = 'Request Entity Too Large';
      return sendMessage(res, 413, 'Request Entity Too Large', info.requestId);
    }
    if (route.kind === 'admin') return serveAdmin(req, res, route, info, log, backends);
    return serveDeepgram(req, res, route, info, log, backends);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      // A bug here must not take the whole stack down; answer like API Gateway would.
      process.stderr.write(`keygate gateway: unexpected error: ${(error as Error)?.stack ?? error}\n`);
      if (!res.headersSent) sendMessage(res, 500, 'Internal Server Error', '-');
      else res.destroy();
    });
  });
  return { server };
}
