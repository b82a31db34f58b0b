/**
 * What must never happen: a key in any answer but the one that issued it, a hash (or its secret
 * half) anywhere, a key or hash in the logs, a secret echoed back, a 500 on client input.
 */
import fc from 'fast-check';
import { hashKey } from '../../../src/keys/token';
import { harness, validKey, type Reply } from './support';

/** Every property name in a JSON value, at any depth. */
function propertyNames(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => propertyNames(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      propertyNames(v, out);
    }
  }
  return out;
}

it('no route returns a key except the issue or rotate call that created it, and none returns a hash', async () => {
  const h = harness();
  const replies: { label: string; reply: Reply }[] = [];
  const call = async (label: string, method: string, path: string, options?: Parameters<typeof h.call>[2]) => {
    const reply = await h.call(method, path, options);
    replies.push({ label, reply });
    return reply;
  };

  const a = await call('issue a', 'POST', '/admin/keys', { body: { ...validKey, owner: 'acme', metadata: { m: 'v' } } });
  const b = await call('issue b', 'POST', '/admin/keys', { body: validKey });
  const c = await call('rotate a', 'POST', `/admin/keys/${a.body.keyId}/rotate`, { body: { gracePeriodSeconds: 60 } });
  const issued = new Map([
    ['issue a', a.body.key as string],
    ['issue b', b.body.key as string],
    ['rotate a', c.body.key as string],
  ]);
  for (const { keyId } of [a.body, b.body, c.body]) {
    await call('get', 'GET', `/admin/keys/${keyId}`);
    await call('patch', 'PATCH', `/admin/keys/${keyId}`, { body: { name: 'renamed', metadata: { x: 'y' } } });
    await call('events', 'GET', `/admin/keys/${keyId}/events`);
  }
  await call('list', 'GET', '/admin/keys');
  await call('list by owner', 'GET', '/admin/keys', { query: { owner: 'acme' } });
  await call('revoke', 'POST', `/admin/keys/${b.body.keyId}/revoke`);
  await call('revoke again', 'POST', `/admin/keys/${b.body.keyId}/revoke`);
  await call('rotate revoked', 'POST', `/admin/keys/${b.body.keyId}/rotate`);
  await call('events after revoke', 'GET', `/admin/keys/${b.body.keyId}/events`);
  await call('bad patch', 'PATCH', `/admin/keys/${c.body.keyId}`, { body: { scopes: ['nope'] } });
  await call('key as id', 'GET', `/admin/keys/${a.body.key}`);
  await call('key in body', 'POST', '/admin/keys', { body: { name: a.body.key, scopes: [a.body.key] } });
  await call('key as JSON', 'POST', '/admin/keys', { body: a.body.key });
  await call('key as field', 'POST', '/admin/keys', { body: { [a.body.key]: 1 } });
  await call('key as query', 'GET', '/admin/keys', { query: { [a.body.key]: '1' } });
  await call('key as cursor', 'GET', '/admin/keys', { query: { cursor: a.body.key } });

  expect(replies.length).toBeGreaterThan(20);
  const secrets = [...issued.values()].flatMap((key) => {
    const hash = hashKey(key);
    return [hash, hash.slice(32)]; // the key id is the hash's first half; the second half never leaves
  });
  for (const { label, reply } of replies) {
    for (const [issuedBy, key] of issued) {
      // An issue or rotate answer contains its own key once; nothing else contains any key.
      const expected = issuedBy === label ? 1 : 0;
      expect({ label, key: issuedBy, count: reply.raw.split(key).length - 1 }).toEqual({ label, key: issuedBy, count: expected });
    }
    for (const secret of secrets) expect({ label, leaked: reply.raw.includes(secret) }).toEqual({ label, leaked: false });
    expect({ label, names: propertyNames(reply.body).has('hash') }).toEqual({ label, names: false });
  }
  // The logs hold none of it either.
  const logs = h.logs.join('\n');
  expect(h.logs.length).toBeGreaterThan(5);
  for (const key of issued.values()) expect(logs).not.toContain(key);
  for (const secret of secrets) expect(logs).not.toContain(secret);
  // Stored audit entries neither.
  const audit = JSON.stringify(h.store.audit);
  for (const key of issued.values()) expect(audit).not.toContain(key);
  for (const secret of secrets) expect(audit).not.toContain(secret);
});

it('an API key pasted as a key id is not echoed, and the answer says it looks like a key', async () => {
  const h = harness();
  const { body } = await h.call('POST', '/admin/keys', { body: validKey });
  for (const method of ['GET', 'PATCH'] as const) {
    const res = await h.call(method, `/admin/keys/${body.key}`, { body: method === 'PATCH' ? { name: 'x' } : undefined });
    expect(res.status).toBe(404);
    expect(res.raw).not.toContain(body.key);
    expect(res.body.error.message).toMatch(/looks like an API key/);
  }
});

it('malformed JSON errors quote no part of the body', async () => {
  const h = harness();
  const secret = 'kg_thisLooksSecret';
  const res = await h.call('POST', '/admin/keys', { body: `${secret}` });
  expect(res.status).toBe(400);
  expect(res.raw).not.toContain('thisLooksSecret');
});

it('errors never carry a stack trace', async () => {
  const h = harness();
  jest.spyOn(h.store, 'load').mockRejectedValueOnce(new Error('internal detail at /var/task/index.js:1:2'));
  const res = await h.call('GET', '/admin/keys/key_0123456789abcdef0123456789abcdef');
  expect(res.status).toBe(500);
  expect(res.raw).not.toMatch(/internal detail|index\.js|stack/);
});

describe('client input never causes a 5xx (property)', () => {
  const routes: [string, (id: string) => string][] = [
    ['POST', () => '/admin/keys'],
    ['PATCH', (id) => `/admin/keys/${id}`],
    ['POST', (id) => `/admin/keys/${id}/rotate`],
    ['POST', (id) => `/admin/keys/${id}/revoke`],
  ];

  it('arbitrary JSON bodies get 2xx or a well-formed 4xx', async () => {
    const h = harness();
    const keyId = (await h.call('POST', '/admin/keys', { body: validKey })).body.keyId;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              name: fc.oneof(fc.string(), fc.jsonValue()),
              scopes: fc.oneof(fc.array(fc.constantFrom('listen', 'speak', 'models', 'all', 'x')), fc.jsonValue()),
              owner: fc.oneof(fc.string(), fc.jsonValue()),
              expiresAt: fc.oneof(fc.date().map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toISOString())), fc.jsonValue()),
              expiresInSeconds: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
              gracePeriodSeconds: fc.oneof(fc.integer(), fc.jsonValue()),
              metadata: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
            },
            { requiredKeys: [] },
          ),
        ),
        async ([method, path], body) => {
          const res = await h.call(method, path(keyId), { body: JSON.stringify(body) });
          expect(res.status).toBeLessThan(500);
          if (res.status >= 400) {
            expect(Object.keys(res.body)).toEqual(['error']);
            expect(res.body.error.code).toMatch(/^[a-z_]+$/);
            expect(res.body.error.message.length).toBeLessThan(400);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary paths and methods get 404 or 405, never a 5xx', async () => {
    const h = harness();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
        fc.array(fc.constantFrom('admin', 'keys', 'key_0123456789abcdef0123456789abcdef', 'events', 'x', '', '..'), { maxLength: 5 }),
        async (method, parts) => {
          const res = await h.call(method, `/${parts.join('/')}`, { body: {} });
          expect(res.status).toBeLessThan(500);
        },
      ),
      { numRuns: 200 },
    );
  });
});
