/** Minting a new key (issue and rotate): generate, hash, derive the id, write; once more on a collision. */
import { keyIdentity } from '../keys/token';
import type { KeyRecord } from '../keys/record';
import { ConflictError, type KeyWrite } from '../store/keyStore';
import type { AdminDeps } from './deps';

export interface Minted {
  key: string;
  keyId: string;
  hash: string;
  start: string;
}

export interface NewKeyFields {
  name: string;
  owner?: string;
  scopes: string[];
  createdAt: string;
  createdBy: string;
  expiresAt?: number;
  metadata?: Record<string, string>;
  rotatedFrom?: string;
}

/** The record of a freshly minted key: active, with absent optional fields left out (not undefined). */
export function newKeyRecord({ keyId, hash, start }: Minted, fields: NewKeyFields): KeyRecord {
  const { owner, expiresAt, metadata, rotatedFrom, ...required } = fields;
  return {
    keyId,
    hash,
    start,
    ...required,
    ...(owner !== undefined ? { owner } : {}),
    status: 'active',
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(metadata && Object.keys(metadata).length ? { metadata } : {}),
    ...(rotatedFrom !== undefined ? { rotatedFrom } : {}),
  };
}

export function mint(deps: AdminDeps): Minted {
  const key = deps.generateKey(deps.prefix);
  return { key, ...keyIdentity(key) };
}

/**
 * Build the write for a fresh key and apply it. A key id collision (128 bits: not expected in
 * practice) fails the whole transaction, so retrying with another key is safe; a second one is
 * reported as the 409 it is.
 */
export async function writeNewKey(
  deps: AdminDeps,
  build: (minted: Minted) => { record: KeyRecord; write: KeyWrite },
): Promise<{ key: string; record: KeyRecord }> {
  for (let attempt = 1; ; attempt++) {
    const minted = mint(deps);
    const { record, write } = build(minted);
    try {
      await deps.store.write(write);
      return { key: minted.key, record };
    } catch (error) {
      if (attempt < 2 && error instanceof ConflictError && error.code === 'key_id_collision') continue;
      throw error;
    }
  }
}
