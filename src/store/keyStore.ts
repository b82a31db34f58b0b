import type { KeyRecord, KeyStatus } from '../keys/record';

/**
 * Raised when a write's precondition fails (key exists, key revoked, key changed since it was read).
 * `code` is a stable machine-readable reason the admin API passes on to its callers.
 */
export class ConflictError extends Error {
  constructor(
    message: string,
    readonly code: 'conflict' | 'key_id_collision' | 'key_revoked' | 'already_rotated' | 'concurrent_change' = 'conflict',
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** Raised when a write targets a key that does not exist (e.g. deleted between read and write). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** Raised when a pagination cursor was not produced by this store for this query. */
export class InvalidCursorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

/** Raised when the store cannot answer (timeout, throttling, network). Callers fail closed. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * What the authorizer needs from storage: one strongly consistent read by key id.
 * Kept separate so the authorizer depends on nothing else.
 */
export interface KeyReader {
  get(keyId: string): Promise<KeyRecord | undefined>;
}

export type AuditAction = 'create' | 'update' | 'revoke' | 'rotate';

/** One field's change, in API form (ISO times, never a key or hash). `from` absent on creation. */
export interface FieldChange {
  from?: unknown;
  to?: unknown;
}

/** An audit entry: who did what to which key, when, and which fields changed. */
export interface AuditEvent {
  keyId: string;
  /** The item's sort key, `event#<at>#<random>`: unique and in time order. Set by the store. */
  eventId: string;
  action: AuditAction;
  /** ISO 8601. */
  at: string;
  /** The IAM ARN of the caller (or the configured local actor). */
  actor: string;
  /** API Gateway request id, to correlate with access logs. */
  requestId?: string;
  /** The other key of a rotation. */
  relatedKeyId?: string;
  changes?: Record<string, FieldChange>;
}

export type NewAuditEvent = Omit<AuditEvent, 'eventId'>;

/** A record as read for a later conditional write: `version` changes on every admin write. */
export interface Versioned {
  record: KeyRecord;
  version: number;
}

/**
 * One atomic write: every part is applied or none is, so no change exists without its audit entry.
 *  - create: a new key record; fails with ConflictError('key_id_collision') if the id exists
 *  - replace: the new full state of a key, applied only if it is unchanged since `previous` was read
 *    (optimistic concurrency); otherwise NotFoundError or ConflictError('key_revoked'|'concurrent_change')
 *  - events: audit entries, written with the change
 */
export interface KeyWrite {
  create?: KeyRecord;
  replace?: { previous: Versioned; next: KeyRecord };
  events: NewAuditEvent[];
}

export interface ListQuery {
  owner?: string;
  status?: KeyStatus;
  limit: number;
  /** Opaque; from a previous page's `nextCursor`. InvalidCursorError when it is not one. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** Everything the admin API needs. */
export interface KeyStore extends KeyReader {
  /** Conditional put: ConflictError if the key id already exists. No audit entry (seeding, tests). */
  create(record: KeyRecord): Promise<void>;
  /** Strongly consistent read, with the version `write` checks. */
  load(keyId: string): Promise<Versioned | undefined>;
  /** One transaction: see KeyWrite. */
  write(change: KeyWrite): Promise<void>;
  /** Key records, newest first, optionally by owner and status. Eventually consistent (an index). */
  list(query: ListQuery): Promise<Page<KeyRecord>>;
  /** A key's audit entries, oldest first. Strongly consistent. */
  events(keyId: string, query: { limit: number; cursor?: string }): Promise<Page<AuditEvent>>;
}
