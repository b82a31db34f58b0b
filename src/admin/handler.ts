/**
 * Lambda entry point of the admin API (HTTP API, payload 2.0, AWS_IAM auth on every route).
 * Configuration (read on the first invocation):
 *   KEYS_TABLE              table name (required)
 *   DYNAMODB_ENDPOINT       optional endpoint override (DynamoDB Local)
 *   KEY_PREFIX              prefix of new keys (default kg)
 *   MAX_KEY_LIFETIME_DAYS   longest key lifetime and default expiry (default 365; 0 = unbounded,
 *                           keys without expiry allowed)
 *   KEY_RETENTION_DAYS      days a revoked/expired record is kept before TTL deletion (default 90)
 *   AUDIT_RETENTION_DAYS    days an audit entry is kept (default 400)
 *   ADMIN_ACTOR_FALLBACK    actor recorded when the request has no IAM identity (default local-admin)
 *   LOG_LEVEL               debug | info | warn | error (default info)
 */
import type { Context } from 'aws-lambda';
import { createDocumentClient, clientOptionsFromEnv } from '../store/client';
import { DynamoKeyStore } from '../store/dynamoKeyStore';
import { createLogger, errorFields } from '../lib/log';
import { createAdminApi, type AdminHandler } from './api';
import { requestIdOf } from './deps';
import { json, type AdminEvent } from './http';

function days(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  const parsed = value === undefined || value === '' ? fallback : Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a number of days >= 0`);
  return parsed;
}

export function adminFromEnvironment(env: NodeJS.ProcessEnv = process.env): AdminHandler {
  const table = env.KEYS_TABLE;
  if (!table) throw new Error('KEYS_TABLE is not set');
  // Not the hot path, so a longer timeout than the authorizer's; 2 x 3 s stays inside the 10 s Lambda timeout.
  const client = createDocumentClient({ ...clientOptionsFromEnv(env), requestTimeoutMs: 3000, maxAttempts: 2 });
  const store = new DynamoKeyStore(client, table, days(env, 'KEY_RETENTION_DAYS', 90) * 86400, {
    auditRetentionSeconds: days(env, 'AUDIT_RETENTION_DAYS', 400) * 86400,
  });
  return createAdminApi({
    store,
    prefix: env.KEY_PREFIX || undefined,
    maxLifetimeDays: days(env, 'MAX_KEY_LIFETIME_DAYS', 365),
    actorFallback: env.ADMIN_ACTOR_FALLBACK || undefined,
    log: createLogger('keygate-admin', env.LOG_LEVEL),
  });
}

// Built on the first invocation (not at import): one SDK client per container, and tests can set
// the environment first.
let api: AdminHandler | undefined;

export const handler = async (event: unknown, context: Context) => {
  try {
    api ??= adminFromEnvironment();
  } catch (error) {
    const requestId = requestIdOf(event as AdminEvent, context);
    createLogger('keygate-admin').error('admin API misconfigured', { requestId, ...errorFields(error) });
    return json(500, { error: { code: 'internal', message: 'internal error', requestId } });
  }
  return api(event, context);
};

/** For tests: forget the configured API so the next call reads the environment again. */
export function resetForTests(): void {
  api = undefined;
}
