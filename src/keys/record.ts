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

/** Why a key cannot be used right now, or undefined when it can. */
export function unusableReason(record: KeyRecord, nowSeconds: number): Unusable | undefined {
  if (record.status !== 'active') return 'revoked';
  if (record.expiresAt !== undefined && nowSeconds >= record.expiresAt) return 'expired';
  if (record.notBefore !== undefined && nowSeconds < record.notBefore) return 'not_yet_valid';
  return undefined;
}
