import type { KeyRecord } from '../keys/record';

/** Raised when a write's precondition fails (key exists, key missing, key revoked...). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
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

/** Everything the admin API needs. */
export interface KeyStore extends KeyReader {
  /** Conditional put: ConflictError if the key id already exists. */
  create(record: KeyRecord): Promise<void>;
}
