/** One DynamoDB Local (in memory) for the whole Jest run; each test file makes its own table. */
import { startDynamoLocal, type DynamoLocal } from '../../scripts/lib/dynamoLocal';

declare global {
  // eslint-disable-next-line no-var
  var __KEYGATE_DYNAMO__: DynamoLocal | undefined;
}

export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynamoLocal();
  globalThis.__KEYGATE_DYNAMO__ = dynamo;
  process.env.KEYGATE_TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
}
