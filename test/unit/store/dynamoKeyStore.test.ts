/** DynamoKeyStore against a mocked document client: the requests it sends and how it reads failures. */
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  DEFAULT_AUDIT_RETENTION_SECONDS,
  DEFAULT_RETENTION_SECONDS,
  DynamoKeyStore,
  toItem,
  unavailable,
} from '../../../src/store/dynamoKeyStore';
import {
  ConflictError,
  InvalidCursorError,
  NotFoundError,
  StoreUnavailableError,
  type NewAuditEvent,
} from '../../../src/store/keyStore';
import { encodeCursor } from '../../../src/store/cursor';
import type { KeyRecord } from '../../../src/keys/record';
import { issued } from '../../support/fixtures';

const ddb = mockClient(DynamoDBDocumentClient);
const store = () => new DynamoKeyStore(ddb as unknown as DynamoDBDocumentClient, 'keys', DEFAULT_RETENTION_SECONDS, { maxListQueries: 3 });
const AT = '2027-03-01T12:00:00.000Z';
const AT_S = Date.parse(AT) / 1000;

const event = (keyId: string, action: NewAuditEvent['action'] = 'create'): NewAuditEvent => ({
  keyId, action, at: AT, actor: 'arn:aws:iam::1:user/a', changes: { owner: { to: 'team-a' } },
});

function cancelled(...codes: string[]) {
  return new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

beforeEach(() => ddb.reset());

describe('write', () => {
  it('creates a key and its audit entry in one transaction; the entry stays out of the sparse indexes', async () => {
    const { record } = issued({ expiresAt: AT_S + 3600 });
    await store().write({ create: record, events: [event(record.keyId)] });
    const [call] = ddb.commandCalls(TransactWriteCommand);
    const { TransactItems, ClientRequestToken } = call.args[0].input;
    expect(ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(TransactItems).toHaveLength(2);
    expect(TransactItems![0].Put).toEqual({
      TableName: 'keys',
      Item: { ...toItem(record), version: 1 },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'keyId' },
    });
    const audit = TransactItems![1].Put!.Item!;
    expect(audit).toEqual({
      ...event(record.keyId),
      sk: expect.stringMatching(new RegExp(`^event#${AT.replace(/\./g, '\\.')}#0000000001#[0-9a-f]{16}$`)),
      ttl: AT_S + DEFAULT_AUDIT_RETENTION_SECONDS,
    });
    expect(audit).not.toHaveProperty('owner');
    expect(audit).not.toHaveProperty('listPartition');
    expect(audit).not.toHaveProperty('createdAt');
    expect(JSON.stringify(audit)).not.toContain(record.hash);
  });

  it('replaces a record only if its version is the one read, and bumps it; TTL follows revocation', async () => {
    const { record } = issued({ expiresAt: AT_S + 86400 * 30 });
    const revoked: KeyRecord = { ...record, status: 'revoked', revokedAt: AT, revokedBy: 'x' };
    await store().write({ replace: { previous: { record, version: 4 }, next: revoked }, events: [] });
    const put = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems![0].Put!;
    expect(put.Item).toMatchObject({ status: 'revoked', version: 5, ttl: AT_S + DEFAULT_RETENTION_SECONDS });
    expect(put.ConditionExpression).toBe('#v = :v');
    expect(put.ExpressionAttributeValues).toEqual({ ':v': 4 });
  });

  it('orders same-millisecond audit entries of a key by the version each change produced', async () => {
    const { record } = issued();
    const ids: string[] = [];
    for (const version of [9, 10, 99]) {
      ddb.reset();
      await store().write({ replace: { previous: { record, version }, next: record }, events: [event(record.keyId, 'update')] });
      ids.push(ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems![1].Put!.Item!.sk);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(ids[0]).toContain('#0000000010#');
  });

  it('a record never written by the admin API (no version) must still exist and still have none', async () => {
    const { record } = issued();
    await store().write({ replace: { previous: { record, version: 0 }, next: { ...record, name: 'n' } }, events: [] });
    const put = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems![0].Put!;
    expect(put.ConditionExpression).toBe('attribute_exists(#pk) AND attribute_not_exists(#v)');
    expect(put.Item).toMatchObject({ version: 1, name: 'n' });
  });

  it('refuses to replace a record under another key id', async () => {
    const { record } = issued();
    await expect(
      store().write({ replace: { previous: { record, version: 1 }, next: issued().record }, events: [] }),
    ).rejects.toThrow('keep the key id');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  describe('reads a cancelled transaction', () => {
    const { record: old } = issued();
    const { record: fresh } = issued();
    const rotate = () =>
      store().write({
        create: fresh,
        replace: { previous: { record: old, version: 1 }, next: { ...old, rotatedTo: fresh.keyId } },
        events: [event(old.keyId, 'rotate'), event(fresh.keyId)],
      });

    it('new key id taken → key_id_collision', async () => {
      ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None', 'None'));
      await expect(rotate()).rejects.toMatchObject({ name: 'ConflictError', code: 'key_id_collision' });
    });

    it.each([
      ['revoked meanwhile', { Item: toItem({ ...old, status: 'revoked' }) }, ConflictError, 'key_revoked'],
      ['changed meanwhile', { Item: toItem({ ...old, name: 'other' }) }, ConflictError, 'concurrent_change'],
      ['deleted meanwhile', {}, NotFoundError, undefined],
    ])('old key %s', async (_case, reread, type, code) => {
      ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None', 'None'));
      ddb.on(GetCommand).resolves(reread);
      const error = await rotate().catch((e) => e);
      expect(error).toBeInstanceOf(type);
      if (code) expect(error.code).toBe(code);
    });

    it('another transaction on the same item → concurrent_change', async () => {
      ddb.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None', 'None', 'None'));
      await expect(rotate()).rejects.toMatchObject({ code: 'concurrent_change' });
    });

    it('throttling, validation or network failures → StoreUnavailableError', async () => {
      ddb
        .on(TransactWriteCommand)
        .rejectsOnce(cancelled('ThrottlingError', 'None', 'None', 'None'))
        .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
      await expect(rotate()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(rotate()).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
});

describe('load and get', () => {
  it('load returns the version; get (the authorizer read) does not show it', async () => {
    const { record } = issued();
    ddb.on(GetCommand).resolves({ Item: { ...toItem(record), version: 7 } });
    expect(await store().load(record.keyId)).toEqual({ record, version: 7 });
    expect(await store().get(record.keyId)).toEqual(record);
    ddb.on(GetCommand).resolves({ Item: toItem(record) });
    expect((await store().load(record.keyId))?.version).toBe(0);
  });
});

describe('list', () => {
  const rec = (i: number, overrides: Partial<KeyRecord> = {}) =>
    toItem(issued({ createdAt: `2027-01-01T00:00:${String(59 - i).padStart(2, '0')}.000Z`, ...overrides }).record);
  const keyOf = (item: Record<string, unknown>) => ({
    keyId: item.keyId, sk: 'key', createdAt: item.createdAt, listPartition: 'key',
  });

  it('queries byCreatedAt newest first, with Limit = limit, and hands back LastEvaluatedKey as cursor', async () => {
    const items = [rec(0), rec(1)];
    ddb.on(QueryCommand).resolves({ Items: items, LastEvaluatedKey: keyOf(items[1]) });
    const page = await store().list({ limit: 2 });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byCreatedAt',
      KeyConditionExpression: '#p = :p',
      ExpressionAttributeValues: { ':p': 'key' },
      ScanIndexForward: false,
      Limit: 2,
    });
    expect(page.items.map((r) => r.keyId)).toEqual(items.map((i) => i.keyId));
    expect(page.items[0]).not.toHaveProperty('listPartition');
    expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString())).toEqual(keyOf(items[1]));
  });

  it('queries byOwner for an owner and only accepts that owner\'s cursors', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    const item = rec(0);
    const cursor = encodeCursor({ keyId: item.keyId as string, sk: 'key', createdAt: item.createdAt as string, owner: 'acme' });
    await store().list({ owner: 'acme', limit: 5, cursor });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byOwner',
      ExpressionAttributeNames: { '#p': 'owner' },
      ExpressionAttributeValues: { ':p': 'acme' },
      ExclusiveStartKey: { keyId: item.keyId, sk: 'key', createdAt: item.createdAt, owner: 'acme' },
    });
    await expect(store().list({ owner: 'other', limit: 5, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store().list({ limit: 5, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('fills a status-filtered page across Queries (Limit applies before the filter) and resumes after the last item', async () => {
    const revoked = (i: number) => rec(i, { status: 'revoked' });
    const ends = [keyOf(rec(9)), keyOf(rec(19)), keyOf(rec(29))];
    const pages = [
      { Items: [revoked(0)], LastEvaluatedKey: ends[0] }, // 100 read, 1 matched
      { Items: [], LastEvaluatedKey: ends[1] }, // 100 read, none matched
      { Items: [revoked(20), revoked(21), revoked(22)], LastEvaluatedKey: ends[2] },
    ];
    ddb.on(QueryCommand).resolvesOnce(pages[0]).resolvesOnce(pages[1]).resolvesOnce(pages[2]);
    const page = await store().list({ status: 'revoked', limit: 3 });
    expect(page.items.map((r) => r.keyId)).toEqual([pages[0].Items[0], pages[2].Items[0], pages[2].Items[1]].map((i) => i.keyId));
    const calls = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({ FilterExpression: '#s = :s', ExpressionAttributeValues: { ':s': 'revoked' }, Limit: 100 });
    expect(calls[1].ExclusiveStartKey).toEqual(ends[0]);
    expect(calls[2].ExclusiveStartKey).toEqual(ends[1]);
    // Cut inside the third page: resume right after the last item returned, not after the page.
    expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString())).toEqual(keyOf(pages[2].Items[1]));
  });

  it('returns a short page with a cursor after maxListQueries, and null at the end of the index', async () => {
    ddb.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: keyOf(rec(5)) });
    const bounded = await store().list({ status: 'revoked', limit: 10 });
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(3);
    expect(bounded.items).toEqual([]);
    expect(bounded.nextCursor).not.toBeNull();

    ddb.reset();
    ddb.on(QueryCommand).resolves({ Items: [rec(0)] });
    expect(await store().list({ status: 'revoked', limit: 10 })).toMatchObject({ nextCursor: null });
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(1);
  });

  it.each([
    ['not base64url', '***'],
    ['not JSON', Buffer.from('{oops').toString('base64url')],
    ['an array', encodeCursor([] as never)],
    ['an extra attribute', encodeCursor({ keyId: 'key_0123456789abcdef0123456789abcdef', sk: 'key', createdAt: '2027-01-01T00:00:00.000Z', listPartition: 'key', x: 'y' })],
    ['a missing attribute', encodeCursor({ keyId: 'key_0123456789abcdef0123456789abcdef', sk: 'key', listPartition: 'key' })],
    ['an event sort key', encodeCursor({ keyId: 'key_0123456789abcdef0123456789abcdef', sk: 'event#x', createdAt: '2027-01-01T00:00:00.000Z', listPartition: 'key' })],
    ['a bad key id', encodeCursor({ keyId: 'nope', sk: 'key', createdAt: '2027-01-01T00:00:00.000Z', listPartition: 'key' })],
    ['a number', encodeCursor({ keyId: 'key_0123456789abcdef0123456789abcdef', sk: 'key', createdAt: 5, listPartition: 'key' } as never)],
    ['too long', 'A'.repeat(3000)],
  ])('refuses a cursor that is %s, before any Query', async (_case, cursor) => {
    await expect(store().list({ limit: 5, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('events', () => {
  it('reads one key\'s audit entries, strongly consistent, oldest first, cursor bound to that key', async () => {
    const { record } = issued();
    const item = { ...event(record.keyId), sk: `event#${AT}#00`, ttl: 1 };
    ddb.on(QueryCommand).resolves({ Items: [item], LastEvaluatedKey: { keyId: record.keyId, sk: item.sk } });
    const page = await store().events(record.keyId, { limit: 1 });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      KeyConditionExpression: '#pk = :k AND begins_with(#sk, :e)',
      ExpressionAttributeValues: { ':k': record.keyId, ':e': 'event#' },
      ConsistentRead: true,
      Limit: 1,
    });
    expect(page.items).toEqual([{ ...event(record.keyId), eventId: item.sk }]);
    await store().events(record.keyId, { limit: 1, cursor: page.nextCursor! });
    await expect(store().events(issued().record.keyId, { limit: 1, cursor: page.nextCursor! })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });
});

describe('unavailable: only failures of DynamoDB or the network are a store outage', () => {
  const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...extra });
  const sdk = { $metadata: { httpStatusCode: 500 } };

  it.each<[string, unknown]>([
    ['a modelled service error', new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })],
    ['an internal server error', new InternalServerError({ message: 'oops', $metadata: {} })],
    ['any error carrying $metadata (the SDK saw a response or a network failure)', Object.assign(new Error('x'), sdk)],
    ['a connection refused (code)', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })],
    ['a connection reset (code)', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ...['TimeoutError', 'AbortError', 'ThrottlingException', 'ServiceUnavailable', 'RequestLimitExceeded', 'InternalServerError',
      'ProvisionedThroughputExceededException', 'ECONNREFUSED', 'ECONNRESET'].map((name): [string, unknown] => [`a ${name}`, named(name)]),
  ])('%s → StoreUnavailableError (503), with the cause kept', (_case, error) => {
    const out = unavailable(error);
    expect(out).toBeInstanceOf(StoreUnavailableError);
    expect((out as Error).cause).toBe(error);
  });

  it.each([
    ['a marshalling error (an own "constructor" property)', new Error('Unsupported type passed: [object Object]. Pass options.convertClassInstanceToMap=true')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a RangeError', new RangeError('Invalid time value')],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ])('%s stays what it is (a local bug: 500, not an outage)', (_case, error) => {
    expect(unavailable(error)).toBe(error);
  });

  it.each([
    ['ConditionalCheckFailedException', named('ConditionalCheckFailedException', sdk)],
    ['ConflictError', new ConflictError('x')],
    ['NotFoundError', new NotFoundError('x')],
    ['InvalidCursorError', new InvalidCursorError('x')],
    ['StoreUnavailableError', new StoreUnavailableError('x')],
  ])('%s passes through unchanged', (_case, error) => {
    expect(unavailable(error)).toBe(error);
  });

  it('a marshalling failure inside a write reaches the caller as itself, not as an outage', async () => {
    const marshalling = new Error('Unsupported type passed: [object Object]. Pass options.convertClassInstanceToMap=true');
    ddb.on(TransactWriteCommand).rejects(marshalling);
    const { record } = issued();
    const error = await store().write({ create: record, events: [] }).catch((e) => e);
    expect(error).toBe(marshalling);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
  });

  it.each([
    ['get', (s: DynamoKeyStore) => s.get(issued().record.keyId), GetCommand],
    ['list', (s: DynamoKeyStore) => s.list({ limit: 1 }), QueryCommand],
  ] as const)('%s: a network failure is an outage, a plain bug is not', async (_case, run, command) => {
    const bug = new TypeError('x is not a function');
    ddb
      .on(command as never)
      .rejectsOnce(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', $metadata: {} }))
      .rejectsOnce(bug);
    await expect(run(store())).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(run(store())).rejects.toBe(bug);
  });
});
