/**
 * The authorizer's decision, independent of Lambda wiring: key → format check → (cache | GetItem)
 * → usability → IAM policy. Bad keys get a Deny (cached by API Gateway); a store failure throws,
 * which API Gateway answers with a 500 that it does not cache: a refusal, never an Allow, and the key
 * works again as soon as the store does.
 */
import { timingSafeEqual } from 'node:crypto';
import { hashKey, isWellFormedKey, keyIdFromHash } from '../keys/token';
import { isWellFormedRecord, unusableReason, type KeyRecord } from '../keys/record';
import { allowPolicy, denyPolicy, keyContext, parseRouteArn, type AuthorizerPolicy } from '../keys/policy';
import type { KeyReader } from '../store/keyStore';
import type { TtlCache } from '../lib/ttlCache';
import { errorFields, type Logger } from '../lib/log';
import { extractKey, type IdentityHeader } from './credentials';

/** The fields of payload 2.0 and 1.0 REQUEST authorizer events that the authorizer reads. */
export interface AuthorizerEvent {
  routeArn?: string;
  methodArn?: string;
  headers?: Record<string, string | undefined> | null;
}

export interface AuthorizerDeps {
  store: KeyReader;
  /** Positive and negative answers by key id; `null` records "no such key". */
  cache: TtlCache<KeyRecord | null>;
  log: Logger;
  /** The header API Gateway uses as identity source: the only place a key is read from. */
  identityHeader?: IdentityHeader;
  now?: () => number;
}

export type DenyReason =
  | 'missing'
  | 'duplicate'
  | 'malformed_header'
  | 'malformed'
  | 'unknown'
  | 'revoked'
  | 'expired'
  | 'not_yet_valid'
  | 'invalid_record';

const ANONYMOUS = 'anonymous';

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function createAuthorizer({ store, cache, log, identityHeader = 'x-api-key', now = Date.now }: AuthorizerDeps) {
  async function lookup(keyId: string): Promise<KeyRecord | undefined> {
    const cached = cache.get(keyId);
    if (cached !== undefined) return cached ?? undefined;
    try {
      const record = await store.get(keyId);
      cache.set(keyId, record ?? null);
      return record;
    } catch (error) {
      log.error('key store lookup failed; refusing', { keyId, ...errorFields(error) });
      throw new Error('key store unavailable');
    }
  }

  return async function authorize(event: AuthorizerEvent): Promise<AuthorizerPolicy> {
    const arn = event.routeArn ?? event.methodArn ?? '';
    const api = parseRouteArn(arn);
    const deny = (reason: DenyReason, keyId?: string): AuthorizerPolicy => {
      log.info('denied', { reason, ...(keyId ? { keyId } : {}) });
      return denyPolicy(api, keyId ?? ANONYMOUS, { reason, keyId: keyId ?? '' });
    };

    const credential = extractKey(event.headers, identityHeader);
    if (!credential.ok) return deny(credential.reason);
    if (!isWellFormedKey(credential.key)) return deny('malformed');
    if (api === undefined) {
      log.error('unrecognised route ARN; refusing', { routeArn: arn.slice(0, 200) });
      return denyPolicy(undefined, ANONYMOUS, { reason: 'bad_route_arn', keyId: '' });
    }

    const hash = hashKey(credential.key);
    const keyId = keyIdFromHash(hash);
    const record = await lookup(keyId);
    if (record === undefined) return deny('unknown', keyId);
    if (!isWellFormedRecord(record)) {
      log.warn('malformed key record; refusing', { keyId });
      return deny('invalid_record', keyId);
    }
    if (!sameHash(record.hash, hash)) return deny('unknown', keyId);

    const unusable = unusableReason(record, Math.floor(now() / 1000));
    if (unusable) return deny(unusable, keyId);

    log.debug('allowed', { keyId });
    return allowPolicy(api, keyId, record.scopes, keyContext(keyId, record.owner, record.scopes));
  };
}
