/**
 * The local gateway with stand-in handlers and a recording upstream, all in-process: API Gateway's
 * behaviour (401 without calling the authorizer, cached answers reused across routes, 403/500,
 * header mapping, limits, timeouts, streaming) and the admin bridge.
 */
import { createHash } from 'node:crypto';
import { createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allowPolicy, denyPolicy, parseRouteArn } from '../../../src/keys/policy';
import type { AccessLogEntry } from '../../../scripts/local/accessLog';
import type { LambdaHandler } from '../../../scripts/local/authorizer';
import { localApi } from '../../../scripts/local/event';
import { createGateway, type GatewayOptions } from '../../../scripts/local/gateway';
import { recordRequest, type Recorded } from '../../e2e/support/recorder';

const ADMIN_TOKEN = 'local-admin-token-0123456789abcdefghijklmnop';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

type Received = Recorded;

/** Stand-in authorizer built on the real policy functions. Keys: `listen-key`, `models-key`, `throw`, `malformed`, anything else is unknown. */
function fakeAuthorizer(calls: unknown[]): LambdaHandler {
  return async (event: { routeArn: string; identitySource: string[]; headers: Record<string, string> }) => {
    calls.push(event);
    const api = parseRouteArn(event.routeArn)!;
    const key = event.identitySource[0].replace(/^Token /, '');
    if (key === 'throw') throw new Error('table unavailable');
    if (key === 'malformed') return { allow: 'yes' };
    if (key === 'listen-key') return allowPolicy(api, 'key_1', ['listen'], { keyId: 'key_1', owner: 'team-a', scopes: 'listen' });
    if (key === 'models-key') return allowPolicy(api, 'key_2', ['models'], { keyId: 'key_2', owner: 'team-b', scopes: 'models' });
    return denyPolicy(api, 'anonymous', { reason: 'unknown', keyId: '' });
  };
}

async function harness(options: Partial<GatewayOptions> & { upstream?: RequestListener; admin?: LambdaHandler } = {}) {
  const received: Received[] = [];
  const recorder: RequestListener = (req, res) =>
    recordRequest(req, (record) => {
      received.push(record);
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes', connection: 'keep-alive' });
      res.end(JSON.stringify({ ok: true }));
    });
  const upstream = createServer(options.upstream ?? recorder);
  const upstreamUrl = await listen(upstream);
  const calls: unknown[] = [];
  const entries: AccessLogEntry[] = [];
  const { server } = createGateway({
    api: localApi(),
    backends: {
      authorizer: fakeAuthorizer(calls),
      admin: options.admin ?? (async () => ({ statusCode: 200, body: '{}' })),
      upstream: new URL(upstreamUrl),
    },
    adminToken: ADMIN_TOKEN,
    cacheTtlSeconds: 300,
    identityHeader: 'x-api-key',
    integrationTimeoutMs: 2000,
    accessLog: { write: (entry) => entries.push(entry), close: async () => undefined },
    ...options,
  });
  const url = await listen(server);
  return {
    url,
    calls,
    received,
    /** The access log line of a response (written when the response closes). */
    async entry(response: Response): Promise<AccessLogEntry> {
      const id = response.headers.get('apigw-requestid');
      for (let i = 0; i < 50; i++) {
        const found = entries.find((e) => e.requestId === id);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no access log entry for ${id}`);
    },
    async close() {
      for (const s of [server, upstream]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
}

type Harness = Awaited<ReturnType<typeof harness>>;
let h: Harness;
afterEach(async () => h?.close());

const post = (url: string, headers: Record<string, string> = {}, body: RequestInit['body'] = 'audio') =>
  fetch(url, { method: 'POST', headers, body, duplex: 'half' } as RequestInit);

/**
 * A request sent exactly as written (fetch would normalise `..` away and refuses to set Host).
 * A `Host` in `headers` replaces the one Node would send.
 */
function raw(base: string, method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; rawHeaders: string[] }>((resolve, reject) => {
    const url = new URL(base);
    const req = request({ hostname: url.hostname, port: url.port, method, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, rawHeaders: res.rawHeaders }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The values of one header as the upstream received them, in order (rawHeaders, not Node's merged map). */
const rawValues = (got: { rawHeaders: string[] }, name: string) =>
  got.rawHeaders.flatMap((value, i) => (i % 2 === 1 && got.rawHeaders[i - 1].toLowerCase() === name ? [value] : []));

describe('Deepgram routes', () => {
  it('401 without calling the authorizer when the key header is missing or empty', async () => {
    h = await harness();
    for (const headers of [{}, { 'x-api-key': '' }] as Record<string, string>[]) {
      const response = await post(`${h.url}/v1/listen`, headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: 'Unauthorized' });
    }
    expect(h.calls).toHaveLength(0);
  });

  it('404 for unknown routes, whatever the key', async () => {
    h = await harness();
    const response = await fetch(`${h.url}/v1/listen`, { headers: { 'x-api-key': 'listen-key' } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
    expect(h.calls).toHaveLength(0);
  });

  it('proxies an allowed request: key header removed, key id and owner set, spoofed values dropped, body intact', async () => {
    h = await harness();
    const audio = Buffer.alloc(300_000, 7);
    const response = await post(
      `${h.url}/v1/listen?model=nova-3&smart_format=true`,
      { 'x-api-key': 'listen-key', 'x-keygate-key-id': 'spoofed', 'content-type': 'audio/wav', authorization: 'Token passes-through' },
      audio,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(response.headers.get('apigw-requestid')).toBeTruthy();
    expect(await response.json()).toEqual({ ok: true });

    const [got] = h.received;
    expect(got.url).toBe('/v1/listen?model=nova-3&smart_format=true');
    expect(got.headers['x-api-key']).toBeUndefined();
    expect(got.headers['x-keygate-key-id']).toBe('key_1');
    expect(got.headers['x-keygate-owner']).toBe('team-a');
    expect(got.headers.authorization).toBe('Token passes-through'); // API Gateway cannot remove it either
    expect(got.headers['content-type']).toBe('audio/wav');
    expect(got.sha256).toBe(createHash('sha256').update(audio).digest('hex'));

    const entry = await h.entry(response);
    expect(entry).toMatchObject({
      status: '200',
      routeKey: 'POST /v1/listen',
      keyId: 'key_1',
      owner: 'team-a',
      integrationStatus: '200',
      authorizerInvoked: true,
    });
    expect(JSON.stringify(entry)).not.toContain('listen-key');
  });

  it('sends the authorizer a payload 2.0 event for the route called', async () => {
    h = await harness();
    await fetch(`${h.url}/v1/models/nova-3`, { headers: { 'x-api-key': 'k1', 'X-Extra': 'a' } });
    expect(h.calls[0]).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:local:000000000000:keygate/$default/GET/v1/models/nova-3',
      identitySource: ['k1'],
      routeKey: 'GET /v1/models/{modelId}',
      pathParameters: { modelId: 'nova-3' },
      headers: { 'x-api-key': 'k1', 'x-extra': 'a' },
    });
  });

  it('caches one answer per key for every route: 403 on a route the policy does not list, no second call', async () => {
    h = await harness();
    const headers = { 'x-api-key': 'listen-key' };
    const speak = await post(`${h.url}/v1/speak`, headers, '{"text":"hi"}');
    expect(speak.status).toBe(403);
    expect(await speak.json()).toEqual({ message: 'Forbidden' });
    const listen = await post(`${h.url}/v1/listen`, headers);
    expect(listen.status).toBe(200);
    expect(h.calls).toHaveLength(1);
    expect((await h.entry(speak)).authorizerInvoked).toBe(true);
    expect((await h.entry(listen)).authorizerInvoked).toBe(false);
    expect(h.received.map((r) => r.url)).toEqual(['/v1/listen']);
  });

  it('caches Deny answers too; a different key is a different cache entry', async () => {
    h = await harness();
    for (let i = 0; i < 3; i++) expect((await post(`${h.url}/v1/listen`, { 'x-api-key': 'nope' })).status).toBe(403);
    expect((await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' })).status).toBe(200);
    expect(h.calls).toHaveLength(2);
  });

  it('calls the authorizer every time with AUTHORIZER_CACHE_TTL=0', async () => {
    h = await harness({ cacheTtlSeconds: 0 });
    for (let i = 0; i < 3; i++) await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' });
    expect(h.calls).toHaveLength(3);
  });

  it('calls the authorizer again once the TTL has passed', async () => {
    h = await harness({ cacheTtlSeconds: 1 });
    await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' });
    await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' });
    expect(h.calls).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1050));
    await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' });
    expect(h.calls).toHaveLength(2);
  });

  it('500 when the authorizer throws or answers nonsense, and neither is cached', async () => {
    h = await harness();
    for (const key of ['throw', 'throw', 'malformed']) {
      const response = await post(`${h.url}/v1/listen`, { 'x-api-key': key });
      expect(response.status).toBe(500);
      expect(await response.json()).toEqual({ message: 'Internal Server Error' });
      expect((await h.entry(response)).authorizerError).toMatch(/authorizer/);
    }
    expect(h.calls).toHaveLength(3);
    expect(h.received).toHaveLength(0);
  });

  it('with IDENTITY_SOURCE=authorization, an unmodified Deepgram client header is the identity', async () => {
    h = await harness({ identityHeader: 'authorization' });
    expect((await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' })).status).toBe(401);
    expect((await post(`${h.url}/v1/listen`, { authorization: 'Token listen-key' })).status).toBe(200);
    expect(h.received[0].headers.authorization).toBe('Token listen-key');
  });
});

describe('hostile requests', () => {
  it('Forwarded: the client Host is one quoted value, never more parameters; an invalid Host is left out', async () => {
    h = await harness();
    const port = new URL(h.url).port;
    const key = { 'x-api-key': 'listen-key' };
    await raw(h.url, 'POST', '/v1/listen', { ...key, forwarded: 'for=6.6.6.6;proto=https' });
    await raw(h.url, 'POST', '/v1/listen', { ...key, host: 'evil;for=9.9.9.9;proto=https' });
    await raw(h.url, 'POST', '/v1/listen', { ...key, host: 'evil",for=9.9.9.9' });
    await raw(h.url, 'POST', '/v1/listen', { ...key, host: 'evil\\' });
    await raw(h.url, 'POST', '/v1/listen', { ...key, host: 'api.example.com' });
    expect(h.received.map((got) => rawValues(got, 'forwarded'))).toEqual([
      [`for=127.0.0.1;host="127.0.0.1:${port}";proto=http`],
      ['for=127.0.0.1;proto=http'],
      ['for=127.0.0.1;proto=http'],
      ['for=127.0.0.1;proto=http'],
      ['for=127.0.0.1;host=api.example.com;proto=http'],
    ]);
  });

  it.each([
    ['GET', '/v1/models/..'],
    ['GET', '/v1/models/.'],
    ['GET', '/v1/models/%2e%2e'],
    ['GET', '/v1/models/%2E.'],
    ['GET', '/v1/models/%2e'],
    ['GET', '/v1/models/..%2flisten'],
    ['GET', '/v1/models/a%2Fb'],
    ['GET', '/v1/models/a%5cb'],
    ['GET', '/v1/models/a\\b'],
    ['POST', '/v1/./listen'],
    ['POST', '/v1/models/../listen'],
  ])('404 for %s %s (dot segment or encoded slash) without calling the authorizer or the upstream', async (method, path) => {
    h = await harness();
    const response = await raw(h.url, method, path, { 'x-api-key': 'models-key' });
    expect(response.status).toBe(404);
    expect(JSON.parse(response.body)).toEqual({ message: 'Not Found' });
    expect(h.calls).toHaveLength(0);
    expect(h.received).toHaveLength(0);
  });

  it('a models key still reads models whose names have dots in them', async () => {
    h = await harness();
    for (const path of ['/v1/models/nova-3.1', '/v1/models/...', '/v1/models/.hidden']) {
      expect((await raw(h.url, 'GET', path, { 'x-api-key': 'models-key' })).status).toBe(200);
    }
    expect(h.received.map((got) => got.url)).toEqual(['/v1/models/nova-3.1', '/v1/models/...', '/v1/models/.hidden']);
  });

  it('404 for an admin path with a dot segment; the admin handler is not called', async () => {
    const admin = jest.fn();
    h = await harness({ admin });
    for (const path of ['/admin/keys/..', '/admin/keys/%2e%2e/events']) {
      expect((await raw(h.url, 'GET', path, { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(404);
    }
    expect(admin).not.toHaveBeenCalled();
  });

  it('headers and query parameters named like Object.prototype members are ordinary names, both ways', async () => {
    h = await harness({
      upstream: (req, res) => {
        req.resume();
        req.on('end', () => {
          h.received.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, bytes: 0, sha256: '' });
          res.writeHead(200, { constructor: 'u1', ['__proto__']: 'u2', 'content-type': 'application/json' });
          res.end('{}');
        });
      },
    });
    const response = await raw(h.url, 'GET', '/v1/models/nova-3?constructor=q1&__proto__=q2&toString=q3', {
      'x-api-key': 'models-key',
      constructor: 'c1',
      ['__proto__']: 'p1',
      hasOwnProperty: 'o1',
      valueOf: 'v1',
    });
    expect(response.status).toBe(200);
    expect(rawValues(response, 'constructor')).toEqual(['u1']);
    expect(rawValues(response, '__proto__')).toEqual(['u2']);

    const [got] = h.received;
    expect(got.url).toBe('/v1/models/nova-3?constructor=q1&__proto__=q2&toString=q3');
    expect(rawValues(got, 'constructor')).toEqual(['c1']);
    expect(rawValues(got, '__proto__')).toEqual(['p1']);
    expect(rawValues(got, 'hasownproperty')).toEqual(['o1']);
    expect(rawValues(got, 'valueof')).toEqual(['v1']);

    // The authorizer event holds them as own properties, as JSON.parse would give them to a Lambda.
    const event = h.calls[0] as { headers: Record<string, string>; queryStringParameters: Record<string, string> };
    const lambdaView = JSON.parse(JSON.stringify(event));
    for (const view of [event, lambdaView]) {
      expect(Object.entries(view.headers)).toEqual(
        expect.arrayContaining([
          ['constructor', 'c1'],
          ['__proto__', 'p1'],
          ['hasownproperty', 'o1'],
          ['valueof', 'v1'],
        ]),
      );
      expect(Object.entries(view.queryStringParameters)).toEqual([
        ['constructor', 'q1'],
        ['__proto__', 'q2'],
        ['toString', 'q3'],
      ]);
    }
  });
});

describe('limits and failures', () => {
  const big = 10 * 1024 * 1024 + 1;

  it('413 up front on a declared length over 10 MB, before the authorizer', async () => {
    h = await harness();
    const response = await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' }, Buffer.alloc(big));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ message: 'Request Entity Too Large' });
    expect(h.calls).toHaveLength(0);
    expect(h.received).toHaveLength(0);
  });

  it('413 on a chunked body that passes 10 MB as it streams; exactly 10 MB is fine', async () => {
    h = await harness();
    const chunked = (total: number) => {
      let sent = 0;
      return new ReadableStream({
        pull(controller) {
          const size = Math.min(1024 * 1024, total - sent);
          if (size <= 0) return controller.close();
          sent += size;
          controller.enqueue(new Uint8Array(size));
        },
      });
    };
    const over = await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' }, chunked(big));
    expect(over.status).toBe(413);
    const exact = await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' }, chunked(10 * 1024 * 1024));
    expect(exact.status).toBe(200);
    expect(h.received.at(-1)!.bytes).toBe(10 * 1024 * 1024);
  });

  it('504 when the upstream does not answer within the integration timeout', async () => {
    h = await harness({ integrationTimeoutMs: 200, upstream: () => undefined });
    const started = Date.now();
    const response = await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' });
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ message: 'Gateway Timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await h.entry(response)).integrationError).toMatch(/timed out/);
  });

  it('502 when the upstream is unreachable', async () => {
    h = await harness();
    const dead = createServer();
    const deadUrl = await listen(dead);
    await new Promise((r) => dead.close(r));
    await h.close();
    h = await harness({ backends: { authorizer: fakeAuthorizer([]), admin: async () => ({}), upstream: new URL(deadUrl) } });
    const response = await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: 'Bad Gateway' });
  });

  it('streams the response: the client reads the first chunk while the upstream is still writing', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    h = await harness({
      upstream: (req, res) => {
        req.resume();
        req.on('end', async () => {
          res.writeHead(200, { 'content-type': 'audio/wav' });
          res.write('first');
          await released;
          res.end('last');
        });
      },
    });
    const listen = await post(`${h.url}/v1/listen`, { 'x-api-key': 'listen-key' });
    const reader = listen.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe('first');
    release();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
    expect(rest).toBe('last');
  });
});

describe('admin routes', () => {
  const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

  it('401 without the bearer token, 403 with a wrong one, and the handler is not called', async () => {
    const admin = jest.fn();
    h = await harness({ admin });
    const none = await fetch(`${h.url}/admin/keys`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: 'Unauthorized' });
    const wrong = await fetch(`${h.url}/admin/keys`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ message: 'Forbidden' });
    // An API key is no way in either.
    expect((await fetch(`${h.url}/admin/keys`, { headers: { 'x-api-key': 'listen-key' } })).status).toBe(401);
    expect(admin).not.toHaveBeenCalled();
  });

  it('invokes the admin handler with a payload 2.0 event and returns its answer', async () => {
    const events: any[] = [];
    h = await harness({
      admin: async (event) => {
        events.push(event);
        return { statusCode: 201, headers: { 'Content-Type': 'application/json', 'x-admin': '1' }, body: '{"keyId":"key_2"}' };
      },
    });
    const response = await fetch(`${h.url}/admin/keys/key_1/rotate`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: '{"gracePeriodSeconds":60}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-admin')).toBe('1');
    expect(await response.json()).toEqual({ keyId: 'key_2' });
    expect(events[0]).toMatchObject({
      version: '2.0',
      routeKey: 'POST /admin/keys/{keyId}/rotate',
      rawPath: '/admin/keys/key_1/rotate',
      pathParameters: { keyId: 'key_1' },
      body: '{"gracePeriodSeconds":60}',
      isBase64Encoded: false,
      requestContext: { authorizer: { iam: { userArn: 'local-admin' } }, http: { method: 'POST' } },
    });
    expect((await h.entry(response)).iamUser).toBe('local-admin');
  });

  it('passes query strings; a handler answer without statusCode is a 200 JSON body', async () => {
    const events: any[] = [];
    h = await harness({ admin: async (event) => (events.push(event), { items: [] }) });
    const response = await fetch(`${h.url}/admin/keys?owner=team-a&limit=5`, { headers: bearer });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ items: [] });
    expect(events[0].queryStringParameters).toEqual({ owner: 'team-a', limit: '5' });
  });

  it('500 when the handler throws', async () => {
    h = await harness({ admin: async () => { throw new Error('boom'); } });
    const response = await fetch(`${h.url}/admin/keys`, { headers: bearer });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
  });
});
