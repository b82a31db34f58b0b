/**
 * Lambda entry point of the REQUEST authorizer (HTTP API, payload 2.0, IAM-policy responses).
 * Configuration (read once per container):
 *   KEYS_TABLE            table name (required)
 *   DYNAMODB_ENDPOINT     optional endpoint override (DynamoDB Local)
 *   IDENTITY_HEADER       x-api-key (default) or authorization: the API's identity source
 *   MEMORY_CACHE_TTL      seconds an answer is kept in this container (default 30, 0 = off)
 *   MEMORY_CACHE_SIZE     entries kept at most (default 10000)
 *   LOG_LEVEL             debug | info | warn | error (default info)
 */
import middy from '@middy/core';
import { createDocumentClient, clientOptionsFromEnv } from '../store/client';
import { DynamoKeyStore } from '../store/dynamoKeyStore';
import { TtlCache } from '../lib/ttlCache';
import { createLogger } from '../lib/log';
import type { KeyRecord } from '../keys/record';
import { createAuthorizer, type AuthorizerEvent } from './authorize';
import { parseIdentityHeader } from './credentials';

function seconds(value: string | undefined, fallback: number): number {
  const parsed = value === undefined || value === '' ? fallback : Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`invalid number of seconds: ${value}`);
  return parsed;
}

function fromEnvironment(env: NodeJS.ProcessEnv = process.env) {
  const table = env.KEYS_TABLE;
  if (!table) throw new Error('KEYS_TABLE is not set');
  return createAuthorizer({
    store: new DynamoKeyStore(createDocumentClient(clientOptionsFromEnv(env)), table),
    cache: new TtlCache<KeyRecord | null>(
      seconds(env.MEMORY_CACHE_TTL, 30) * 1000,
      seconds(env.MEMORY_CACHE_SIZE, 10_000),
    ),
    log: createLogger('keygate-authorizer', env.LOG_LEVEL),
    identityHeader: parseIdentityHeader(env.IDENTITY_HEADER),
  });
}

// Built on the first invocation (not at import) so the SDK client is created once per container
// and a test can set the environment before the first call.
let authorize: ReturnType<typeof createAuthorizer> | undefined;

export const handler = middy<AuthorizerEvent>().handler((event) => {
  authorize ??= fromEnvironment();
  return authorize(event);
});

/** For tests: forget the configured authorizer so the next call reads the environment again. */
export function resetForTests(): void {
  authorize = undefined;
}
