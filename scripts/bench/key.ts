/** A fresh key and its record, for the benchmarks. */
import { generateKey, keyIdentity } from '../../src/keys/token';
import type { KeyRecord } from '../../src/keys/record';

export function benchKey(scopes: string[] = ['listen']): { key: string; record: KeyRecord } {
  const key = generateKey();
  return {
    key,
    record: {
      ...keyIdentity(key),
      name: 'bench',
      owner: 'bench',
      scopes,
      status: 'active',
      createdAt: new Date().toISOString(),
      createdBy: 'bench',
    },
  };
}
