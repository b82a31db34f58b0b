/**
 * Small hand-written validators (no schema library: the admin bundle stays small and every message
 * can say which field is wrong and why). Each returns the clean value or throws a 400 HttpError.
 * Values are never coerced ("3600" is not a number) and never echoed at length.
 */
import { isKnownScope, KNOWN_SCOPES } from '../routes';
import type { KeyStatus } from '../keys/record';
import { badRequest, invalidField } from './errors';

export const NAME_MAX = 128;
export const OWNER_MAX = 128;
export const METADATA_MAX_ENTRIES = 10;
export const METADATA_KEY_MAX = 64;
export const METADATA_VALUE_MAX = 256;
export const MAX_GRACE_SECONDS = 30 * 24 * 3600;
export const LIST_LIMIT_DEFAULT = 50;
export const LIST_LIMIT_MAX = 100;
/**
 * No real duration is this long (31.7 years), but every current epoch timestamp in seconds or
 * milliseconds is: a bigger `expiresInSeconds` is an absolute time sent by mistake.
 */
const EPOCH_LOOKALIKE = 1_000_000_000;

const CONTROL = /[\u0000-\u001f\u007f]/;

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The body as an object with only the allowed fields. */
export function objectBody(value: unknown, allowed: readonly string[], required: boolean): Record<string, unknown> {
  if (value === undefined) {
    if (required) throw badRequest('missing_body', `a JSON object body is required (fields: ${allowed.join(', ')})`);
    return {};
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('invalid_body', `the body must be a JSON object, not ${typeName(value)}`);
  }
  const unknown = Object.keys(value).filter((field) => !allowed.includes(field));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((f) => JSON.stringify(f.slice(0, 40))).join(', ');
    throw badRequest(
      'unknown_field',
      `unknown field${unknown.length > 1 ? 's' : ''} ${shown}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
      unknown[0].slice(0, 40),
    );
  }
  return value as Record<string, unknown>;
}

function boundedString(field: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw invalidField(field, `must be a string, not ${typeName(value)}`);
  const trimmed = value.trim();
  if (trimmed.length === 0) throw invalidField(field, 'must not be empty');
  if (trimmed.length > max) throw invalidField(field, `must be at most ${max} characters (got ${trimmed.length})`);
  if (CONTROL.test(trimmed)) throw invalidField(field, 'must not contain control characters');
  return trimmed;
}

export const parseName = (value: unknown) => boundedString('name', value, NAME_MAX);
export const parseOwner = (value: unknown, field = 'owner') => boundedString(field, value, OWNER_MAX);

export function parseScopes(value: unknown): string[] {
  const valid = `valid scopes: ${KNOWN_SCOPES.join(', ')}`;
  if (!Array.isArray(value)) throw invalidField('scopes', `must be an array of scope names; ${valid}`);
  if (value.length === 0) throw invalidField('scopes', `must name at least one scope; ${valid}`);
  const unknown = value.filter((scope) => typeof scope !== 'string' || !isKnownScope(scope));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 5).map((s) => JSON.stringify(typeof s === 'string' ? s.slice(0, 40) : s));
    throw invalidField('scopes', `unknown scope ${shown.join(', ')}; ${valid}`);
  }
  return [...new Set(value as string[])];
}

/**
 * Metadata keys: plain identifiers. Anything else (spaces, slashes, non-ASCII) has no use as a label
 * and only widens what reaches the marshaller and every consumer of the record.
 */
export const METADATA_KEY_PATTERN = new RegExp(`^[A-Za-z0-9_.:-]{1,${METADATA_KEY_MAX}}$`);
/**
 * Keys that are object machinery, not data: JSON.parse makes `__proto__` an own property (which the
 * DynamoDB marshaller then drops), and an own `constructor` makes the marshaller refuse the whole
 * item. Both used to end in a 503 (a "store outage") instead of a 400.
 */
export const RESERVED_METADATA_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function parseMetadata(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidField('metadata', `must be an object of string values, not ${typeName(value)}`);
  }
  const entries = Object.entries(value);
  if (entries.length > METADATA_MAX_ENTRIES) {
    throw invalidField('metadata', `at most ${METADATA_MAX_ENTRIES} entries (got ${entries.length})`);
  }
  for (const [key, entry] of entries) {
    if (RESERVED_METADATA_KEYS.has(key)) {
      throw invalidField('metadata', `key ${JSON.stringify(key)} is reserved (__proto__, constructor and prototype are not allowed)`);
    }
    if (!METADATA_KEY_PATTERN.test(key)) {
      throw invalidField(
        'metadata',
        `keys must be 1-${METADATA_KEY_MAX} characters from A-Z a-z 0-9 _ . : - (got ${JSON.stringify(key.slice(0, 40))}${key.length > 40 ? '...' : ''})`,
      );
    }
    if (typeof entry !== 'string') {
      throw invalidField('metadata', `value of ${JSON.stringify(key)} must be a string, not ${typeName(entry)} (metadata is flat)`);
    }
    if (entry.length > METADATA_VALUE_MAX) {
      throw invalidField('metadata', `value of ${JSON.stringify(key)} must be at most ${METADATA_VALUE_MAX} characters`);
    }
  }
  // A fresh plain object built from the validated entries only (no reserved key can reach it). Not
  // Object.create(null): the DynamoDB marshaller only takes objects whose constructor is Object.
  return Object.fromEntries(entries) as Record<string, string>;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/i;

/** Milliseconds of an ISO 8601 date-time with a zone, or undefined (also for 2027-02-30 and the like). */
export function parseIsoInstant(text: string): number | undefined {
  const m = ISO_INSTANT.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

export interface ExpiryRules {
  nowMs: number;
  /** 0 = no maximum (and keys may then have no expiry at all). */
  maxLifetimeSeconds: number;
}

const days = (seconds: number) => `${+(seconds / 86400).toFixed(2)} days`;
const EXAMPLE = '2027-01-31T00:00:00Z';

/**
 * The expiry (epoch seconds) requested by `expiresAt` (ISO 8601) or `expiresInSeconds`, checked
 * against the clock and the maximum lifetime. undefined: none requested. null: `expiresAt: null`
 * (remove the expiry), accepted only when `allowNull` and the deployment has no maximum lifetime.
 */
export function parseExpiry(body: Record<string, unknown>, rules: ExpiryRules, allowNull = false): number | null | undefined {
  const { expiresAt, expiresInSeconds } = body;
  const { nowMs, maxLifetimeSeconds } = rules;
  if (expiresAt !== undefined && expiresInSeconds !== undefined) {
    throw badRequest('invalid_field', 'give either expiresAt or expiresInSeconds, not both', 'expiresAt');
  }
  const nowSeconds = Math.floor(nowMs / 1000);
  const withinMaximum = (seconds: number, field: string) => {
    if (maxLifetimeSeconds > 0 && seconds - nowSeconds > maxLifetimeSeconds) {
      throw invalidField(
        field,
        `is beyond the maximum key lifetime of ${days(maxLifetimeSeconds)} ` +
          `(latest allowed: ${new Date((nowSeconds + maxLifetimeSeconds) * 1000).toISOString()})`,
      );
    }
    return seconds;
  };

  if (expiresInSeconds !== undefined) {
    const n = expiresInSeconds;
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      throw invalidField('expiresInSeconds', `must be an integer number of seconds, not ${typeName(n)}${typeof n === 'number' ? ' with a fraction' : ''}`);
    }
    if (n <= 0) throw invalidField('expiresInSeconds', 'must be greater than 0');
    if (n >= EPOCH_LOOKALIKE) {
      throw invalidField(
        'expiresInSeconds',
        'looks like an epoch timestamp (seconds or milliseconds), not a duration: give the number of ' +
          `seconds from now (e.g. 2592000 for 30 days), or an ISO 8601 expiresAt such as ${EXAMPLE}`,
      );
    }
    return withinMaximum(nowSeconds + n, 'expiresInSeconds');
  }

  if (expiresAt === undefined) return undefined;
  if (expiresAt === null) {
    if (!allowNull) throw invalidField('expiresAt', `must be an ISO 8601 date-time string such as ${EXAMPLE}, not null`);
    if (maxLifetimeSeconds > 0) {
      throw invalidField('expiresAt', `cannot be removed: keys must expire within the maximum key lifetime of ${days(maxLifetimeSeconds)}`);
    }
    return null;
  }
  if (typeof expiresAt === 'number' || (typeof expiresAt === 'string' && /^\d+$/.test(expiresAt.trim()))) {
    throw invalidField(
      'expiresAt',
      `must be an ISO 8601 date-time string such as ${EXAMPLE}, not a number (epoch seconds or milliseconds?); ` +
        'for a relative expiry use expiresInSeconds',
    );
  }
  if (typeof expiresAt !== 'string') {
    throw invalidField('expiresAt', `must be an ISO 8601 date-time string such as ${EXAMPLE}, not ${typeName(expiresAt)}`);
  }
  const ms = parseIsoInstant(expiresAt.trim());
  if (ms === undefined) {
    throw invalidField('expiresAt', `must be a valid ISO 8601 date-time with a time zone, such as ${EXAMPLE}`);
  }
  // Stored in whole seconds, rounded down: the key never outlives what was asked.
  const seconds = Math.floor(ms / 1000);
  if (seconds <= nowSeconds) {
    throw invalidField('expiresAt', `must be in the future (now is ${new Date(nowMs).toISOString()})`);
  }
  return withinMaximum(seconds, 'expiresAt');
}

export function parseGracePeriod(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidField('gracePeriodSeconds', `must be an integer number of seconds, not ${typeName(value)}`);
  }
  if (value < 0 || value > MAX_GRACE_SECONDS) {
    const hint = value >= EPOCH_LOOKALIKE ? ' (that looks like an epoch timestamp, not a duration)' : '';
    throw invalidField('gracePeriodSeconds', `must be between 0 and ${MAX_GRACE_SECONDS} (30 days)${hint}`);
  }
  return value;
}

/** Query parameters: only the allowed names. */
export function queryParams(
  query: Record<string, string | undefined> | undefined,
  allowed: readonly string[],
): Record<string, string | undefined> {
  const params = query ?? {};
  const unknown = Object.keys(params).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    throw badRequest(
      'unknown_parameter',
      `unknown query parameter ${JSON.stringify(unknown[0].slice(0, 40))}; allowed: ${allowed.join(', ')}`,
      unknown[0].slice(0, 40),
    );
  }
  return params;
}

export function parseLimit(value: string | undefined, fallback = LIST_LIMIT_DEFAULT, max = LIST_LIMIT_MAX): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw badRequest('invalid_parameter', `limit: must be an integer from 1 to ${max}`, 'limit');
  }
  return Number(value);
}

export function parseStatus(value: string | undefined): KeyStatus | undefined {
  if (value === undefined) return undefined;
  if (value !== 'active' && value !== 'revoked') {
    throw badRequest('invalid_parameter', 'status: must be "active" or "revoked"', 'status');
  }
  return value;
}

export function parseCursor(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === '') throw badRequest('invalid_cursor', 'cursor: must not be empty', 'cursor');
  return value;
}
