/** The exported Lambda handler: configuration from the environment, DynamoDB mocked. */
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { handler, resetForTests } from '../../../src/admin/handler';
import { httpEvent, lambdaContext } from './support';

const ddb = mockClient(DynamoDBDocumentClient);
const ENV = ['KEYS_TABLE', 'KEY_PREFIX', 'MAX_KEY_LIFETIME_DAYS', 'AUDIT_RETENTION_DAYS', 'ADMIN_ACTOR_FALLBACK', 'DYNAMODB_ENDPOINT'];

async function call(method: string, path: string, options?: Parameters<typeof httpEvent>[2]) {
  const res = await handler(httpEvent(method, path, options), lambdaContext);
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

beforeEach(() => {
  ddb.reset();
  resetForTests();
  for (const name of ENV) delete process.env[name];
  process.env.KEYS_TABLE = 'keys-admin';
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());
afterAll(() => ENV.forEach((name) => delete process.env[name]));

it('issues through one TransactWriteItems on KEYS_TABLE with the configured prefix, lifetime, actor and retention', async () => {
  process.env.KEY_PREFIX = 'dg';
  process.env.MAX_KEY_LIFETIME_DAYS = '30';
  process.env.AUDIT_RETENTION_DAYS = '10';
  process.env.ADMIN_ACTOR_FALLBACK = 'ops-laptop';
  ddb.on(TransactWriteCommand).resolves({});
  const before = Math.floor(Date.now() / 1000);
  const res = await call('POST', '/admin/keys', { body: { name: 'n', scopes: ['all'] }, userArn: null });
  expect(res.status).toBe(201);
  expect(res.body.key).toMatch(/^dg_/);
  expect(res.body.createdBy).toBe('ops-laptop');
  const expires = Date.parse(res.body.expiresAt) / 1000;
  expect(expires - before).toBeGreaterThanOrEqual(30 * 86400);
  expect(expires - before).toBeLessThanOrEqual(30 * 86400 + 5);

  const items = ddb.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!;
  expect(items.map((i) => i.Put!.TableName)).toEqual(['keys-admin', 'keys-admin']);
  const audit = items[1].Put!.Item!;
  expect(audit.ttl - Math.floor(Date.parse(audit.at) / 1000)).toBe(10 * 86400);
});

it('rejects an expiry beyond MAX_KEY_LIFETIME_DAYS', async () => {
  process.env.MAX_KEY_LIFETIME_DAYS = '1';
  const res = await call('POST', '/admin/keys', { body: { name: 'n', scopes: ['listen'], expiresInSeconds: 2 * 86400 } });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toMatch(/maximum key lifetime of 1 days/);
  expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
});

it('answers 503 with the request id when DynamoDB fails', async () => {
  ddb.on(GetCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
  const res = await call('GET', '/admin/keys/key_0123456789abcdef0123456789abcdef');
  expect(res).toEqual({
    status: 503,
    body: { error: { code: 'store_unavailable', message: expect.any(String), requestId: 'apigw-req-1' } },
  });
});

it.each([
  ['KEYS_TABLE missing', () => delete process.env.KEYS_TABLE],
  ['a bad KEY_PREFIX', () => (process.env.KEY_PREFIX = 'Bad-Prefix')],
  ['a bad MAX_KEY_LIFETIME_DAYS', () => (process.env.MAX_KEY_LIFETIME_DAYS = 'forever')],
])('answers a JSON 500 when misconfigured (%s), and recovers once fixed', async (_case, breakIt) => {
  breakIt();
  const res = await call('GET', '/admin/keys/key_0123456789abcdef0123456789abcdef');
  expect(res).toEqual({ status: 500, body: { error: { code: 'internal', message: 'internal error', requestId: 'apigw-req-1' } } });
  for (const name of ENV) delete process.env[name];
  process.env.KEYS_TABLE = 'keys-admin';
  ddb.on(GetCommand).resolves({});
  expect((await call('GET', '/admin/keys/key_0123456789abcdef0123456789abcdef')).status).toBe(404);
});
