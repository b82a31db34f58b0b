/**
 * The authorizer handler, end to end in-process, with DynamoDB mocked by aws-sdk-client-mock.
 */
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { handler, resetForTests } from '../../../src/authorizer/handler';
import { toItem } from '../../../src/store/dynamoKeyStore';
import type { AuthorizerPolicy } from '../../../src/keys/policy';
import { API, eventV1, eventV2, issued } from '../../support/fixtures';

const ddb = mockClient(DynamoDBDocumentClient);
const context = {} as Context;
let logged: string[] = [];

async function authorize(event: unknown): Promise<AuthorizerPolicy> {
  return (await handler(event as never, context)) as AuthorizerPolicy;
}
const effect = (p: AuthorizerPolicy) => p.policyDocument.Statement[0].Effect;

beforeEach(() => {
  ddb.reset();
  resetForTests();
  process.env.KEYS_TABLE = 'keys-unit';
  delete process.env.MEMORY_CACHE_TTL;
  delete process.env.IDENTITY_HEADER;
  logged = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((line: string | Uint8Array) => {
    logged.push(String(line));
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());

function stored(overrides = {}) {
  const { key, record } = issued(overrides);
  ddb.on(GetCommand, { Key: { keyId: record.keyId, sk: 'key' } }).resolves({ Item: toItem(record) });
  return { key, record };
}

describe('allow', () => {
  it('allows a valid key with a policy listing every route of its scopes, and a flat context', async () => {
    const { key, record } = stored({ scopes: ['listen', 'models'], owner: 'acme' });
    const policy = await authorize(eventV2({ 'x-api-key': key }));
    expect(policy).toEqual({
      principalId: record.keyId,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: [
              `${API}/$default/POST/v1/listen`,
              `${API}/$default/GET/v1/models`,
              `${API}/$default/GET/v1/models/*`,
            ],
          },
        ],
      },
      context: { keyId: record.keyId, owner: 'acme', scopes: 'listen models' },
    });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'keys-unit',
      Key: { keyId: record.keyId, sk: 'key' },
      ConsistentRead: true,
    });
  });

  it('lists routes of the whole scope set even when called on another route (cache-safe)', async () => {
    const { key } = stored({ scopes: ['speak'] });
    const policy = await authorize(eventV2({ 'x-api-key': key }, 'POST', '/v1/listen'));
    expect(effect(policy)).toBe('Allow');
    expect(policy.policyDocument.Statement[0].Resource).toEqual([`${API}/$default/POST/v1/speak`]);
  });

  it('the all scope allows every route', async () => {
    const { key } = stored({ scopes: ['all'] });
    const policy = await authorize(eventV2({ 'x-api-key': key }));
    expect(policy.policyDocument.Statement[0].Resource).toHaveLength(4);
  });

  it.each([
    ['X-Api-Key'],
    ['X-API-KEY'],
    ['x-api-key'],
  ])('reads the key from header %s (payload 1.0 keeps client case)', async (name) => {
    const { key } = stored();
    expect(effect(await authorize(eventV1({ [name]: key })))).toBe('Allow');
  });

  it('payload 1.0 events use methodArn', async () => {
    const { key } = stored();
    const policy = await authorize(eventV1({ 'x-api-key': key }, 'POST', '/v1/listen', 'prod'));
    expect(policy.policyDocument.Statement[0].Resource).toEqual([`${API}/prod/POST/v1/listen`]);
  });

  it.each(['Token', 'Bearer', 'token', 'BEARER'])(
    'with IDENTITY_HEADER=authorization, accepts Authorization: %s <key>',
    async (scheme) => {
      process.env.IDENTITY_HEADER = 'authorization';
      const { key } = stored();
      expect(effect(await authorize(eventV2({ authorization: `${scheme} ${key}` })))).toBe('Allow');
      expect(effect(await authorize(eventV1({ Authorization: `${scheme} ${key}` })))).toBe('Allow');
    },
  );

  it('a key without owner passes a non-empty owner placeholder (it becomes an upstream header)', async () => {
    const { key, record } = stored({ owner: undefined });
    expect((await authorize(eventV2({ 'x-api-key': key }))).context).toEqual({
      keyId: record.keyId,
      owner: '-',
      scopes: 'listen',
    });
  });

  it('a key valid until a future instant is allowed', async () => {
    const { key } = stored({ expiresAt: Math.floor(Date.now() / 1000) + 60, notBefore: 1 });
    expect(effect(await authorize(eventV2({ 'x-api-key': key })))).toBe('Allow');
  });
});

describe('deny without a read', () => {
  it.each([
    ['missing', {}],
    ['empty', { 'x-api-key': '' }],
    ['malformed', { 'x-api-key': 'hello' }],
    ['bad checksum', { 'x-api-key': 'kg_' + 'A'.repeat(49) }],
    ['whitespace', { 'x-api-key': 'kg_ ' + 'A'.repeat(48) }],
    ['comma-joined duplicates', { 'x-api-key': 'kg_a,kg_b' }],
  ])('%s → Deny', async (_name, headers) => {
    const policy = await authorize(eventV2(headers as Record<string, string>));
    expect(effect(policy)).toBe('Deny');
    expect(policy.principalId).toBe('anonymous');
    expect(policy.policyDocument.Statement[0].Resource).toEqual([`${API}/$default/*`]);
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it.each([
    ['wrong Authorization scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['comma-joined Authorization', { authorization: 'Token a, Token b' }],
    ['Authorization without a key', { authorization: 'Token' }],
  ])('with IDENTITY_HEADER=authorization: %s → Deny', async (_name, headers) => {
    process.env.IDENTITY_HEADER = 'authorization';
    const policy = await authorize(eventV2(headers));
    expect(effect(policy)).toBe('Deny');
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });

  it('reads only the identity-source header: the answer is cached under that value alone', async () => {
    // A valid key in x-api-key must not earn an Allow that API Gateway would cache under an
    // arbitrary Authorization value (and the other way round).
    const { key } = stored();
    process.env.IDENTITY_HEADER = 'authorization';
    const poisoned = await authorize(eventV2({ 'x-api-key': key, authorization: 'Token kg_attacker' }));
    expect(effect(poisoned)).toBe('Deny');
    resetForTests();
    process.env.IDENTITY_HEADER = 'x-api-key';
    const viaAuthorization = await authorize(eventV2({ authorization: `Token ${key}` }));
    expect(effect(viaAuthorization)).toBe('Deny');
    expect(viaAuthorization.context).toMatchObject({ reason: 'missing' });
  });

  it('an unknown IDENTITY_HEADER is a configuration error (refusal)', async () => {
    process.env.IDENTITY_HEADER = 'cookie';
    await expect(authorize(eventV2({ 'x-api-key': issued().key }))).rejects.toThrow(/IDENTITY_HEADER/);
  });

  it('duplicated valid keys are refused too', async () => {
    const { key } = stored();
    const policy = await authorize(eventV2({ 'x-api-key': `${key},${key}` }));
    expect(effect(policy)).toBe('Deny');
    expect(policy.context).toMatchObject({ reason: 'duplicate' });
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 0);
  });
});

describe('deny after a read', () => {
  it('unknown key', async () => {
    ddb.on(GetCommand).resolves({});
    const { key, record } = issued();
    const policy = await authorize(eventV2({ 'x-api-key': key }));
    expect(effect(policy)).toBe('Deny');
    expect(policy.context).toEqual({ reason: 'unknown', keyId: record.keyId });
  });

  it('a record whose stored hash differs (key id collision) is unknown', async () => {
    const { key, record } = issued();
    ddb.on(GetCommand).resolves({ Item: toItem({ ...record, hash: 'f'.repeat(64) }) });
    expect((await authorize(eventV2({ 'x-api-key': key }))).context).toMatchObject({ reason: 'unknown' });
  });

  it('revoked key', async () => {
    const { key } = stored({ status: 'revoked', revokedAt: new Date().toISOString() });
    expect((await authorize(eventV2({ 'x-api-key': key }))).context).toMatchObject({ reason: 'revoked' });
  });

  it('expired key, even though the item still exists', async () => {
    const { key } = stored({ expiresAt: Math.floor(Date.now() / 1000) - 1 });
    const policy = await authorize(eventV2({ 'x-api-key': key }));
    expect(effect(policy)).toBe('Deny');
    expect(policy.context).toMatchObject({ reason: 'expired' });
  });

  it('not yet valid key', async () => {
    const { key } = stored({ notBefore: Math.floor(Date.now() / 1000) + 3600 });
    expect((await authorize(eventV2({ 'x-api-key': key }))).context).toMatchObject({ reason: 'not_yet_valid' });
  });

  it.each([
    ['an ISO-string expiry in the past', { expiresAt: '2020-01-01T00:00:00Z' }],
    ['an expiry in epoch milliseconds', { expiresAt: Date.now() - 1000 }],
    ['an ISO-string not-before', { notBefore: '2099-01-01T00:00:00Z' }],
    ['scopes as a string', { scopes: 'listen' }],
    ['no scopes', { scopes: undefined }],
    ['no hash', { hash: undefined }],
    ['an unknown status', { status: 'paused' }],
  ])('a hand-written record with %s is refused (Deny, never Allow or a throw)', async (_name, bad) => {
    const { key, record } = issued();
    ddb.on(GetCommand).resolves({ Item: { ...toItem(record), ...bad } });
    const policy = await authorize(eventV2({ 'x-api-key': key }));
    expect(effect(policy)).toBe('Deny');
    expect(policy.context).toEqual({ reason: 'invalid_record', keyId: record.keyId });
    expect(logged.some((l) => l.includes('malformed key record') && l.includes(record.keyId))).toBe(true);
  });

  it('a key whose scopes grant no route', async () => {
    const { key } = stored({ scopes: ['retired-scope'] });
    expect(effect(await authorize(eventV2({ 'x-api-key': key })))).toBe('Deny');
  });
});

describe('store failures fail closed', () => {
  it('a timeout is a refusal (thrown: API Gateway answers 500 and does not cache it), logged with the key id only', async () => {
    const { key, record } = issued();
    ddb.on(GetCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    await expect(authorize(eventV2({ 'x-api-key': key }))).rejects.toThrow('key store unavailable');
    const line = logged.find((l) => l.includes('key store lookup failed'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({
      level: 'error',
      keyId: record.keyId,
      errorMessage: 'key store unavailable: TimeoutError',
    });
  });

  it('a failure is not cached: the next call reads again and succeeds', async () => {
    const { key, record } = issued();
    ddb.on(GetCommand).rejectsOnce(new Error('throttled')).resolves({ Item: toItem(record) });
    await expect(authorize(eventV2({ 'x-api-key': key }))).rejects.toThrow();
    expect(effect(await authorize(eventV2({ 'x-api-key': key })))).toBe('Allow');
  });

  it('without KEYS_TABLE the handler refuses', async () => {
    delete process.env.KEYS_TABLE;
    const { key } = issued();
    await expect(authorize(eventV2({ 'x-api-key': key }))).rejects.toThrow('KEYS_TABLE is not set');
  });
});

describe('in-memory cache', () => {
  it('a cache hit answers without a read, for any route', async () => {
    const { key } = stored({ scopes: ['listen'] });
    await authorize(eventV2({ 'x-api-key': key }));
    const second = await authorize(eventV2({ 'x-api-key': key }, 'POST', '/v1/speak'));
    expect(effect(second)).toBe('Allow');
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
  });

  it('caches negative answers', async () => {
    ddb.on(GetCommand).resolves({});
    const { key } = issued();
    await authorize(eventV2({ 'x-api-key': key }));
    await authorize(eventV2({ 'x-api-key': key }));
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
  });

  it('re-checks expiry on a cache hit', async () => {
    const now = Date.now();
    const spy = jest.spyOn(Date, 'now').mockReturnValue(now);
    const { key } = stored({ expiresAt: Math.floor(now / 1000) + 5 });
    expect(effect(await authorize(eventV2({ 'x-api-key': key })))).toBe('Allow');
    spy.mockReturnValue(now + 6000);
    expect(effect(await authorize(eventV2({ 'x-api-key': key })))).toBe('Deny');
  });

  it('MEMORY_CACHE_TTL=0 reads every time', async () => {
    process.env.MEMORY_CACHE_TTL = '0';
    const { key } = stored();
    await authorize(eventV2({ 'x-api-key': key }));
    await authorize(eventV2({ 'x-api-key': key }));
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 2);
  });
});

describe('logging', () => {
  it('never logs the key or its hash', async () => {
    process.env.LOG_LEVEL = 'debug';
    resetForTests();
    const { key, record } = stored();
    await authorize(eventV2({ 'x-api-key': key }));
    await authorize(eventV2({ 'x-api-key': key.slice(0, -1) + 'x' }));
    ddb.on(GetCommand).rejects(new Error('boom'));
    await authorize(eventV2({ 'x-api-key': issued().key })).catch(() => undefined);
    delete process.env.LOG_LEVEL;
    const all = logged.join('\n');
    expect(logged.length).toBeGreaterThanOrEqual(3);
    expect(all).not.toContain(key);
    expect(all).not.toContain(key.slice(3, 40));
    expect(all).not.toContain(record.hash);
  });
});
