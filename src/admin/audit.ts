/** Audit entries: which fields a change touched, in API form (ISO times), never the key or hash. */
import type { KeyRecord } from '../keys/record';
import type { FieldChange } from '../store/keyStore';
import { isoFromEpoch } from './view';

/** Fields an audit entry reports. `hash`, `start` and bookkeeping (updatedAt) are deliberately absent. */
const AUDITED = [
  'name', 'owner', 'scopes', 'status', 'expiresAt', 'notBefore', 'metadata',
  'revokedAt', 'revokedBy', 'rotatedFrom', 'rotatedTo',
] as const;

function apiValue(record: KeyRecord, field: (typeof AUDITED)[number]): unknown {
  if (field === 'expiresAt' || field === 'notBefore') return isoFromEpoch(record[field]) ?? undefined;
  if (field === 'metadata' && record.metadata && Object.keys(record.metadata).length === 0) return undefined;
  return record[field];
}

/** Key order and scope order do not make a change. */
function canonical(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return JSON.stringify([...value].sort());
  if (value !== null && typeof value === 'object') return JSON.stringify(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify(value);
}

/** The fields that differ between two states (`before` undefined: a new key, every field is `to`). */
export function changes(before: KeyRecord | undefined, after: KeyRecord): Record<string, FieldChange> {
  const out: Record<string, FieldChange> = {};
  for (const field of AUDITED) {
    const from = before ? apiValue(before, field) : undefined;
    const to = apiValue(after, field);
    if (canonical(from) === canonical(to)) continue;
    out[field] = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
  }
  return out;
}
