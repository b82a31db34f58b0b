/**
 * The HTTP_PROXY integration: forwards a request to the upstream with both bodies streamed (never
 * held in memory), enforcing API Gateway's limits: 10 MB request bodies (413, counted as the bytes
 * flow, so chunked uploads are caught too) and the integration timeout (504 when the upstream has
 * not answered in time; after the answer starts, the same time is allowed between chunks).
 * An unreachable upstream is a 502.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { forwardableHeaders, sendMessage } from './http';

export interface ProxyTarget {
  upstream: URL;
  timeoutMs: number;
  maxBodyBytes: number;
}

export interface ProxyRequest {
  requestId: string;
  rawPath: string;
  rawQueryString: string;
  /** Request headers never forwarded (lower-case), e.g. the key header. */
  remove: readonly string[];
  /** Headers set on the upstream request, replacing any the client sent. */
  set: Record<string, string>;
}

export interface ProxyResult {
  /** The upstream's status; undefined when it never answered. */
  integrationStatus?: number;
  integrationLatencyMs?: number;
  integrationError?: string;
  responseLength: number;
}

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/**
 * Proxies one request. `result` is filled in as things happen (not only at the end) because the
 * access log line is written when the client's response closes, which may come first.
 */
export function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
  request: ProxyRequest,
  result: ProxyResult = { responseLength: 0 },
): Promise<ProxyResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!req.complete) req.resume(); // read and discard whatever the client is still sending
      resolve(result);
    };
    const fail = (status: number, message: string, detail: string) => {
      if (done) return;
      result.integrationError = detail;
      upstreamReq.destroy();
      if (!res.headersSent) {
        result.responseLength = Buffer.byteLength(JSON.stringify({ message }));
        sendMessage(res, status, message, request.requestId);
      } else {
        res.destroy();
      }
      finish();
    };

    const { upstream } = target;
    const https = upstream.protocol === 'https:';
    const basePath = upstream.pathname.replace(/\/$/, '');
    const removed = new Set([...request.remove, ...Object.keys(request.set), 'host']);
    const headers = { ...forwardableHeaders(req.rawHeaders, (name) => removed.has(name)), ...request.set };

    const upstreamReq = (https ? httpsRequest : httpRequest)({
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port || (https ? 443 : 80),
      method: req.method,
      path: `${basePath}${request.rawPath}${request.rawQueryString ? `?${request.rawQueryString}` : ''}`,
      headers,
      agent: https ? agents.https : agents.http,
    });
    const timer = setTimeout(
      () => fail(504, 'Gateway Timeout', `integration timed out after ${target.timeoutMs} ms`),
      target.timeoutMs,
    );

    upstreamReq.on('error', (error) => fail(502, 'Bad Gateway', `upstream unreachable: ${error.message}`));
    upstreamReq.on('response', (upstreamRes: IncomingMessage) => {
      if (done) return upstreamRes.destroy();
      clearTimeout(timer);
      result.integrationStatus = upstreamRes.statusCode;
      result.integrationLatencyMs = Math.round(performance.now() - started);
      upstreamRes.setTimeout(target.timeoutMs, () => upstreamRes.destroy(new Error('upstream stalled')));
      res.writeHead(upstreamRes.statusCode ?? 502, {
        ...forwardableHeaders(upstreamRes.rawHeaders, () => false),
        'apigw-requestid': request.requestId,
      });
      upstreamRes.on('data', (chunk: Buffer) => {
        result.responseLength += chunk.length;
        if (!res.write(chunk)) upstreamRes.pause();
      });
      res.on('drain', () => upstreamRes.resume());
      upstreamRes.on('end', () => {
        res.end();
        finish();
      });
      upstreamRes.on('error', (error) => {
        result.integrationError = error.message;
        res.destroy();
        finish();
      });
    });

    // A client that goes away takes its upstream request with it.
    res.on('close', () => {
      if (!res.writableFinished) {
        upstreamReq.destroy();
        finish();
      }
    });

    // Request body: counted as it streams; over the limit the upstream request is dropped and the
    // rest of the body is read and discarded so the client can read its 413.
    let received = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge || done) return;
      received += chunk.length;
      if (received > target.maxBodyBytes) {
        tooLarge = true;
        fail(413, 'Request Entity Too Large', `request body over ${target.maxBodyBytes} bytes`);
        return;
      }
      if (!upstreamReq.write(chunk)) req.pause();
    });
    upstreamReq.on('drain', () => req.resume());
    req.on('end', () => {
      if (!tooLarge) upstreamReq.end();
    });
    req.on('error', () => upstreamReq.destroy());
  });
}
