/**
 * Records and audit entries as the admin API shows them. Built field by field (never by spreading a
 * record), so a stored attribute such as `hash` cannot leak into a response by accident. Times are
 * ISO 8601; absent optional fields are `null`, so every record has the same shape.
 */
import type { KeyRecord } from '../keys/record';
import type { AuditEvent } from '../store/keyStore';

export const isoFromEpoch = (seconds: number | undefined): string | null =>
  seconds === undefined ? null : new Date(seconds * 1000).toISOString();

export function viewKey(record: KeyRecord) {
  return {
    keyId: record.keyId,
    start: record.start,
    name: record.name,
    owner: record.owner ?? null,
    scopes: [...record.scopes],
    status: record.status,
    createdAt: record.createdAt,
    createdBy: record.createdBy,
    updatedAt: record.updatedAt ?? null,
    expiresAt: isoFromEpoch(record.expiresAt),
    notBefore: isoFromEpoch(record.notBefore),
    revokedAt: record.revokedAt ?? null,
    revokedBy: record.revokedBy ?? null,
    rotatedFrom: record.rotatedFrom ?? null,
    rotatedTo: record.rotatedTo ?? null,
    metadata: { ...(record.metadata ?? {}) },
  };
}

/** The one view with the plaintext key: the answers of issue and rotate. */
export function viewIssuedKey(record: KeyRecord, key: string) {
  const { keyId, ...rest } = viewKey(record);
  return { keyId, key, ...rest };
}

export function viewEvent(event: AuditEvent) {
  return {
    eventId: event.eventId,
    keyId: event.keyId,
    action: event.action,
    at: event.at,
    actor: event.actor,
    requestId: event.requestId ?? null,
    relatedKeyId: event.relatedKeyId ?? null,
    changes: event.changes ?? {},
  };
}
