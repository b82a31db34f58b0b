/**
 * The real authorizer handler against DynamoDB Local (started by globalSetup): the table is built
 * from the shared definition and records are written through the real store.
 */
import { createServer, type AddressInfo } from 'node:net';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { handler, resetForTests } from '../../src/authorizer/handler';
import { DynamoKeyStore } from '../../src/store/dynamoKeyStore';
import { createDocumentClient } from '../../src/store/client';
import { ConflictError } from '../../src/store/keyStore';
import type { AuthorizerPolicy } from '../../src/keys/policy';
import { eventV2, issued } from '../support/fixtures';
import { freshTable } from '../support/dynamo';

let table: Awaited<ReturnType<typeof freshTable>>;
let store: DynamoKeyStore;
const docClient = () => createDocumentClient({ endpoint: table.endpoint, region: 'local' });

async function authorize(key: string, method = 'POST', path = '/v1/listen') {
  return (await handler(eventV2({ 'x-api-key': key }, method, path) as never, {} as Context)) as AuthorizerPolicy;
}

beforeAll(async () => {
  table = await freshTable('authorizer');
  store = new DynamoKeyStore(docClient(), table.name);
  process.env.KEYS_TABLE = table.name;
  process.env.DYNAMODB_ENDPOINT = table.endpoint;
  process.env.MEMORY_CACHE_TTL = '0'; // every call reads DynamoDB: what we test here
});
afterAll(async () => {
  await table.drop();
  delete process.env.DYNAMODB_ENDPOINT;
});
beforeEach(() => resetForTests());
jest.spyOn(process.stdout, 'write').mockImplementation(() => true);

it('stores a record and reads it back without transformation artefacts', async () => {
  const { record } = issued({ metadata: { team: 'speech' }, expiresAt: 2_000_000_000 });
  await store.create(record);
  expect(await store.get(record.keyId)).toEqual(record);
  expect(await store.get('key_00000000000000000000000000000000')).toBeUndefined();
});

it('refuses to overwrite an existing key id', async () => {
  const { record } = issued();
  await store.create(record);
  await expect(store.create({ ...record, name: 'other' })).rejects.toBeInstanceOf(ConflictError);
  expect((await store.get(record.keyId))?.name).toBe(record.name);
});

it('allows a stored key, then denies it once revoked', async () => {
  const { key, record } = issued({ scopes: ['listen', 'speak'] });
  await store.create(record);
  const allowed = await authorize(key);
  expect(allowed.policyDocument.Statement[0].Effect).toBe('Allow');
  expect(allowed.context).toEqual({ keyId: record.keyId, owner: 'team-a', scopes: 'listen speak' });

  await docClient().send(
    new UpdateCommand({
      TableName: table.name,
      Key: { keyId: record.keyId, sk: 'key' },
      UpdateExpression: 'SET #s = :r, revokedAt = :t',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':r': 'revoked', ':t': new Date().toISOString() },
    }),
  );
  const denied = await authorize(key);
  expect(denied.policyDocument.Statement[0].Effect).toBe('Deny');
  expect(denied.context).toMatchObject({ reason: 'revoked' });
});

it('denies an expired key whose item DynamoDB has not deleted', async () => {
  const { key, record } = issued({ expiresAt: Math.floor(Date.now() / 1000) - 10 });
  await store.create(record);
  const policy = await authorize(key);
  expect(policy.policyDocument.Statement[0].Effect).toBe('Deny');
  expect(policy.context).toMatchObject({ reason: 'expired' });
});

it('writes a TTL attribute some retention period after expiry', async () => {
  const expiresAt = Math.floor(Date.now() / 1000) + 3600;
  const { record } = issued({ expiresAt });
  await new DynamoKeyStore(docClient(), table.name, 86_400).create(record);
  const { Item } = await docClient().send(
    new (await import('@aws-sdk/lib-dynamodb')).GetCommand({ TableName: table.name, Key: { keyId: record.keyId, sk: 'key' } }),
  );
  expect(Item?.ttl).toBe(expiresAt + 86_400);
});

it('denies an unknown but well-formed key', async () => {
  const policy = await authorize(issued().key);
  expect(policy.context).toMatchObject({ reason: 'unknown' });
});

it('refuses within the client timeouts when DynamoDB accepts connections but never answers', async () => {
  const sockets: import('node:net').Socket[] = [];
  const silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((done) => silent.listen(0, '127.0.0.1', () => done()));
  process.env.DYNAMODB_ENDPOINT = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  resetForTests();
  const { key, record } = issued();
  await store.create(record);
  // Two attempts of 1.5 s (about 3 s): without the enforced timeout this never settles, and the
  // test's own limit (generous, for a loaded machine) fails it.
  await expect(authorize(key)).rejects.toThrow('key store unavailable');
  sockets.forEach((socket) => socket.destroy());
  await new Promise((done) => silent.close(done));
  process.env.DYNAMODB_ENDPOINT = table.endpoint;
}, 20_000);

it('refuses (throws) when DynamoDB is unreachable', async () => {
  process.env.DYNAMODB_ENDPOINT = 'http://127.0.0.1:9'; // discard port: connection refused
  resetForTests();
  const { key, record } = issued();
  await store.create(record);
  await expect(authorize(key)).rejects.toThrow('key store unavailable');
  process.env.DYNAMODB_ENDPOINT = table.endpoint;
});
