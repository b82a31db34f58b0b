import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface ClientOptions {
  /** e.g. http://127.0.0.1:8000 for DynamoDB Local. */
  endpoint?: string;
  region?: string;
  /** Per-attempt request timeout; the authorizer must answer well inside API Gateway's 10 s. */
  requestTimeoutMs?: number;
  maxAttempts?: number;
}

/**
 * A document client with short timeouts. With a local endpoint and no credentials in the
 * environment it uses static dummy credentials, so the SDK never probes the instance metadata
 * service (DynamoDB Local accepts any credentials).
 */
export function createDocumentClient(options: ClientOptions = {}): DynamoDBDocumentClient {
  const endpoint = options.endpoint;
  const local = endpoint !== undefined && !process.env.AWS_ACCESS_KEY_ID;
  const client = new DynamoDBClient({
    ...(endpoint ? { endpoint } : {}),
    region: options.region ?? process.env.AWS_REGION ?? (endpoint ? 'local' : undefined),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: {
      connectionTimeout: 1000,
      requestTimeout: options.requestTimeoutMs ?? 1500,
      // Without this the SDK only warns when requestTimeout passes and keeps waiting: a DynamoDB
      // that accepts connections but does not answer would hold the authorizer until Lambda kills it.
      throwOnRequestTimeout: true,
    },
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** Client options from the environment: DYNAMODB_ENDPOINT (optional), AWS_REGION. */
export function clientOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ClientOptions {
  return { endpoint: env.DYNAMODB_ENDPOINT || undefined, region: env.AWS_REGION || undefined };
}
