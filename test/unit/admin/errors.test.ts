/** Every error class of the admin API: status, code, a message naming the problem, and no write. */
import { StoreUnavailableError } from '../../../src/store/keyStore';
import { MAX_BODY_BYTES } from '../../../src/admin/body';
import { KNOWN_SCOPES } from '../../../src/routes';
import { harness, httpEvent, lambdaContext, MemoryKeyStore, NOW, validKey, type Harness, type Reply, type RequestOptions } from './support';

const MISSING = 'key_0123456789abcdef0123456789abcdef';

function expectError(res: Reply, status: number, code: string, message?: RegExp | string) {
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status, code });
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(typeof res.body.error.message).toBe('string');
  if (message) expect(res.body.error.message).toMatch(message);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
}

/** Runs a failing request and checks that the store saw no write at all. */
async function noWrite(h: Harness, run: () => Promise<Reply>): Promise<Reply> {
  const before = JSON.stringify([...h.store.records.entries()]);
  const events = h.store.audit.length;
  const writes = h.store.writes;
  const res = await run();
  expect(h.store.writes).toBe(writes);
  expect(h.store.audit).toHaveLength(events);
  expect(JSON.stringify([...h.store.records.entries()])).toBe(before);
  return res;
}

let h: Harness;
let keyId: string;
beforeEach(async () => {
  h = harness();
  keyId = (await h.call('POST', '/admin/keys', { body: validKey })).body.keyId;
});

describe('400: malformed JSON, wrong types, unknown fields, bad values', () => {
  it.each([
    ['truncated JSON', { body: '{"name": "a", "scopes": ["listen"]' }, /not valid JSON/],
    ['a trailing comma', { body: '{"name": "a",}' }, /not valid JSON \(at position \d+\)/],
    ['base64 of garbage', { body: 'not json at all', base64: true }, /not valid JSON/],
  ])('%s', async (_case, options: RequestOptions, message) => {
    expectError(await noWrite(h, () => h.call('POST', '/admin/keys', options)), 400, 'invalid_json', message);
  });

  it('invalid UTF-8', async () => {
    const event = { ...httpEvent('POST', '/admin/keys'), body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), isBase64Encoded: true };
    const out = await h.api(event, {} as never);
    expect(out.statusCode).toBe(400);
    expect(JSON.parse(out.body).error).toEqual({ code: 'invalid_json', message: 'request body is not valid UTF-8' });
  });

  it.each([
    ['an array body', [validKey], 'invalid_body', /JSON object, not an array/],
    ['a string body', '"hello"', 'invalid_body', /JSON object, not a string/],
    ['a null body', 'null', 'invalid_body', /not null/],
    ['an unknown field', { ...validKey, scope: 'listen' }, 'unknown_field', /unknown field "scope"; allowed: name, scopes, owner/],
    ['a missing name', { scopes: ['listen'] }, 'invalid_field', /^name: is required/],
    ['a missing scopes', { name: 'a' }, 'invalid_field', /^scopes: is required/],
    ['a numeric name', { ...validKey, name: 42 }, 'invalid_field', /name: must be a string, not a number/],
    ['a blank name', { ...validKey, name: '   ' }, 'invalid_field', /name: must not be empty/],
    ['a long name', { ...validKey, name: 'x'.repeat(129) }, 'invalid_field', /name: must be at most 128 characters \(got 129\)/],
    ['a name with a newline', { ...validKey, name: 'a\nb' }, 'invalid_field', /control characters/],
    ['scopes as a string', { ...validKey, scopes: 'listen' }, 'invalid_field', /scopes: must be an array/],
    ['empty scopes', { ...validKey, scopes: [] }, 'invalid_field', /at least one scope/],
    ['a scope outside the table', { ...validKey, scopes: ['listen', 'admin'] }, 'invalid_field', /unknown scope "admin"; valid scopes: listen, speak, models, all/],
    ['a non-string scope', { ...validKey, scopes: [1] }, 'invalid_field', /unknown scope 1/],
    ['an empty owner', { ...validKey, owner: '' }, 'invalid_field', /owner: must not be empty/],
    ['a long owner', { ...validKey, owner: 'o'.repeat(129) }, 'invalid_field', /owner: must be at most 128/],
    ['metadata as an array', { ...validKey, metadata: ['a'] }, 'invalid_field', /metadata: must be an object/],
    ['nested metadata', { ...validKey, metadata: { a: { b: 'c' } } }, 'invalid_field', /value of "a" must be a string, not a object \(metadata is flat\)/],
    ['numeric metadata', { ...validKey, metadata: { a: 1 } }, 'invalid_field', /value of "a" must be a string/],
    ['11 metadata entries', { ...validKey, metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, 'invalid_field', /at most 10 entries/],
    ['a long metadata key', { ...validKey, metadata: { ['k'.repeat(65)]: 'v' } }, 'invalid_field', /keys must be 1-64/],
    ['a long metadata value', { ...validKey, metadata: { k: 'v'.repeat(257) } }, 'invalid_field', /at most 256 characters/],
    ['expiry in the past', { ...validKey, expiresAt: '2027-03-01T11:59:59Z' }, 'invalid_field', /expiresAt: must be in the future \(now is 2027-03-01T12:00:00.000Z\)/],
    ['expiry right now', { ...validKey, expiresAt: '2027-03-01T12:00:00.900Z' }, 'invalid_field', /must be in the future/],
    ['epoch milliseconds as expiresAt', { ...validKey, expiresAt: NOW + 86_400_000 }, 'invalid_field', /not a number \(epoch seconds or milliseconds\?\)/],
    ['epoch milliseconds as a string', { ...validKey, expiresAt: String(NOW + 86_400_000) }, 'invalid_field', /epoch seconds or milliseconds/],
    ['epoch milliseconds as expiresInSeconds', { ...validKey, expiresInSeconds: NOW + 86_400_000 }, 'invalid_field', /looks like an epoch timestamp/],
    ['epoch seconds as expiresInSeconds', { ...validKey, expiresInSeconds: NOW / 1000 + 86_400 }, 'invalid_field', /looks like an epoch timestamp/],
    ['a date without a zone', { ...validKey, expiresAt: '2027-06-01T00:00:00' }, 'invalid_field', /ISO 8601 date-time with a time zone/],
    ['an impossible date', { ...validKey, expiresAt: '2027-02-30T00:00:00Z' }, 'invalid_field', /valid ISO 8601/],
    ['expiry beyond the maximum lifetime', { ...validKey, expiresAt: '2028-03-01T12:00:01Z' }, 'invalid_field', /maximum key lifetime of 365 days \(latest allowed: 2028-02-29T12:00:00.000Z\)/],
    ['expiresInSeconds beyond the maximum', { ...validKey, expiresInSeconds: 366 * 86400 }, 'invalid_field', /expiresInSeconds: is beyond the maximum key lifetime/],
    ['expiresInSeconds as a string', { ...validKey, expiresInSeconds: '3600' }, 'invalid_field', /integer number of seconds, not a string/],
    ['fractional expiresInSeconds', { ...validKey, expiresInSeconds: 1.5 }, 'invalid_field', /with a fraction/],
    ['zero expiresInSeconds', { ...validKey, expiresInSeconds: 0 }, 'invalid_field', /greater than 0/],
    ['both expiry forms', { ...validKey, expiresAt: '2027-06-01T00:00:00Z', expiresInSeconds: 60 }, 'invalid_field', /either expiresAt or expiresInSeconds, not both/],
    ['a null expiresAt on issue', { ...validKey, expiresAt: null }, 'invalid_field', /not null/],
  ])('POST /admin/keys with %s', async (_case, body, code, message) => {
    const res = await noWrite(h, () => h.call('POST', '/admin/keys', { body }));
    expectError(res, 400, code, message);
  });

  describe('metadata keys: a safe pattern, and never __proto__, constructor or prototype', () => {
    // Raw JSON: JSON.parse makes "__proto__" an own property, as it does for a real request.
    it.each([
      ['{"constructor":"y"}', /metadata: key "constructor" is reserved/],
      ['{"__proto__":"x"}', /metadata: key "__proto__" is reserved/],
      ['{"prototype":"x"}', /metadata: key "prototype" is reserved/],
      ['{"ok":"1","constructor":{"a":"b"}}', /key "constructor" is reserved/],
      ['{"has space":"x"}', /keys must be 1-64 characters from A-Z a-z 0-9 _ \. : - \(got "has space"\)/],
      ['{"a/b":"x"}', /keys must be 1-64 characters/],
      ['{"caf\u00e9":"x"}', /keys must be 1-64 characters/],
      ['{"":"x"}', /keys must be 1-64 characters/],
    ])('%s is a 400 invalid_field on issue and on PATCH, and writes nothing', async (metadata, message) => {
      const issue = await noWrite(h, () => h.call('POST', '/admin/keys', { body: `{"name":"p","scopes":["listen"],"metadata":${metadata}}` }));
      expectError(issue, 400, 'invalid_field', message);
      expect(issue.body.error.field).toBe('metadata');
      const patch = await noWrite(h, () => h.call('PATCH', `/admin/keys/${keyId}`, { body: `{"metadata":${metadata}}` }));
      expectError(patch, 400, 'invalid_field', message);
      expect(patch.body.error.field).toBe('metadata');
    });

    it('accepts keys made of letters, digits and _ . : -, up to 64 characters', async () => {
      const metadata = { 'team.name': 'a', 'cost-center:eu_1': 'b', ['k'.repeat(64)]: 'c', Constructor: 'd', proto: 'e' };
      const res = await h.call('POST', '/admin/keys', { body: { ...validKey, metadata } });
      expect(res.status).toBe(201);
      expect(res.body.metadata).toEqual(metadata);
    });
  });

  it('says which field is wrong in `field`', async () => {
    const res = await h.call('POST', '/admin/keys', { body: { ...validKey, scopes: ['nope'] } });
    expect(res.body.error.field).toBe('scopes');
    expect(res.body.error.message).toContain(KNOWN_SCOPES.join(', '));
  });

  it('requires a body on POST /admin/keys and PATCH', async () => {
    expectError(await h.call('POST', '/admin/keys'), 400, 'missing_body', /JSON object body is required/);
    expectError(await h.call('PATCH', `/admin/keys/${keyId}`), 400, 'missing_body');
    expectError(await h.call('PATCH', `/admin/keys/${keyId}`, { body: '  ' }), 400, 'missing_body');
  });

  it.each([
    [{}, 'empty_update', /nothing to update/],
    [{ owner: 'x' }, 'unknown_field', /unknown field "owner"/],
    [{ scopes: ['root'] }, 'invalid_field', /unknown scope "root"/],
    [{ expiresAt: '2020-01-01T00:00:00Z' }, 'invalid_field', /must be in the future/],
    [{ expiresAt: 1798761600000 }, 'invalid_field', /epoch seconds or milliseconds/],
    [{ expiresAt: null }, 'invalid_field', /cannot be removed: keys must expire within the maximum key lifetime of 365 days/],
    [{ name: 'ok', metadata: 'x' }, 'invalid_field', /metadata: must be an object/],
  ])('PATCH with %j', async (body, code, message) => {
    expectError(await noWrite(h, () => h.call('PATCH', `/admin/keys/${keyId}`, { body })), 400, code, message);
  });

  it.each([
    [{ gracePeriodSeconds: -1 }, /between 0 and 2592000/],
    [{ gracePeriodSeconds: 1.5 }, /integer number of seconds/],
    [{ gracePeriodSeconds: '60' }, /integer number of seconds, not a string/],
    [{ gracePeriodSeconds: NOW }, /looks like an epoch timestamp/],
    [{ grace: 60 }, /unknown field "grace"; allowed: gracePeriodSeconds, expiresAt, expiresInSeconds/],
    [[], /JSON object, not an array/],
  ])('rotate with %j', async (body, message) => {
    const res = await noWrite(h, () => h.call('POST', `/admin/keys/${keyId}/rotate`, { body }));
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('revoke takes no fields', async () => {
    const res = await noWrite(h, () => h.call('POST', `/admin/keys/${keyId}/revoke`, { body: { reason: 'x' } }));
    expectError(res, 400, 'unknown_field', /allowed: none/);
  });

  it.each([
    [{ limit: '0' }, 'invalid_parameter', /limit: must be an integer from 1 to 100/],
    [{ limit: '101' }, 'invalid_parameter', /limit/],
    [{ limit: 'ten' }, 'invalid_parameter', /limit/],
    [{ status: 'expired' }, 'invalid_parameter', /status: must be "active" or "revoked"/],
    [{ owner: '' }, 'invalid_field', /owner: must not be empty/],
    [{ cursor: '' }, 'invalid_cursor', /cursor/],
    [{ sort: 'asc' }, 'unknown_parameter', /unknown query parameter "sort"; allowed: owner, status, limit, cursor/],
  ])('GET /admin/keys?%j', async (query, code, message) => {
    expectError(await h.call('GET', '/admin/keys', { query }), 400, code, message);
  });
});

describe('404: unknown key ids and paths', () => {
  it.each([
    ['GET', ''],
    ['PATCH', ''],
    ['POST', '/revoke'],
    ['POST', '/rotate'],
    ['GET', '/events'],
  ])('%s /admin/keys/{unknown}%s', async (method, suffix) => {
    const body = method === 'PATCH' ? { name: 'x' } : undefined;
    const res = await noWrite(h, () => h.call(method, `/admin/keys/${MISSING}${suffix}`, { body }));
    expectError(res, 404, 'not_found', `key ${MISSING} not found`);
  });

  it.each(['nope', 'key_XYZ', `${'key_0123456789abcdef0123456789abcdef'}0`, 'KEY_0123456789ABCDEF0123456789ABCDEF'])(
    'a malformed key id (%s) is a 404 that does not echo it',
    async (bad) => {
      const res = await h.call('GET', `/admin/keys/${bad}`);
      expectError(res, 404, 'not_found', /key ids look like key_ followed by 32 hex digits/);
      expect(res.raw).not.toContain(bad);
    },
  );

  it.each(['/admin', '/admin/key', '/admin/keys/a/b/c', '/v1/listen', '/admin/keys/x/unrevoke'])('unknown path %s', async (path) => {
    expectError(await h.call('GET', path), 404, 'not_found', 'no such route');
  });
});

describe('405: wrong method on a known path, with Allow', () => {
  it.each([
    ['DELETE', '/admin/keys', 'POST, GET'],
    ['PUT', '/admin/keys', 'POST, GET'],
    ['DELETE', `/admin/keys/${MISSING}`, 'GET, PATCH'],
    ['POST', `/admin/keys/${MISSING}`, 'GET, PATCH'],
    ['GET', `/admin/keys/${MISSING}/revoke`, 'POST'],
    ['GET', `/admin/keys/${MISSING}/rotate`, 'POST'],
    ['POST', `/admin/keys/${MISSING}/events`, 'GET'],
    ['HEAD', '/admin/keys/', 'POST, GET'],
  ])('%s %s', async (method, path, allow) => {
    const res = await noWrite(h, () => h.call(method, path, { body: validKey }));
    expectError(res, 405, 'method_not_allowed', `allowed: ${allow}`);
    expect(res.headers.allow).toBe(allow);
  });
});

describe('409: conflicts', () => {
  it('PATCH and rotate refuse a revoked key', async () => {
    await h.call('POST', `/admin/keys/${keyId}/revoke`);
    const patch = await noWrite(h, () => h.call('PATCH', `/admin/keys/${keyId}`, { body: { name: 'x' } }));
    expectError(patch, 409, 'key_revoked', /is revoked and cannot be changed/);
    const rotate = await noWrite(h, () => h.call('POST', `/admin/keys/${keyId}/rotate`));
    expectError(rotate, 409, 'key_revoked', /cannot be rotated/);
  });

  it('a key is rotated once: a retried rotate does not mint a second successor', async () => {
    const first = await h.call('POST', `/admin/keys/${keyId}/rotate`);
    const again = await noWrite(h, () => h.call('POST', `/admin/keys/${keyId}/rotate`));
    expectError(again, 409, 'already_rotated', `rotated to ${first.body.keyId}`);
  });

  describe('a rotated key cannot outgrow its successor', () => {
    let successor: string;
    beforeEach(async () => {
      await h.call('PATCH', `/admin/keys/${keyId}`, { body: { scopes: ['listen', 'speak'] } });
      successor = (await h.call('POST', `/admin/keys/${keyId}/rotate`)).body.keyId; // old key: expires in 24 h
    });
    const refused = (field: string) => new RegExp(`key ${keyId} was rotated to ${successor}: .*${field}.*manage the successor ${successor} instead`);

    it.each([
      ['a year more', { expiresInSeconds: 364 * 86400 }, 'expiry'],
      ['one second more', { expiresInSeconds: 86400 + 1 }, 'expiry'],
      ['a later expiresAt', { expiresAt: '2027-03-05T00:00:00Z' }, 'expiry'],
      ['wider scopes', { scopes: ['all'] }, 'scopes'],
      ['other scopes', { scopes: ['speak'] }, 'scopes'],
      ['narrower scopes', { scopes: ['listen'] }, 'scopes'],
      ['a rename with wider scopes', { name: 'x', scopes: ['listen', 'all'] }, 'scopes'],
    ])('PATCH with %s is a 409 already_rotated naming the successor, and writes nothing', async (_case, body, field) => {
      const res = await noWrite(h, () => h.call('PATCH', `/admin/keys/${keyId}`, { body }));
      expectError(res, 409, 'already_rotated', refused(field));
      expect(res.body.error.message).toContain(successor);
    });

    it('removing the expiry (where keys may live forever) is refused too', async () => {
      const unbounded = harness({ maxLifetimeDays: 0 });
      const id = (await unbounded.call('POST', '/admin/keys', { body: validKey })).body.keyId;
      await unbounded.call('POST', `/admin/keys/${id}/rotate`);
      const res = await noWrite(unbounded, () => unbounded.call('PATCH', `/admin/keys/${id}`, { body: { expiresAt: null } }));
      expectError(res, 409, 'already_rotated', /expiry/);
    });

    it('name and metadata changes, a shorter expiry and the same scopes (in any order) are still allowed', async () => {
      const before = (await h.call('GET', `/admin/keys/${keyId}`)).body;
      const res = await h.call('PATCH', `/admin/keys/${keyId}`, {
        body: { name: 'retiring', metadata: { note: 'rotated' }, scopes: ['speak', 'listen'], expiresInSeconds: 3600 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'retiring', metadata: { note: 'rotated' }, rotatedTo: successor });
      expect([...res.body.scopes].sort()).toEqual(['listen', 'speak']);
      expect(Date.parse(res.body.expiresAt)).toBe(NOW + 3600_000);
      expect(Date.parse(res.body.expiresAt)).toBeLessThan(Date.parse(before.expiresAt));
      // The same expiry again is no change (and no write).
      const again = await noWrite(h, () => h.call('PATCH', `/admin/keys/${keyId}`, { body: { expiresAt: res.body.expiresAt } }));
      expect(again.status).toBe(200);
    });

    it('the successor itself stays fully manageable', async () => {
      const res = await h.call('PATCH', `/admin/keys/${successor}`, { body: { scopes: ['all'], expiresInSeconds: 364 * 86400 } });
      expect(res.status).toBe(200);
    });
  });

  it('a write racing another change is refused, not applied on stale data', async () => {
    const store = new MemoryKeyStore();
    const raced = harness({}, store);
    const id = (await raced.call('POST', '/admin/keys', { body: validKey })).body.keyId;
    const load = store.load.bind(store);
    jest.spyOn(store, 'load').mockImplementationOnce(async (k) => {
      const seen = await load(k);
      await raced.call('PATCH', `/admin/keys/${id}`, { body: { name: 'concurrent' } });
      return seen;
    });
    const res = await raced.call('PATCH', `/admin/keys/${id}`, { body: { scopes: ['speak'] } });
    expectError(res, 409, 'concurrent_change');
    expect(await store.get(id)).toMatchObject({ name: 'concurrent', scopes: ['listen'] });
  });

  it('two key id collisions in a row are a 409 and write nothing', async () => {
    const { generateKey } = jest.requireActual('../../../src/keys/token');
    const fixed = generateKey('kg');
    const c = harness({ generateKey: () => fixed });
    expect((await c.call('POST', '/admin/keys', { body: validKey })).status).toBe(201);
    expectError(await noWrite(c, () => c.call('POST', '/admin/keys', { body: validKey })), 409, 'key_id_collision');
  });
});

describe('413 and 415', () => {
  it('refuses a body over 16 KB, saying the limit, also base64-encoded', async () => {
    const big = JSON.stringify({ ...validKey, metadata: { a: 'x'.repeat(MAX_BODY_BYTES) } });
    for (const base64 of [false, true]) {
      const res = await noWrite(h, () => h.call('POST', '/admin/keys', { body: big, base64 }));
      expectError(res, 413, 'payload_too_large', /the limit is 16384 bytes \(16 KB\)/);
    }
  });

  it('counts bytes, not characters', async () => {
    const body = JSON.stringify({ ...validKey, metadata: { a: 'é'.repeat(MAX_BODY_BYTES / 2) } });
    expect(body.length).toBeLessThan(MAX_BODY_BYTES * 1.1);
    expectError(await h.call('POST', '/admin/keys', { body }), 413, 'payload_too_large');
  });

  it('accepts a body just under the limit (and then validates it)', async () => {
    const body = JSON.stringify({ ...validKey, metadata: { a: 'x'.repeat(MAX_BODY_BYTES - 200) } });
    expectError(await h.call('POST', '/admin/keys', { body }), 400, 'invalid_field', /at most 256/);
  });

  it.each([
    ['text/plain'],
    ['application/x-www-form-urlencoded'],
    ['multipart/form-data; boundary=x'],
    ['application/json; charset=latin1'],
    ['application/jsonp'],
  ])('refuses a %s body with 415', async (type) => {
    const res = await noWrite(h, () => h.call('POST', '/admin/keys', { body: validKey, headers: { 'Content-Type': type } }));
    expectError(res, 415, 'unsupported_media_type', /content-type must be application\/json/);
  });

  it('refuses a body without a content type with 415', async () => {
    const event = httpEvent('POST', '/admin/keys', { body: validKey });
    const res = await h.api({ ...event, headers: {} }, {} as never);
    expect(res.statusCode).toBe(415);
    expect(JSON.parse(res.body).error.message).toMatch(/not missing/);
  });
});

describe('5xx: failures without internals', () => {
  it('a store outage is a 503 with the request id and no write', async () => {
    jest.spyOn(h.store, 'load').mockRejectedValueOnce(new StoreUnavailableError('key store unavailable: TimeoutError'));
    const res = await h.call('POST', `/admin/keys/${keyId}/revoke`);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: { code: 'store_unavailable', message: expect.stringMatching(/nothing was changed/), requestId: 'apigw-req-1' },
    });
    expect(res.raw).not.toContain('TimeoutError');
    expect((await h.store.get(keyId))?.status).toBe('active');
  });

  it('an unexpected error is a 500 {code: internal} with the request id, no stack, no message', async () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'secretThing')");
    jest.spyOn(h.store, 'list').mockRejectedValueOnce(error);
    const res = await h.call('GET', '/admin/keys');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'internal error', requestId: 'apigw-req-1' } });
    expect(res.raw).not.toMatch(/secretThing|TypeError|at .*\.ts/);
    expect(h.logs.some((line) => line.includes('"level":"error"') && line.includes('apigw-req-1'))).toBe(true);
  });

  it('falls back to the Lambda request id', async () => {
    jest.spyOn(h.store, 'get').mockRejectedValueOnce(new Error('boom'));
    const event = httpEvent('GET', `/admin/keys/${MISSING}/events`);
    delete (event.requestContext as { requestId?: string }).requestId;
    const res = await h.api(event, lambdaContext);
    expect(JSON.parse(res.body).error.requestId).toBe('lambda-req-1');
  });
});
