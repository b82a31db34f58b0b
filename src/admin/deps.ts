/**
 * What the routes share: configuration, clock, store and the small helpers every route needs
 * (the acting identity, the request id, loading a key by its path id).
 */
import type { Context } from 'aws-lambda';
import { generateKey as defaultGenerateKey, assertValidPrefix, DEFAULT_KEY_PREFIX, isWellFormedKey, KEY_ID_PATTERN } from '../keys/token';
import type { KeyStore, Versioned } from '../store/keyStore';
import { createLogger, type Logger } from '../lib/log';
import { notFound } from './errors';
import type { AdminEvent, HttpResponse } from './http';
import type { ExpiryRules } from './validation';

export const DEFAULT_MAX_LIFETIME_DAYS = 365;
export const DEFAULT_GRACE_SECONDS = 24 * 3600;
export const DEFAULT_ACTOR = 'local-admin';

export interface AdminOptions {
  store: KeyStore;
  /** Milliseconds since the epoch; inject to control time in tests. */
  now?: () => number;
  /** Prefix of new keys (default `kg`). */
  prefix?: string;
  /**
   * Longest lifetime of a key, in days (default 365). Keys issued without an expiry get this one;
   * 0 lifts the bound and allows keys that never expire.
   */
  maxLifetimeDays?: number;
  /** Rotation grace period when the request names none (default 24 h). */
  defaultGraceSeconds?: number;
  /** Actor recorded when the request carries no IAM identity (local stack, tests). */
  actorFallback?: string;
  /** Key generator (tests force collisions with it). */
  generateKey?: (prefix: string) => string;
  log?: Logger;
}

export interface AdminDeps {
  store: KeyStore;
  now: () => number;
  prefix: string;
  maxLifetimeSeconds: number;
  defaultGraceSeconds: number;
  actorFallback: string;
  generateKey: (prefix: string) => string;
  log: Logger;
}

export interface AdminRoute {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  handler: (event: AdminEvent) => Promise<HttpResponse>;
}

export function resolveOptions(options: AdminOptions): AdminDeps {
  const prefix = options.prefix ?? DEFAULT_KEY_PREFIX;
  assertValidPrefix(prefix);
  const days = options.maxLifetimeDays ?? DEFAULT_MAX_LIFETIME_DAYS;
  if (!Number.isFinite(days) || days < 0) throw new Error(`invalid maximum key lifetime: ${days} days`);
  return {
    store: options.store,
    now: options.now ?? Date.now,
    prefix,
    maxLifetimeSeconds: Math.round(days * 86400),
    defaultGraceSeconds: options.defaultGraceSeconds ?? DEFAULT_GRACE_SECONDS,
    actorFallback: options.actorFallback ?? DEFAULT_ACTOR,
    generateKey: options.generateKey ?? defaultGenerateKey,
    log: options.log ?? createLogger('keygate-admin'),
  };
}

/** The caller: its IAM ARN in AWS (the routes use AWS_IAM auth), else the configured fallback. */
export function actorOf(event: AdminEvent, deps: AdminDeps): string {
  const arn = event.requestContext?.authorizer?.iam?.userArn;
  return typeof arn === 'string' && arn !== '' ? arn : deps.actorFallback;
}

/** API Gateway's request id (matches access logs), else Lambda's. */
export function requestIdOf(event: AdminEvent | undefined, context?: Partial<Context>): string | undefined {
  return event?.requestContext?.requestId || context?.awsRequestId || undefined;
}

export function expiryRules(deps: AdminDeps, nowMs: number): ExpiryRules {
  return { nowMs, maxLifetimeSeconds: deps.maxLifetimeSeconds };
}

/** Expiry of a key issued without one: the maximum lifetime, or none when unbounded. */
export function defaultExpiry(deps: AdminDeps, nowSeconds: number): number | undefined {
  return deps.maxLifetimeSeconds > 0 ? nowSeconds + deps.maxLifetimeSeconds : undefined;
}

/**
 * The key id from the path. A malformed id is a 404 (no such key can exist) and is never echoed:
 * people paste API keys where ids belong, and the answer must not repeat a secret.
 */
export function keyIdParam(event: AdminEvent): string {
  const keyId = event.pathParameters?.keyId ?? '';
  if (KEY_ID_PATTERN.test(keyId)) return keyId;
  const hint = isWellFormedKey(keyId) ? ' (this looks like an API key itself: use its keyId, and treat the key as exposed)' : '';
  throw notFound(`no such key: key ids look like key_ followed by 32 hex digits${hint}`);
}

export async function loadKey(deps: AdminDeps, keyId: string): Promise<Versioned> {
  const current = await deps.store.load(keyId);
  if (!current) throw notFound(`key ${keyId} not found`);
  return current;
}
