/** Helpers for integration tests against the DynamoDB Local started by globalSetup. */
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureKeysTable } from '../../scripts/lib/table';

export function testEndpoint(): string {
  const endpoint = process.env.KEYGATE_TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DynamoDB Local is not running (jest globalSetup)');
  return endpoint;
}

export function localClient(endpoint = testEndpoint()): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** A fresh keys table with a unique name; `drop()` deletes it. */
export async function freshTable(prefix = 'keys') {
  const client = localClient();
  const name = `${prefix}-${randomUUID()}`;
  await ensureKeysTable(client, name);
  return {
    name,
    endpoint: testEndpoint(),
    client,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: name }));
      client.destroy();
    },
  };
}
