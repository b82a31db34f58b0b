/**
 * End to end: the real local stack (`scripts/start.ts` as a child process: DynamoDB Local, the real
 * authorizer and admin handlers, the emulated API Gateway) in front of a recording upstream, driven
 * with plain HTTP. Authorizer cache TTL 2 s, integration timeout 1 s.
 */
import { createHash } from 'node:crypto';
import { generateKey } from '../../src/keys/token';
import { admin, issueKey, rawRequest, sampleAudio, sleep, startStack, type RunningStack } from './support/stack';
import { startRecorder } from './support/recorder';

jest.setTimeout(150_000); // a stack start can take long on a loaded 2-core machine

const TTL_MS = 2000;
let stack: RunningStack;
let upstream: Awaited<ReturnType<typeof startRecorder>>;
const issuedKeys: string[] = [];

beforeAll(async () => {
  upstream = await startRecorder();
  stack = await startStack({ DEEPGRAM_URL: upstream.url, AUTHORIZER_CACHE_TTL: String(TTL_MS / 1000), INTEGRATION_TIMEOUT_MS: '1000' });
});

afterAll(async () => {
  await stack?.stop();
  await upstream?.close();
});

async function key(scopes: string[], extra: Record<string, unknown> = {}) {
  const created = await issueKey(stack, scopes, extra);
  issuedKeys.push(created.key);
  return created;
}

const listen = (apiKey: string | undefined, body: Buffer = Buffer.from('RIFF')) =>
  fetch(`${stack.url}/v1/listen?model=nova-3`, {
    method: 'POST',
    headers: { 'content-type': 'audio/wav', ...(apiKey === undefined ? {} : { 'x-api-key': apiKey }) },
    body,
  });

/** Polls until `request` answers `status` (or gives up after `withinMs`); returns the time it took. */
async function until(status: number, request: () => Promise<Response>, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await request();
    await response.arrayBuffer();
    if (response.status === status) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`still ${response.status} after ${withinMs} ms`);
    await sleep(100);
  }
}

it('issues a key through the admin API (bearer token only)', async () => {
  const created = await key(['listen']);
  expect(created.key).toMatch(/^kg_[0-9A-Za-z]{49}$/);
  expect(created.keyId).toMatch(/^key_[0-9a-f]{32}$/);
  const anonymous = await fetch(`${stack.url}/admin/keys`, { method: 'POST', body: '{}' });
  expect(anonymous.status).toBe(401);
  const withApiKey = await fetch(`${stack.url}/admin/keys`, { headers: { 'x-api-key': created.key } });
  expect(withApiKey.status).toBe(401);
});

it('POST /v1/listen with a WAV: 200, and the upstream got the bytes intact, without the key, with the key id', async () => {
  const { audio } = sampleAudio();
  const created = await key(['listen']);
  const response = await listen(created.key, audio);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ recorded: true, bytes: audio.length });

  const got = upstream.last('/v1/listen')!;
  expect(got.url).toBe('/v1/listen?model=nova-3');
  expect(got.sha256).toBe(createHash('sha256').update(audio).digest('hex'));
  expect(got.bytes).toBe(audio.length);
  expect(got.headers['x-api-key']).toBeUndefined();
  expect(got.headers['x-keygate-key-id']).toBe(created.keyId);
  expect(got.headers['x-keygate-owner']).toBe('e2e-team');
  expect(got.headers.forwarded).toBe(`for=127.0.0.1;host="${new URL(stack.url).host}";proto=http`);
});

it('no key → 401, an unknown key or garbage → 403, and nothing reaches the upstream', async () => {
  const before = upstream.received.length;
  const none = await listen(undefined);
  expect(none.status).toBe(401);
  expect(await none.json()).toEqual({ message: 'Unauthorized' });
  for (const wrong of [generateKey(), 'not-a-key']) {
    const response = await listen(wrong);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Forbidden' });
  }
  expect(upstream.received.length).toBe(before);
});

it('a listen-only key: /v1/speak → 403 while /v1/listen works on the same cached answer (one authorizer call)', async () => {
  const created = await key(['listen']);
  const speak = await fetch(`${stack.url}/v1/speak`, {
    method: 'POST',
    headers: { 'x-api-key': created.key, 'content-type': 'application/json' },
    body: '{"text":"hello"}',
  });
  expect(speak.status).toBe(403);
  const ok = await listen(created.key);
  expect(ok.status).toBe(200);
  await sleep(50); // the access log line is written as the response closes

  const lines = stack.accessLog().filter((entry) => entry.keyId === created.keyId);
  expect(lines.map((e) => [e.routeKey, e.status, e.authorizerInvoked])).toEqual([
    ['POST /v1/speak', '403', true],
    ['POST /v1/listen', '200', false],
  ]);
});

it('revoke: still 200 within the cache TTL (the documented delay), 403 after it', async () => {
  const created = await key(['listen']);
  const cachedAt = Date.now();
  expect((await listen(created.key)).status).toBe(200);

  const revoked = await admin(stack, 'POST', `/admin/keys/${created.keyId}/revoke`);
  expect(revoked.status).toBe(200);
  expect(revoked.body.status).toBe('revoked');
  const within = await listen(created.key);
  if (Date.now() - cachedAt < TTL_MS - 200) expect(within.status).toBe(200);

  await until(403, () => listen(created.key), TTL_MS + 2000);
  expect(Date.now() - cachedAt).toBeGreaterThanOrEqual(TTL_MS - 100);
});

it('rotation: the old key works during the grace period; with no grace it stops after the TTL', async () => {
  const first = await key(['listen']);
  expect((await listen(first.key)).status).toBe(200);

  const rotated = await admin(stack, 'POST', `/admin/keys/${first.keyId}/rotate`, { gracePeriodSeconds: 3600 });
  expect(rotated.status).toBe(201);
  expect(rotated.body.rotatedFrom).toBe(first.keyId);
  const second = rotated.body as { key: string; keyId: string };
  issuedKeys.push(second.key);
  expect((await listen(second.key)).status).toBe(200);

  const noGrace = await admin(stack, 'POST', `/admin/keys/${second.keyId}/rotate`, { gracePeriodSeconds: 0 });
  expect(noGrace.status).toBe(201);
  const third = noGrace.body as { key: string };
  issuedKeys.push(third.key);

  await sleep(TTL_MS + 200); // every cached answer has expired
  expect((await listen(first.key)).status).toBe(200); // within its one-hour grace period
  expect((await listen(third.key)).status).toBe(200);
  expect((await listen(second.key)).status).toBe(403); // rotated with no grace
});

it('11 MB bodies → 413, declared or chunked, and the upstream never sees them', async () => {
  const created = await key(['listen']);
  const before = upstream.received.length;
  const declared = await listen(created.key, Buffer.alloc(11 * 1024 * 1024));
  expect(declared.status).toBe(413);
  expect(await declared.json()).toEqual({ message: 'Request Entity Too Large' });

  let sent = 0;
  const chunked = new ReadableStream({
    pull(controller) {
      if (sent >= 11 * 1024 * 1024) return controller.close();
      sent += 1024 * 1024;
      controller.enqueue(new Uint8Array(1024 * 1024));
    },
  });
  const streamed = await fetch(`${stack.url}/v1/listen`, {
    method: 'POST',
    headers: { 'x-api-key': created.key },
    body: chunked,
    duplex: 'half',
  } as RequestInit);
  expect(streamed.status).toBe(413);
  const completed = upstream.received.slice(before).filter((r) => r.bytes > 10 * 1024 * 1024);
  expect(completed).toHaveLength(0);
});

it('unknown routes → 404; a slow upstream → 504 after the integration timeout', async () => {
  const notFound = await fetch(`${stack.url}/v2/listen`, { method: 'POST' });
  expect(notFound.status).toBe(404);
  expect(await notFound.json()).toEqual({ message: 'Not Found' });

  const created = await key(['models']);
  expect((await fetch(`${stack.url}/v1/models/nova-3`, { headers: { 'x-api-key': created.key } })).status).toBe(200);
  const started = Date.now();
  const slow = await fetch(`${stack.url}/v1/models/slow`, { headers: { 'x-api-key': created.key } });
  expect(slow.status).toBe(504);
  expect(await slow.json()).toEqual({ message: 'Gateway Timeout' });
  expect(Date.now() - started).toBeLessThan(3000);
});

it('hostile requests: dot segments → 404 before the authorizer; Host cannot add Forwarded parameters; odd header names pass as sent', async () => {
  const created = await key(['models']);
  const before = upstream.received.length;
  const paths = ['/v1/models/..', '/v1/models/%2e%2e', '/v1/models/..%2flisten', '/v1/models/a%5cb'];
  for (const path of paths) {
    const response = await rawRequest(stack.url, 'GET', path, { 'x-api-key': created.key });
    expect([path, response.status, JSON.parse(response.body)]).toEqual([path, 404, { message: 'Not Found' }]);
  }
  expect(upstream.received.length).toBe(before);
  await sleep(50);
  const notFound = stack.accessLog().filter((e) => e.path.startsWith('/v1/models/') && e.status === '404');
  expect(notFound.map((e) => [e.path, e.routeKey, e.authorizerInvoked])).toEqual(paths.map((path) => [path, '-', false]));

  const response = await rawRequest(stack.url, 'GET', '/v1/models/nova-3?constructor=q', {
    'x-api-key': created.key,
    host: 'evil;for=9.9.9.9;proto=https',
    constructor: 'c1',
    ['__proto__']: 'p1',
  });
  expect(response.status).toBe(200);
  const got = upstream.last('/v1/models/nova-3')!;
  expect(got.url).toBe('/v1/models/nova-3?constructor=q');
  expect(got.headers.forwarded).toBe('for=127.0.0.1;proto=http');
  const named = (name: string) => got.rawHeaders.flatMap((value, i) => (i % 2 === 1 && got.rawHeaders[i - 1] === name ? [value] : []));
  expect([named('constructor'), named('__proto__')]).toEqual([['c1'], ['p1']]);
});

it('never writes a key to its output or access log', async () => {
  await sleep(50);
  const logged = stack.output() + JSON.stringify(stack.accessLog());
  expect(issuedKeys.length).toBeGreaterThan(5);
  for (const issued of issuedKeys) expect(logged).not.toContain(issued);
  expect(stack.accessLog().length).toBeGreaterThan(10);
});
