/** The stored form of an API key. The plaintext key is never part of it. */
export type KeyStatus = 'active' | 'revoked';

export interface KeyRecord {
  keyId: string;
  /** Hex SHA-256 of the full key. Never leaves the store layer through the admin API. */
  hash: string;
  /** Display-safe beginning of the key (prefix + a few characters). */
  start: string;
  name: string;
  owner?: string;
  scopes: string[];
  status: KeyStatus;
  /** ISO 8601. */
  createdAt: string;
  createdBy: string;
  updatedAt?: string;
  /** Epoch seconds; the key is refused from this instant on. */
  expiresAt?: number;
  /** Epoch seconds; the key is refused before this instant. */
  notBefore?: number;
  revokedAt?: string;
  revokedBy?: string;
  rotatedFrom?: string;
  rotatedTo?: string;
  metadata?: Record<string, string>;
}

export type Unusable = 'revoked' | 'expired' | 'not_yet_valid';

/** Epoch seconds stay below this until the year 5138; epoch milliseconds are far above it. */
const MAX_EPOCH_SECONDS = 1e11;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

const isEpochSeconds = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < MAX_EPOCH_SECONDS;

/**
 * True when a stored item has the shape the authorizer relies on. Items are written by the admin
 * API, but the table is also reachable by hand: an item with an expiry in milliseconds or as a
 * string must not turn into a key that never expires, and a missing field must not throw.
 */
export function isWellFormedRecord(item: unknown): item is KeyRecord {
  const r = item as Partial<Record<keyof KeyRecord, unknown>> | undefined;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.keyId === 'string' &&
    typeof r.hash === 'string' &&
    HASH_PATTERN.test(r.hash) &&
    Array.isArray(r.scopes) &&
    r.scopes.every((scope) => typeof scope === 'string') &&
    (r.status === 'active' || r.status === 'revoked') &&
    (r.owner === undefined || typeof r.owner === 'string') &&
    (r.expiresAt === undefined || isEpochSeconds(r.expiresAt)) &&
    (r.notBefore === undefined || isEpochSeconds(r.notBefore))
  );
}

/** Why a key cannot be used right now, or undefined when it can. */
export function unusableReason(record: KeyRecord, nowSeconds: number): Unusable | undefined {
  if (record.status !== 'active') return 'revoked';
  if (record.expiresAt !== undefined && nowSeconds >= record.expiresAt) return 'expired';
  if (record.notBefore !== undefined && nowSeconds < record.notBefore) return 'not_yet_valid';
  return undefined;
}
