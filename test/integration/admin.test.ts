/**
 * The admin API against DynamoDB Local (started by globalSetup), with the real authorizer handler
 * reading the same table: what an operator does, and what a client then experiences.
 */
import { ScanCommand, QueryCommand as RawQuery } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { handler as authorizerHandler, resetForTests as resetAuthorizer } from '../../src/authorizer/handler';
import { handler as adminHandler, resetForTests as resetAdmin } from '../../src/admin/handler';
import { createAdminApi } from '../../src/admin/api';
import type { AdminOptions } from '../../src/admin/deps';
import { DynamoKeyStore } from '../../src/store/dynamoKeyStore';
import { createDocumentClient } from '../../src/store/client';
import { ConflictError, StoreUnavailableError } from '../../src/store/keyStore';
import { generateKey } from '../../src/keys/token';
import { createLogger } from '../../src/lib/log';
import type { AuthorizerPolicy } from '../../src/keys/policy';
import { eventV2, issued } from '../support/fixtures';
import { freshTable } from '../support/dynamo';
import { httpEvent, lambdaContext, type RequestOptions } from '../unit/admin/support';

type Table = Awaited<ReturnType<typeof freshTable>>;
const silent = createLogger('test', 'error', () => undefined);

function setup(table: Table, options: Partial<AdminOptions> = {}) {
  const store = new DynamoKeyStore(createDocumentClient({ endpoint: table.endpoint, region: 'local' }), table.name);
  const clock = { now: Date.now() };
  const api = createAdminApi({ store, now: () => clock.now, log: silent, ...options });
  const call = async (method: string, path: string, opts?: RequestOptions) => {
    const res = await api(httpEvent(method, path, opts), lambdaContext);
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };
  return { store, clock, call };
}

/** Every item of the table, raw (as DynamoDB holds them). */
async function allItems(table: Table) {
  const { Items = [] } = await table.client.send(new ScanCommand({ TableName: table.name, ConsistentRead: true }));
  return Items.map((item) => unmarshall(item)).sort((a, b) => `${a.keyId}${a.sk}`.localeCompare(`${b.keyId}${b.sk}`));
}

async function authorize(key: string): Promise<AuthorizerPolicy> {
  return (await authorizerHandler(eventV2({ 'x-api-key': key }) as never, {} as Context)) as AuthorizerPolicy;
}
const effect = (policy: AuthorizerPolicy) => policy.policyDocument.Statement[0].Effect;

let table: Table;
let admin: ReturnType<typeof setup>;

beforeAll(async () => {
  table = await freshTable('admin');
  process.env.KEYS_TABLE = table.name;
  process.env.DYNAMODB_ENDPOINT = table.endpoint;
  process.env.MEMORY_CACHE_TTL = '0'; // each authorization reads DynamoDB: revocation is seen at once
  admin = setup(table);
});
afterAll(async () => {
  await table.drop();
  for (const name of ['KEYS_TABLE', 'DYNAMODB_ENDPOINT', 'MEMORY_CACHE_TTL']) delete process.env[name];
});
beforeEach(() => {
  resetAuthorizer();
  resetAdmin();
  admin.clock.now = Date.now();
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());

it('issue → the authorizer allows the key → revoke → the authorizer denies it', async () => {
  const issuedKey = await admin.call('POST', '/admin/keys', { body: { name: 'client', scopes: ['listen', 'speak'], owner: 'acme' } });
  expect(issuedKey.status).toBe(201);
  const allowed = await authorize(issuedKey.body.key);
  expect(effect(allowed)).toBe('Allow');
  expect(allowed.context).toEqual({ keyId: issuedKey.body.keyId, owner: 'acme', scopes: 'listen speak' });

  const revoked = await admin.call('POST', `/admin/keys/${issuedKey.body.keyId}/revoke`);
  expect(revoked.body.status).toBe('revoked');
  const denied = await authorize(issuedKey.body.key);
  expect(effect(denied)).toBe('Deny');
  expect(denied.context).toMatchObject({ reason: 'revoked' });
});

it('reads its own writes: create, then at once show, update, revoke, and revoke again', async () => {
  const created = await admin.call('POST', '/admin/keys', { body: { name: 'rw', scopes: ['models'] } });
  const id = created.body.keyId;
  expect((await admin.call('GET', `/admin/keys/${id}`)).body.name).toBe('rw');
  expect((await admin.call('PATCH', `/admin/keys/${id}`, { body: { name: 'rw2' } })).body.name).toBe('rw2');
  const first = await admin.call('POST', `/admin/keys/${id}/revoke`);
  expect(first.status).toBe(200);
  admin.clock.now += 60_000;
  const second = await admin.call('POST', `/admin/keys/${id}/revoke`);
  expect(second.body).toEqual(first.body);
  expect((await admin.call('GET', `/admin/keys/${id}`)).body).toEqual(first.body);

  // The stored record has a TTL: revocation + 90 days; its audit entries have their own.
  const items = (await allItems(table)).filter((item) => item.keyId === id);
  const record = items.find((item) => item.sk === 'key')!;
  expect(record.ttl).toBe(Math.floor(Date.parse(first.body.revokedAt) / 1000) + 90 * 86400);
  const events = items.filter((item) => item.sk.startsWith('event#'));
  expect(events.map((e) => e.action)).toEqual(['create', 'update', 'revoke']);
  for (const event of events) {
    expect(event.ttl).toBe(Math.floor(Date.parse(event.at) / 1000) + 400 * 86400);
    expect(event).not.toHaveProperty('owner');
    expect(event).not.toHaveProperty('listPartition');
    expect(event).not.toHaveProperty('hash');
  }
});

it('rotate: both keys work inside the grace period, only the new one after it', async () => {
  const start = Date.now();
  admin.clock.now = start;
  const old = await admin.call('POST', '/admin/keys', { body: { name: 'rotating', scopes: ['listen'], expiresInSeconds: 30 * 86400 } });
  const rotated = await admin.call('POST', `/admin/keys/${old.body.keyId}/rotate`, { body: { gracePeriodSeconds: 3600 } });
  expect(rotated.status).toBe(201);
  expect(rotated.body.rotatedFrom).toBe(old.body.keyId);
  expect((await admin.call('GET', `/admin/keys/${old.body.keyId}`)).body.rotatedTo).toBe(rotated.body.keyId);

  const now = jest.spyOn(Date, 'now');
  now.mockReturnValue(start + 1800_000); // half-way through the grace period
  expect(effect(await authorize(old.body.key))).toBe('Allow');
  expect(effect(await authorize(rotated.body.key))).toBe('Allow');

  now.mockReturnValue(start + 3600_000 + 1000); // just after it
  const oldPolicy = await authorize(old.body.key);
  expect(effect(oldPolicy)).toBe('Deny');
  expect(oldPolicy.context).toMatchObject({ reason: 'expired' });
  expect(effect(await authorize(rotated.body.key))).toBe('Allow');
});

it('rotate with grace 0 retires the old key at once', async () => {
  const old = await admin.call('POST', '/admin/keys', { body: { name: 'now', scopes: ['speak'] } });
  const next = await admin.call('POST', `/admin/keys/${old.body.keyId}/rotate`, { body: { gracePeriodSeconds: 0 } });
  jest.spyOn(Date, 'now').mockReturnValue(admin.clock.now + 1000);
  expect(effect(await authorize(old.body.key))).toBe('Deny');
  expect(effect(await authorize(next.body.key))).toBe('Allow');
});

describe('input the DynamoDB marshaller cannot take is refused before any write', () => {
  it.each(['{"constructor":"y"}', '{"__proto__":"x"}', '{"prototype":"x"}'])(
    'metadata %s: 400 invalid_field on issue and PATCH (not a 503), and the table is unchanged',
    async (metadata) => {
      const key = await admin.call('POST', '/admin/keys', { body: { name: 'meta', scopes: ['listen'] } });
      const before = await allItems(table);
      const issue = await admin.call('POST', '/admin/keys', { body: `{"name":"p","scopes":["listen"],"metadata":${metadata}}` });
      expect({ status: issue.status, code: issue.body.error?.code, field: issue.body.error?.field }).toEqual({
        status: 400, code: 'invalid_field', field: 'metadata',
      });
      const patch = await admin.call('PATCH', `/admin/keys/${key.body.keyId}`, { body: `{"metadata":${metadata}}` });
      expect({ status: patch.status, code: patch.body.error?.code }).toEqual({ status: 400, code: 'invalid_field' });
      expect(await allItems(table)).toEqual(before);
    },
  );

  it('a record the marshaller rejects is a local bug (plain error → 500), not a store outage (503)', async () => {
    const { record } = issued({ metadata: JSON.parse('{"constructor":"y"}') });
    const error = await admin.store.write({ create: record, events: [] }).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toMatch(/Unsupported type/);
  });

  it('DynamoDB unreachable is still a 503 store_unavailable', async () => {
    const unreachable = new DynamoKeyStore(
      createDocumentClient({ endpoint: 'http://127.0.0.1:9', region: 'local', maxAttempts: 1 }), // discard port: refused
      table.name,
    );
    const api = createAdminApi({ store: unreachable, log: silent });
    const res = await api(httpEvent('POST', '/admin/keys', { body: { name: 'down', scopes: ['listen'] } }), lambdaContext);
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body).error.code).toBe('store_unavailable');
  });
});

it('PATCH cannot undo a rotation: no longer expiry, no other scopes on the retired key; nothing written', async () => {
  const old = await admin.call('POST', '/admin/keys', { body: { name: 'retire', scopes: ['listen'], expiresInSeconds: 30 * 86400 } });
  const next = await admin.call('POST', `/admin/keys/${old.body.keyId}/rotate`);
  const before = await allItems(table);
  for (const body of [{ expiresInSeconds: 31449600 }, { scopes: ['all'] }]) {
    const res = await admin.call('PATCH', `/admin/keys/${old.body.keyId}`, { body });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('already_rotated');
    expect(res.body.error.message).toContain(next.body.keyId);
  }
  expect(await allItems(table)).toEqual(before);
  const shorter = await admin.call('PATCH', `/admin/keys/${old.body.keyId}`, { body: { name: 'retiring', expiresInSeconds: 60 } });
  expect(shorter.status).toBe(200);
  jest.spyOn(Date, 'now').mockReturnValue(admin.clock.now + 61_000);
  expect(effect(await authorize(old.body.key))).toBe('Deny');
  expect(effect(await authorize(next.body.key))).toBe('Allow');
});

describe('a failed transaction leaves nothing half-written', () => {
  it('rotate while the old key is revoked concurrently: no new key, no audit entry, old key as revoked', async () => {
    const old = await admin.call('POST', '/admin/keys', { body: { name: 'race', scopes: ['listen'] } });
    const load = admin.store.load.bind(admin.store);
    jest.spyOn(admin.store, 'load').mockImplementationOnce(async (keyId) => {
      const seen = await load(keyId); // rotate reads the active key...
      await admin.call('POST', `/admin/keys/${keyId}/revoke`); // ...another operator revokes it...
      return seen;
    });
    const before = await allItems(table);
    const afterRevoke = (items: Record<string, any>[]) => items.filter((i) => !(i.keyId === old.body.keyId && i.action === 'revoke'));

    const res = await admin.call('POST', `/admin/keys/${old.body.keyId}/rotate`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('key_revoked');
    const after = await allItems(table);
    // Exactly one new item: the concurrent revoke's audit entry. The rest is as before, revoke aside.
    expect(after).toHaveLength(before.length + 1);
    expect(afterRevoke(after).filter((i) => i.sk !== 'key' || i.keyId !== old.body.keyId)).toEqual(
      before.filter((i) => i.sk !== 'key' || i.keyId !== old.body.keyId),
    );
    const record = after.find((i) => i.keyId === old.body.keyId && i.sk === 'key')!;
    expect(record.status).toBe('revoked');
    expect(record).not.toHaveProperty('rotatedTo');
    expect(record.expiresAt).toBe(Date.parse(old.body.expiresAt) / 1000);
  });

  it('rotate whose new key id is taken: nothing written at all, neither key changed', async () => {
    const taken = generateKey('kg');
    const collide = setup(table, { generateKey: () => taken });
    const first = await collide.call('POST', '/admin/keys', { body: { name: 'owner of the id', scopes: ['listen'] } });
    expect(first.body.key).toBe(taken);
    const victim = await admin.call('POST', '/admin/keys', { body: { name: 'to rotate', scopes: ['speak'] } });
    const before = await allItems(table);

    const res = await collide.call('POST', `/admin/keys/${victim.body.keyId}/rotate`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('key_id_collision');
    expect(await allItems(table)).toEqual(before);
  });

  it('a write on a stale read is refused by DynamoDB itself', async () => {
    const created = await admin.call('POST', '/admin/keys', { body: { name: 'stale', scopes: ['listen'] } });
    const stale = (await admin.store.load(created.body.keyId))!;
    await admin.call('PATCH', `/admin/keys/${created.body.keyId}`, { body: { name: 'fresh' } });
    const before = await allItems(table);
    const error = await admin.store
      .write({
        replace: { previous: stale, next: { ...stale.record, scopes: ['all'] } },
        events: [{ keyId: created.body.keyId, action: 'update', at: new Date().toISOString(), actor: 'x' }],
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.code).toBe('concurrent_change');
    expect(await allItems(table)).toEqual(before);
  });
});

it('keeps an audit trail readable after each change', async () => {
  const events = async (id: string) => (await admin.call('GET', `/admin/keys/${id}/events`)).body.items;
  const key = await admin.call('POST', '/admin/keys', { body: { name: 'audited', scopes: ['listen'], owner: 'audit-team' } });
  const id = key.body.keyId;
  expect((await events(id)).map((e: any) => e.action)).toEqual(['create']);
  await admin.call('PATCH', `/admin/keys/${id}`, { body: { scopes: ['listen', 'speak'] } });
  expect((await events(id)).map((e: any) => [e.action, e.changes])).toEqual([
    ['create', expect.anything()],
    ['update', { scopes: { from: ['listen'], to: ['listen', 'speak'] } }],
  ]);
  const next = await admin.call('POST', `/admin/keys/${id}/rotate`);
  expect((await events(id)).map((e: any) => e.action)).toEqual(['create', 'update', 'rotate']);
  expect((await events(id))[2]).toMatchObject({ relatedKeyId: next.body.keyId, actor: 'arn:aws:iam::123456789012:user/alice' });
  expect(await events(next.body.keyId)).toEqual([
    expect.objectContaining({ action: 'create', relatedKeyId: id, changes: expect.objectContaining({ rotatedFrom: { to: id } }) }),
  ]);
  await admin.call('POST', `/admin/keys/${next.body.keyId}/revoke`);
  expect((await events(next.body.keyId)).map((e: any) => e.action)).toEqual(['create', 'revoke']);

  // Paged: one at a time, in order.
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await admin.call('GET', `/admin/keys/${id}/events`, { query: { limit: '1', ...(cursor ? { cursor } : {}) } });
    seen.push(...page.body.items.map((e: any) => e.action));
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  expect(seen).toEqual(['create', 'update', 'rotate']);
});

describe('listing', () => {
  let listTable: Table;
  let lister: ReturnType<typeof setup>;
  const expected: { keyId: string; owner: string; revoked: boolean }[] = []; // newest first

  beforeAll(async () => {
    listTable = await freshTable('admin-list');
    lister = setup(listTable);
    const base = Date.now();
    // 7 keys through the API (audit entries in the table too), one second apart.
    for (let i = 0; i < 7; i++) {
      lister.clock.now = base + i * 1000;
      const owner = i % 2 ? 'odd' : 'even';
      const res = await lister.call('POST', '/admin/keys', { body: { name: `k${i}`, scopes: ['listen'], owner } });
      const revoked = i === 1 || i === 4 || i === 5;
      if (revoked) await lister.call('POST', `/admin/keys/${res.body.keyId}/revoke`);
      expected.unshift({ keyId: res.body.keyId, owner, revoked });
    }
  });
  afterAll(() => listTable.drop());

  async function everything(query: Record<string, string>) {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const res = await lister.call('GET', '/admin/keys', { query: { ...query, ...(cursor ? { cursor } : {}) } });
      expect(res.status).toBe(200);
      pages.push(res.body.items.map((k: { keyId: string }) => k.keyId));
      cursor = res.body.nextCursor ?? undefined;
      expect(pages.length).toBeLessThan(20);
    } while (cursor);
    return pages;
  }

  it('pages through more keys than the limit, newest first, each key once', async () => {
    const pages = await everything({ limit: '3' });
    expect(pages.slice(0, 3).map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(expected.map((k) => k.keyId));
  });

  it('filters by owner and by status, with full pages', async () => {
    expect((await everything({ owner: 'odd', limit: '2' })).flat()).toEqual(expected.filter((k) => k.owner === 'odd').map((k) => k.keyId));
    const revoked = await everything({ status: 'revoked', limit: '2' });
    expect(revoked[0]).toHaveLength(2);
    expect(revoked.flat()).toEqual(expected.filter((k) => k.revoked).map((k) => k.keyId));
    expect((await everything({ owner: 'even', status: 'active' })).flat()).toEqual(
      expected.filter((k) => k.owner === 'even' && !k.revoked).map((k) => k.keyId),
    );
  });

  it('refuses a cursor from another query', async () => {
    const page = await lister.call('GET', '/admin/keys', { query: { limit: '1' } });
    const res = await lister.call('GET', '/admin/keys', { query: { owner: 'odd', cursor: page.body.nextCursor } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_cursor');
  });
});

it('fills status-filtered pages when matches are sparse (DynamoDB applies Limit before the filter)', async () => {
  const sparse = await freshTable('admin-sparse');
  try {
    const store = new DynamoKeyStore(createDocumentClient({ endpoint: sparse.endpoint, region: 'local' }), sparse.name);
    const base = Date.parse('2027-01-01T00:00:00.000Z');
    const records = Array.from({ length: 250 }, (_, i) =>
      issued({ createdAt: new Date(base + i * 1000).toISOString(), status: i % 60 === 7 ? 'revoked' : 'active' }).record,
    );
    for (let i = 0; i < records.length; i += 25) await Promise.all(records.slice(i, i + 25).map((r) => store.create(r)));
    const want = records.filter((r) => r.status === 'revoked').reverse().map((r) => r.keyId); // 5 keys, newest first

    const got: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ status: 'revoked', limit: 2, cursor });
      got.push(page.items.map((r) => r.keyId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(got.slice(0, 3)).toEqual([want.slice(0, 2), want.slice(2, 4), want.slice(4)]);
    expect(got.flat()).toEqual(want);
  } finally {
    await sparse.drop();
  }
});

it('the exported handler works from the environment against DynamoDB Local', async () => {
  process.env.KEY_PREFIX = 'dgt';
  try {
    const res = await adminHandler(httpEvent('POST', '/admin/keys', { body: { name: 'env', scopes: ['all'] } }), lambdaContext);
    expect(res.statusCode).toBe(201);
    const { key, keyId } = JSON.parse(res.body);
    expect(key).toMatch(/^dgt_/);
    expect(effect(await authorize(key))).toBe('Allow');
    const raw = await table.client.send(
      new RawQuery({
        TableName: table.name,
        KeyConditionExpression: 'keyId = :k',
        ExpressionAttributeValues: { ':k': { S: keyId } },
      }),
    );
    expect(raw.Items?.map((i) => i.sk.S?.split('#')[0])).toEqual(['event', 'key']);
    expect(JSON.stringify(raw.Items)).not.toContain(key);
  } finally {
    delete process.env.KEY_PREFIX;
  }
});
