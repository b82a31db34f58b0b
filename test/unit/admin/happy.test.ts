/** Each admin route doing its job (in-memory store, fixed clock). */
import { hashKey, isWellFormedKey, keyIdFromHash } from '../../../src/keys/token';
import { ADMIN_ARN, harness, NOW, NOW_S, validKey, type RequestOptions } from './support';

const DAY = 86400;

describe('POST /admin/keys', () => {
  it('issues a key: 201, the key once, only its hash stored, createdBy from IAM, audit entry', async () => {
    const { call, store } = harness();
    const res = await call('POST', '/admin/keys', {
      body: { name: '  transcriber ', scopes: ['listen', 'speak', 'listen'], owner: 'acme', expiresInSeconds: 3600, metadata: { team: 'speech' } },
    });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const { key, keyId } = res.body;
    expect(isWellFormedKey(key)).toBe(true);
    expect(key.startsWith('kg_')).toBe(true);
    expect(keyId).toBe(keyIdFromHash(hashKey(key)));
    expect(res.body).toEqual({
      keyId,
      key,
      start: `${key.slice(0, 9)}...`,
      name: 'transcriber',
      owner: 'acme',
      scopes: ['listen', 'speak'],
      status: 'active',
      createdAt: new Date(NOW).toISOString(),
      createdBy: ADMIN_ARN,
      updatedAt: null,
      expiresAt: new Date(NOW + 3600_000).toISOString(),
      notBefore: null,
      revokedAt: null,
      revokedBy: null,
      rotatedFrom: null,
      rotatedTo: null,
      metadata: { team: 'speech' },
    });
    const stored = await store.get(keyId);
    expect(stored?.hash).toBe(hashKey(key));
    expect(stored?.expiresAt).toBe(NOW_S + 3600);
    expect(JSON.stringify(stored)).not.toContain(key);
    expect(store.audit).toEqual([
      expect.objectContaining({
        keyId,
        action: 'create',
        actor: ADMIN_ARN,
        requestId: 'apigw-req-1',
        changes: {
          name: { to: 'transcriber' },
          owner: { to: 'acme' },
          scopes: { to: ['listen', 'speak'] },
          status: { to: 'active' },
          expiresAt: { to: new Date(NOW + 3600_000).toISOString() },
          metadata: { to: { team: 'speech' } },
        },
      }),
    ]);
  });

  it('takes an ISO 8601 expiresAt (any zone) and stores epoch seconds', async () => {
    const { call, store } = harness();
    const res = await call('POST', '/admin/keys', { body: { ...validKey, expiresAt: '2027-03-02T14:00:00+02:00' } });
    expect(res.status).toBe(201);
    expect(res.body.expiresAt).toBe('2027-03-02T12:00:00.000Z');
    expect((await store.get(res.body.keyId))?.expiresAt).toBe(NOW_S + DAY);
  });

  it('gives a key without an expiry the maximum lifetime (365 days by default)', async () => {
    const res = await harness().call('POST', '/admin/keys', { body: validKey });
    expect(res.body.expiresAt).toBe(new Date(NOW + 365 * DAY * 1000).toISOString());
    expect(res.body.owner).toBeNull();
    expect(res.body.metadata).toEqual({});
  });

  it('allows keys that never expire when the maximum lifetime is 0', async () => {
    const { call, store } = harness({ maxLifetimeDays: 0 });
    const res = await call('POST', '/admin/keys', { body: validKey });
    expect(res.body.expiresAt).toBeNull();
    expect((await store.get(res.body.keyId))?.expiresAt).toBeUndefined();
  });

  it('uses the configured prefix and records the fallback actor without an IAM identity', async () => {
    const { call } = harness({ prefix: 'dg', actorFallback: 'local-admin' });
    const res = await call('POST', '/admin/keys', { body: validKey, userArn: null });
    expect(res.body.key.startsWith('dg_')).toBe(true);
    expect(res.body.createdBy).toBe('local-admin');
  });

  it('accepts a base64 body, a BOM, surrounding whitespace and a charset parameter', async () => {
    const { call } = harness();
    const text = `\uFEFF \n\t${JSON.stringify(validKey)}\n `;
    const cases: RequestOptions[] = [
      { body: text, base64: true },
      { body: text },
      { body: JSON.stringify(validKey), headers: { 'content-type': 'application/json; charset=UTF-8' } },
      { body: JSON.stringify(validKey), headers: { 'CONTENT-TYPE': 'application/vnd.keygate+json' } },
    ];
    for (const options of cases) {
      const res = await call('POST', '/admin/keys', options);
      expect(res.status).toBe(201);
      expect(res.body.name).toBe('transcriber');
    }
  });

  it('retries once with a new key when the key id collides', async () => {
    const { generateKey } = jest.requireActual('../../../src/keys/token');
    const first = generateKey('kg');
    const keys = [first, first, generateKey('kg')];
    const { call } = harness({ generateKey: () => keys.shift() });
    expect((await call('POST', '/admin/keys', { body: validKey })).status).toBe(201);
    const second = await call('POST', '/admin/keys', { body: validKey });
    expect(second.status).toBe(201);
    expect(second.body.key).not.toBe(first);
    expect(keys).toHaveLength(0);
  });
});

describe('GET /admin/keys', () => {
  async function seed() {
    const h = harness();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      h.clock.now = NOW + i * 1000;
      const res = await h.call('POST', '/admin/keys', { body: { ...validKey, name: `k${i}`, owner: i % 2 ? 'odd' : 'even' } });
      ids.push(res.body.keyId);
    }
    await h.call('POST', `/admin/keys/${ids[4]}/revoke`);
    return { ...h, ids };
  }

  it('lists newest first with a cursor, without key or hash', async () => {
    const { call, ids } = await seed();
    const first = await call('GET', '/admin/keys', { query: { limit: '3' } });
    expect(first.status).toBe(200);
    expect(first.body.items.map((k: { name: string }) => k.name)).toEqual(['k4', 'k3', 'k2']);
    expect(first.body.items[0]).not.toHaveProperty('key');
    expect(first.body.items[0]).not.toHaveProperty('hash');
    const second = await call('GET', '/admin/keys', { query: { limit: '3', cursor: first.body.nextCursor } });
    expect(second.body.items.map((k: { keyId: string }) => k.keyId)).toEqual([ids[1], ids[0]]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('filters by owner and status', async () => {
    const { call } = await seed();
    const even = await call('GET', '/admin/keys', { query: { owner: 'even' } });
    expect(even.body.items.map((k: { name: string }) => k.name)).toEqual(['k4', 'k2', 'k0']);
    const revoked = await call('GET', '/admin/keys', { query: { status: 'revoked' } });
    expect(revoked.body.items.map((k: { name: string }) => k.name)).toEqual(['k4']);
    const both = await call('GET', '/admin/keys', { query: { owner: 'even', status: 'active' } });
    expect(both.body.items.map((k: { name: string }) => k.name)).toEqual(['k2', 'k0']);
  });
});

describe('GET /admin/keys/{keyId}', () => {
  it('shows one record', async () => {
    const { call } = harness();
    const { body: issued } = await call('POST', '/admin/keys', { body: validKey });
    const res = await call('GET', `/admin/keys/${issued.keyId}`);
    expect(res.status).toBe(200);
    const { key: _key, ...withoutKey } = issued;
    expect(res.body).toEqual(withoutKey);
  });
});

describe('PATCH /admin/keys/{keyId}', () => {
  it('changes name, scopes, expiry and metadata, with an audit entry of the changed fields', async () => {
    const h = harness();
    const { body: issued } = await h.call('POST', '/admin/keys', { body: { ...validKey, metadata: { a: '1' } } });
    h.clock.now = NOW + 60_000;
    const res = await h.call('PATCH', `/admin/keys/${issued.keyId}`, {
      body: { name: 'renamed', scopes: ['models', 'listen'], expiresInSeconds: DAY, metadata: { b: '2' } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'renamed',
      scopes: ['models', 'listen'],
      expiresAt: new Date(NOW + 60_000 + DAY * 1000).toISOString(),
      metadata: { b: '2' },
      updatedAt: new Date(NOW + 60_000).toISOString(),
      createdAt: issued.createdAt,
    });
    expect(await h.store.get(issued.keyId)).toMatchObject({ name: 'renamed', expiresAt: NOW_S + 60 + DAY });
    const event = h.store.audit[1];
    expect(event).toMatchObject({ action: 'update', actor: ADMIN_ARN, keyId: issued.keyId });
    expect(event.changes).toEqual({
      name: { from: 'transcriber', to: 'renamed' },
      scopes: { from: ['listen'], to: ['models', 'listen'] },
      expiresAt: { from: issued.expiresAt, to: res.body.expiresAt },
      metadata: { from: { a: '1' }, to: { b: '2' } },
    });
  });

  it('clears metadata with null, and removes the expiry only where keys may live forever', async () => {
    const h = harness({ maxLifetimeDays: 0 });
    const { body: issued } = await h.call('POST', '/admin/keys', { body: { ...validKey, metadata: { a: '1' }, expiresInSeconds: 60 } });
    const res = await h.call('PATCH', `/admin/keys/${issued.keyId}`, { body: { metadata: null, expiresAt: null } });
    expect(res.status).toBe(200);
    expect(res.body.metadata).toEqual({});
    expect(res.body.expiresAt).toBeNull();
    const stored = await h.store.get(issued.keyId);
    expect(stored).not.toHaveProperty('metadata');
    expect(stored).not.toHaveProperty('expiresAt');
  });

  it('writes nothing when nothing changes', async () => {
    const h = harness();
    const { body: issued } = await h.call('POST', '/admin/keys', { body: validKey });
    const writes = h.store.writes;
    const res = await h.call('PATCH', `/admin/keys/${issued.keyId}`, { body: { name: 'transcriber', scopes: ['listen'] } });
    expect(res.status).toBe(200);
    expect(res.body.updatedAt).toBeNull();
    expect(h.store.writes).toBe(writes);
    expect(h.store.audit).toHaveLength(1);
  });
});

describe('POST /admin/keys/{keyId}/revoke', () => {
  it('revokes, records who and when, and is idempotent', async () => {
    const h = harness();
    const { body: issued } = await h.call('POST', '/admin/keys', { body: validKey });
    h.clock.now = NOW + 5000;
    const first = await h.call('POST', `/admin/keys/${issued.keyId}/revoke`, { headers: { 'content-type': 'text/plain' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'revoked', revokedAt: new Date(NOW + 5000).toISOString(), revokedBy: ADMIN_ARN });
    h.clock.now = NOW + 9000;
    const second = await h.call('POST', `/admin/keys/${issued.keyId}/revoke`, { body: {}, userArn: 'arn:aws:iam::123456789012:user/bob' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(h.store.audit.map((e) => e.action)).toEqual(['create', 'revoke']);
    expect(h.store.audit[1].changes).toEqual({
      status: { from: 'active', to: 'revoked' },
      revokedAt: { to: first.body.revokedAt },
      revokedBy: { to: ADMIN_ARN },
    });
  });
});

describe('POST /admin/keys/{keyId}/rotate', () => {
  it('issues a successor with the same owner/scopes/metadata; the old key expires after the default 24 h', async () => {
    const h = harness();
    const { body: old } = await h.call('POST', '/admin/keys', {
      body: { ...validKey, owner: 'acme', scopes: ['speak', 'models'], metadata: { env: 'prod' }, expiresInSeconds: 30 * DAY },
    });
    h.clock.now = NOW + 10 * DAY * 1000;
    const res = await h.call('POST', `/admin/keys/${old.keyId}/rotate`);
    expect(res.status).toBe(201);
    expect(isWellFormedKey(res.body.key)).toBe(true);
    expect(res.body.key).not.toBe(old.key);
    expect(res.body).toMatchObject({
      name: old.name,
      owner: 'acme',
      scopes: ['speak', 'models'],
      metadata: { env: 'prod' },
      status: 'active',
      rotatedFrom: old.keyId,
      // Same 30-day lifetime as the old key, from now.
      expiresAt: new Date(NOW + 40 * DAY * 1000).toISOString(),
    });
    const retired = await h.store.get(old.keyId);
    expect(retired).toMatchObject({ rotatedTo: res.body.keyId, status: 'active', expiresAt: NOW_S + 11 * DAY });
    const [, rotate, create] = h.store.audit;
    expect(rotate).toMatchObject({ keyId: old.keyId, action: 'rotate', relatedKeyId: res.body.keyId });
    expect(rotate.changes).toEqual({
      expiresAt: { from: old.expiresAt, to: new Date((NOW_S + 11 * DAY) * 1000).toISOString() },
      rotatedTo: { to: res.body.keyId },
    });
    expect(create).toMatchObject({ keyId: res.body.keyId, action: 'create', relatedKeyId: old.keyId });
  });

  it('never extends the old key: grace is capped by its own expiry; 0 means now', async () => {
    const h = harness();
    const { body: short } = await h.call('POST', '/admin/keys', { body: { ...validKey, expiresInSeconds: 600 } });
    await h.call('POST', `/admin/keys/${short.keyId}/rotate`, { body: { gracePeriodSeconds: 3600 } });
    expect((await h.store.get(short.keyId))?.expiresAt).toBe(NOW_S + 600);

    const { body: other } = await h.call('POST', '/admin/keys', { body: validKey });
    const res = await h.call('POST', `/admin/keys/${other.keyId}/rotate`, { body: { gracePeriodSeconds: 0, expiresInSeconds: 7 * DAY } });
    expect((await h.store.get(other.keyId))?.expiresAt).toBe(NOW_S);
    expect(res.body.expiresAt).toBe(new Date(NOW + 7 * DAY * 1000).toISOString());
  });
});

describe('GET /admin/keys/{keyId}/events', () => {
  it('returns the audit trail, oldest first', async () => {
    const h = harness();
    const { body: issued } = await h.call('POST', '/admin/keys', { body: validKey });
    await h.call('PATCH', `/admin/keys/${issued.keyId}`, { body: { name: 'n2' } });
    await h.call('POST', `/admin/keys/${issued.keyId}/revoke`);
    const res = await h.call('GET', `/admin/keys/${issued.keyId}/events`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { action: string }) => e.action)).toEqual(['create', 'update', 'revoke']);
    expect(res.body.items[1]).toEqual({
      eventId: expect.stringMatching(/^event#/),
      keyId: issued.keyId,
      action: 'update',
      at: new Date(NOW).toISOString(),
      actor: ADMIN_ARN,
      requestId: 'apigw-req-1',
      relatedKeyId: null,
      changes: { name: { from: 'transcriber', to: 'n2' } },
    });
  });

  it('answers an empty list for a key with no recorded history', async () => {
    const h = harness();
    const { record } = (await import('../../support/fixtures')).issued();
    await h.store.create(record);
    const res = await h.call('GET', `/admin/keys/${record.keyId}/events`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });
});
