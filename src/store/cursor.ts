/**
 * Pagination cursors: base64url JSON of a DynamoDB ExclusiveStartKey. Opaque to callers, but a cursor
 * comes back from the network, so it is checked attribute by attribute before it reaches DynamoDB:
 * exactly the expected key attributes, each of the expected form and bound to the same query (the
 * same owner, the same key), else InvalidCursorError. A tampered cursor can at worst skip ahead.
 */
import { KEY_ID_PATTERN } from '../keys/token';
import { InvalidCursorError } from './keyStore';
import { EVENT_SORT_PREFIX, LIST_PARTITION_ATTRIBUTE, LIST_PARTITION_VALUE, RECORD_SORT_KEY } from './table';

type StartKey = Record<string, string>;

const MAX_CURSOR_LENGTH = 2048;
const ISO_LIKE = /^\d{4}-\d{2}-\d{2}T[0-9:.]+Z$/;

export function encodeCursor(key: StartKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function decode(cursor: string): Record<string, unknown> {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError('cursor is not one this API returned');
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not one this API returned');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidCursorError('cursor is not one this API returned');
  }
  return value as Record<string, unknown>;
}

function expect(value: Record<string, unknown>, checks: Record<string, (v: unknown) => boolean>): StartKey {
  const names = Object.keys(value);
  const ok =
    names.length === Object.keys(checks).length &&
    names.every((name) => Object.hasOwn(checks, name) && typeof value[name] === 'string' && checks[name](value[name]));
  if (!ok) throw new InvalidCursorError('cursor is not one this API returned, or belongs to another query');
  return value as StartKey;
}

const isKeyId = (v: unknown) => KEY_ID_PATTERN.test(v as string);
const isCreatedAt = (v: unknown) => ISO_LIKE.test(v as string);

/** Start key of a key-record listing (byCreatedAt, or byOwner for `owner`). */
export function decodeListCursor(cursor: string, owner: string | undefined): StartKey {
  const common = { keyId: isKeyId, sk: (v: unknown) => v === RECORD_SORT_KEY, createdAt: isCreatedAt };
  return expect(
    decode(cursor),
    owner === undefined
      ? { ...common, [LIST_PARTITION_ATTRIBUTE]: (v) => v === LIST_PARTITION_VALUE }
      : { ...common, owner: (v) => v === owner },
  );
}

/** Start key of one key's audit events. */
export function decodeEventCursor(cursor: string, keyId: string): StartKey {
  return expect(decode(cursor), {
    keyId: (v) => v === keyId,
    sk: (v) => (v as string).startsWith(EVENT_SORT_PREFIX) && (v as string).length <= 100,
  });
}
