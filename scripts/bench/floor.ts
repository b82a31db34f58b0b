/**
 * The floor for bundle size and cold start: a handler that only creates the DynamoDB document
 * client and does one GetItem. Bundled exactly like the authorizer.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const endpoint = process.env.DYNAMODB_ENDPOINT;
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient(
    endpoint ? { endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {},
  ),
);

export const handler = async (event: { keyId: string }) => {
  const { Item } = await client.send(
    new GetCommand({ TableName: process.env.KEYS_TABLE, Key: { keyId: event.keyId, sk: 'key' }, ConsistentRead: true }),
  );
  return Item ? 'found' : 'missing';
};
